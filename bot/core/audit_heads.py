"""Published heads: where each audit chain stood on a day, kept outside the database.

Without the key, someone with write access can still cut a chain's newest events off and
roll its head row back; the chain then verifies. Heads published earlier (in the team's
chat, the log, a file of ``mesabot audit heads`` lines) contradict it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.tables import AuditChain


@dataclass(frozen=True)
class Head:
    """A chain's last event as published: enough to notice later that it was cut back or
    rewritten. One JSON line each, readable by a person."""

    chain: str
    seq: int
    hash: str
    date: str

    def line(self) -> str:
        return json.dumps(
            {"chain": self.chain, "seq": self.seq, "hash": self.hash, "date": self.date},
            ensure_ascii=False,
        )


def parse_heads(text: str) -> list[Head]:
    """Heads from a file of JSON lines. Anything before a line's first ``{`` is ignored,
    so lines copied from the log work too; blank lines and ``#`` comments are skipped.

    Raises:
        ValueError: a line that is not a head.
    """
    heads = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            data = json.loads(line[line.index("{"):])
            heads.append(Head(chain=str(data["chain"]), seq=int(data["seq"]),
                              hash=str(data["hash"]), date=str(data.get("date", ""))))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"line {number} is not a published head: {line[:80]}") from error
    return heads


async def heads(session: AsyncSession, *, today: date) -> list[Head]:
    """Every chain's head as it stands now."""
    rows = await session.exec(select(AuditChain).order_by(col(AuditChain.key)))
    return [Head(chain=c.key, seq=c.seq, hash=c.head_hash, date=today.isoformat())
            for c in rows if c.seq > 0]
