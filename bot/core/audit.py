"""The audit trail: append-only, one hash chain per mesa (and one for global changes).

Each event's hash covers its own fields and the previous event's hash, so editing or
deleting any row breaks every hash after it. The chain head row is locked while an event
is appended, which also serialises concurrent writers of one mesa on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import locked
from bot.storage.tables import AuditChain, AuditEvent

GENESIS = "0" * 64
GLOBAL_CHAIN = "global"


def chain_key(mesa_id: int | None) -> str:
    return f"mesa:{mesa_id}" if mesa_id is not None else GLOBAL_CHAIN


def jsonable(value: Any) -> Any:
    """Dates as ISO strings, enums as their values: what JSON keeps unchanged."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def event_hash(event: AuditEvent) -> str:
    body = {
        "chain": event.chain_key,
        "seq": event.seq,
        "at": event.at.isoformat(),
        "mesa": event.mesa_id,
        "actor": event.actor_id,
        "kind": event.kind,
        "subject": event.subject,
        "before": event.before,
        "after": event.after,
        "source": event.source,
        "prev": event.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _locked_chain(session: AsyncSession, key: str) -> AuditChain:
    """The chain head, locked until commit.

    Use cases lock the rows they change first and record their audit event last, so
    the chain lock is always the last one taken and writers cannot deadlock on it.
    """
    query = locked(select(AuditChain).where(AuditChain.key == key))
    chain = (await session.exec(query)).first()
    if chain is None:  # the chain's first event: create its head, racing writers agree
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        connection = await session.connection()
        await connection.execute(
            insert(AuditChain)
            .values(key=key, seq=0, head_hash=GENESIS)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        chain = (await session.exec(query)).one()
    return chain


async def record(
    session: AsyncSession,
    *,
    at: datetime,
    mesa_id: int | None,
    actor_id: int | None,
    kind: str,
    subject: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    source: str = "",
) -> AuditEvent:
    """Append one event to its mesa's chain, inside the caller's transaction."""
    chain = await _locked_chain(session, chain_key(mesa_id))
    event = AuditEvent(
        chain_key=chain.key,
        seq=chain.seq + 1,
        at=at,
        mesa_id=mesa_id,
        actor_id=actor_id,
        kind=kind,
        subject=subject,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        source=source[:200],
        prev_hash=chain.head_hash,
        hash="",
    )
    event.hash = event_hash(event)
    chain.seq = event.seq
    chain.head_hash = event.hash
    session.add(event)
    session.add(chain)
    return event


@dataclass
class ChainReport:
    """What ``mesabot audit verify`` found: events checked and every break, in order."""

    chains: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(session: AsyncSession) -> ChainReport:
    """Recompute every chain from its first event and compare with the stored heads."""
    report = ChainReport()
    chains = (await session.exec(select(AuditChain).order_by(col(AuditChain.key)))).all()
    for chain in chains:
        report.chains += 1
        prev, expected_seq = GENESIS, 1
        events = await session.exec(
            select(AuditEvent)
            .where(AuditEvent.chain_key == chain.key)
            .order_by(col(AuditEvent.seq))
        )
        for event in events:
            report.events += 1
            where = f"{chain.key} #{event.seq}"
            if event.seq != expected_seq:
                report.problems.append(f"{where}: missing event(s) before it")
            if event.prev_hash != prev:
                report.problems.append(f"{where}: does not follow the previous event")
            if event_hash(event) != event.hash:
                report.problems.append(f"{where}: contents changed after it was written")
            prev, expected_seq = event.hash, event.seq + 1
        if chain.seq != expected_seq - 1 or chain.head_hash != prev:
            report.problems.append(f"{chain.key}: last event(s) missing or head altered")
    return report
