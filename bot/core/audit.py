"""The audit trail: append-only, one keyed hash chain per mesa (and one for global changes).

Each event's hash is an HMAC-SHA256, under a key that never enters the database, of the
event's own fields and the previous event's hash. Someone with write access to the
database alone can then neither edit, delete, renumber nor append an event and recompute
the rest, because they cannot compute the HMAC. What they can still do without the key,
cut the newest events off and roll the head row back, is caught by comparing with heads
published outside the database (the team's chat, the log, ``mesabot audit heads``).

The last 8 characters of a hash name the key that signed it (a fingerprint), so keys can
be rotated: the newest key signs, older keys still verify the events they signed, and the
first event a chain writes under a new key is preceded by an ``audit.key_rotated`` event,
signed with the old key, that names the new one. A chain can thus only move to a key that
the previous key vouched for.

The chain head row is locked while an event is appended, which also serialises
concurrent writers of one mesa on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.audit_heads import Head as Head  # re-exported: callers use audit.*
from bot.core.audit_heads import heads as heads
from bot.core.audit_heads import parse_heads as parse_heads
from bot.core.audit_rows import check_live_rows
from bot.core.context import UseCases, locked
from bot.core.enums import Audience
from bot.storage.database import AUDIT_KEYS
from bot.storage.tables import AuditChain, AuditEvent, Entity, Member, Mesa

GENESIS = "0" * 64
GLOBAL_CHAIN = "global"
KEY_ROTATED = "audit.key_rotated"
#: Hex characters of the HMAC kept in a hash; the rest of the 64 name the key.
_MAC_LEN = 56
_MIN_KEY_LEN = 32


class MissingAuditKey(RuntimeError):
    """A write was attempted without an audit key: nothing can be recorded unsigned."""


def chain_key(mesa_id: int | None) -> str:
    return f"mesa:{mesa_id}" if mesa_id is not None else GLOBAL_CHAIN


def _chain_mesa(key: str) -> int | None:
    return int(key.removeprefix("mesa:")) if key.startswith("mesa:") else None


def jsonable(value: Any) -> Any:
    """Dates as ISO strings, enums as their values: what JSON keeps unchanged."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


# keys


def new_key() -> str:
    """A fresh random key, as it is written in ``MESABOT_AUDIT_KEY`` or the key file."""
    return secrets.token_hex(32)


def parse_keys(text: str) -> tuple[bytes, ...]:
    """Keys from a setting or a key file: one per line or comma-separated, newest first;
    blank lines and ``#`` comments are skipped.

    Raises:
        ValueError: no key, or a key too short to be a secret.
    """
    keys = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        for part in line.split(","):
            part = part.strip()
            if not part:
                continue
            if len(part) < _MIN_KEY_LEN:
                raise ValueError(f"an audit key needs at least {_MIN_KEY_LEN} characters")
            keys.append(part.encode())
    if not keys:
        raise ValueError("no audit key")
    return tuple(keys)


def fingerprint(key: bytes) -> str:
    """Eight hex characters that name a key without revealing it."""
    return hashlib.sha256(b"mesabot audit key\0" + key).hexdigest()[:8]


@dataclass(frozen=True)
class KeyRing:
    """The keys this installation knows, newest first; the newest signs."""

    keys: tuple[bytes, ...]

    @property
    def newest(self) -> bytes:
        return self.keys[0]

    def find(self, print_: str) -> bytes | None:
        return next((k for k in self.keys if fingerprint(k) == print_), None)


def keyring(session: AsyncSession) -> KeyRing:
    keys: Sequence[bytes] = session.info.get(AUDIT_KEYS) or ()
    if not keys:
        raise MissingAuditKey("no audit key: set MESABOT_AUDIT_KEY or MESABOT_AUDIT_KEY_FILE")
    return KeyRing(tuple(keys))


def key_of(hash_: str) -> str:
    """The fingerprint of the key that signed an event (or a head)."""
    return hash_[_MAC_LEN:]


def _canonical(event: AuditEvent) -> bytes:
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
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(event: AuditEvent, key: bytes) -> str:
    mac = hmac.new(key, _canonical(event), hashlib.sha256).hexdigest()
    return mac[:_MAC_LEN] + fingerprint(key)


def _unkeyed(event: AuditEvent) -> bool:
    """Written before the chain had a key (plain SHA-256). Such events are trusted only
    as a prefix that a keyed event seals, since that event's HMAC covers their hash."""
    return hashlib.sha256(_canonical(event)).hexdigest() == event.hash


# writing


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


def _append(
    session: AsyncSession, chain: AuditChain, key: bytes, *, at: datetime,
    mesa_id: int | None, actor_id: int | None, kind: str, subject: str,
    before: dict[str, Any] | None, after: dict[str, Any] | None, source: str,
) -> AuditEvent:
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
    event.hash = event_hash(event, key)
    chain.seq = event.seq
    chain.head_hash = event.hash
    session.add(event)
    session.add(chain)
    return event


async def _rotate_if_needed(
    session: AsyncSession, chain: AuditChain, ring: KeyRing, at: datetime
) -> None:
    """Before a chain's first event under a new key, the old key vouches for the new one.

    The head names the key that signed the last event; only when that is not the newest
    (right after a key change) is the last event read, since a rotation event is signed
    by the old key and already vouches for the new one. If the old key is no longer
    configured the rotation is signed with the new key, and ``verify`` reports it: a
    chain may not change keys without the old key's word. A chain written before keys
    existed is sealed the same way, by the newest key.
    """
    current = key_of(chain.head_hash)
    newest = fingerprint(ring.newest)
    if chain.seq == 0 or current == newest:
        return
    last = (await session.exec(
        select(AuditEvent).where(AuditEvent.chain_key == chain.key, AuditEvent.seq == chain.seq)
    )).first()
    if last is not None and last.kind == KEY_ROTATED:
        current = str((last.after or {}).get("key"))  # the key the chain is already on
        if current == newest:
            return
    elif last is not None and _unkeyed(last):
        current = "sha256"  # written before keys: the newest key seals it
    _append(
        session, chain, ring.find(current) or ring.newest, at=at,
        mesa_id=_chain_mesa(chain.key), actor_id=None, kind=KEY_ROTATED, subject="",
        before={"key": current}, after={"key": newest}, source="",
    )


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
    """Append one event to its mesa's chain, inside the caller's transaction, signed with
    the newest key the session carries."""
    ring = keyring(session)
    chain = await _locked_chain(session, chain_key(mesa_id))
    await _rotate_if_needed(session, chain, ring, at)
    return _append(
        session, chain, ring.newest, at=at, mesa_id=mesa_id, actor_id=actor_id, kind=kind,
        subject=subject, before=before, after=after, source=source,
    )


async def rotate_all(session: AsyncSession, *, at: datetime) -> int:
    """Move every chain to the newest key now, rather than at its next event; returns how
    many chains moved. Run after putting a new key first, with the bot stopped."""
    ring = keyring(session)
    moved = 0
    keys = (await session.exec(select(AuditChain.key).order_by(col(AuditChain.key)))).all()
    for key in keys:
        chain = await _locked_chain(session, key)
        seq = chain.seq
        await _rotate_if_needed(session, chain, ring, at)
        moved += chain.seq != seq
    return moved


class AuditTrail(UseCases):
    async def publish_heads(self) -> list[Head]:
        """Tell each mesa's team chat where its chain stands ("1.284 eventos, huella
        3f9a…"), so a chain cut back later contradicts what the team was told. Returns
        every head, the global chain's too, for the caller to log."""
        from bot.core.notices import notify  # here: notices imports this module

        now = self.clock.now()
        async with self.db.write() as s:
            active = set((await s.exec(
                select(Mesa.id).where(Mesa.status == "active")
            )).all())
            published = await heads(s, today=now.date())
            for head in published:
                mesa_id = _chain_mesa(head.chain)
                if mesa_id is not None and mesa_id in active:
                    notify(s, at=now, mesa_id=mesa_id, audience=Audience.TEAM,
                           kind="audit_head",
                           params={"events": head.seq, "fingerprint": head.hash[:12],
                                   "date": head.date})
            return published


# verifying


@dataclass
class ChainReport:
    """What ``mesabot audit verify`` found: events checked and every break, in order."""

    chains: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def _chain_names(session: AsyncSession) -> list[str]:
    """Every chain that should exist: named by an event, a head row or a mesa, and the
    global one once anything global (an entity, a member) exists."""
    names = set((await session.exec(select(AuditEvent.chain_key).distinct())).all())
    names.update((await session.exec(select(AuditChain.key))).all())
    names.update(chain_key(m) for m in (await session.exec(select(Mesa.id))).all())
    if (await session.exec(select(Entity.id).limit(1))).first() is not None or (
        await session.exec(select(Member.id).limit(1))
    ).first() is not None:
        names.add(GLOBAL_CHAIN)
    return sorted(names)


def _check_events(
    name: str, events: Sequence[AuditEvent], ring: KeyRing, problems: list[str]
) -> None:
    prev: AuditEvent | None = None
    expected_seq = 1
    unsealed = True  # still in the prefix written before keys
    for event in events:
        where = f"{name} #{event.seq}"
        if event.seq != expected_seq:
            problems.append(f"{where}: missing event(s) before it")
        if event.prev_hash != (prev.hash if prev else GENESIS):
            problems.append(f"{where}: does not follow the previous event")
        signer = key_of(event.hash)
        key = ring.find(signer)
        was_unsealed, unsealed = unsealed, unsealed and key is None and _unkeyed(event)
        if unsealed:
            pass
        elif key is None:
            problems.append(f"{where}: signed with a key this installation does not have")
        elif not hmac.compare_digest(event_hash(event, key), event.hash):
            problems.append(f"{where}: contents changed after it was written")
        if prev is not None and not was_unsealed:
            before = key_of(prev.hash)
            named = (prev.after or {}).get("key") if prev.kind == KEY_ROTATED else None
            if named is not None and signer != named:
                problems.append(f"{where}: not signed with the key the rotation before it named")
            elif named is None and signer != before:
                problems.append(f"{where}: changes key without a rotation signed by the old key")
        prev, expected_seq = event, event.seq + 1
    if events and unsealed:
        problems.append(f"{name}: written before the audit key and not sealed with it yet "
                        "(mesabot audit rotate-key seals it)")


async def verify(session: AsyncSession, published: Iterable[Head] = ()) -> ChainReport:
    """Check every chain against its key, its head row and the heads published earlier,
    then check the live bottlenecks, actions and progress against what the audit says."""
    ring = keyring(session)
    report = ChainReport()
    heads_by_key = {c.key: c for c in (await session.exec(select(AuditChain))).all()}
    events_by_chain: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in await session.exec(
        select(AuditEvent).order_by(col(AuditEvent.chain_key), col(AuditEvent.seq))
    ):
        events_by_chain[event.chain_key].append(event)
    for name in await _chain_names(session):
        report.chains += 1
        events = events_by_chain.get(name, [])
        report.events += len(events)
        _check_events(name, events, ring, report.problems)
        head = heads_by_key.get(name)
        last = events[-1] if events else None
        if not events:
            report.problems.append(f"{name}: no events left, though its mesa or head remains")
        if head is None:
            report.problems.append(f"{name}: its head row is missing")
        elif last is None or head.seq != last.seq or head.head_hash != last.hash:
            report.problems.append(f"{name}: last event(s) missing or head altered")
    for head_ in published:
        by_seq = {e.seq: e for e in events_by_chain.get(head_.chain, [])}
        kept = by_seq.get(head_.seq)
        if kept is None:
            report.problems.append(
                f"{head_.chain}: had {head_.seq} events when published on {head_.date}, "
                f"now {len(by_seq)}"
            )
        elif kept.hash != head_.hash:
            report.problems.append(
                f"{head_.chain} #{head_.seq}: not the event published on {head_.date}"
            )
    all_events = [e for chain in events_by_chain.values() for e in chain]
    report.problems.extend(await check_live_rows(session, all_events))
    return report
