"""Where a member's private notices go: one platform, never both.

A member may have an account on Telegram and on Slack. Each private notice reaches them
once, on the platform they chose with ``/canal`` if they have an account there, else on
the one they last wrote from if they have an account there, else on the only one they
have. The platform is decided once, in the statement that writes the notice
(:func:`notice_platform`), not by each face when it delivers: two faces reading the
member at different moments could otherwise both send it, or both skip it. A choice
made later changes only the notices written after it. Notices to a chat (the group, the
team, the ministers) go to every platform's linked chat, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, literal, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.context import UseCases, locked
from bot.core.errors import BadValue, ChannelNotLinked, UnknownMember
from bot.storage.backlog import PLATFORMS as PLATFORMS  # the platforms, for the faces
from bot.storage.database import apart_from_update
from bot.storage.tables import Member

if TYPE_CHECKING:
    from bot.core.members import Identity

#: The member's column that holds their account on each platform.
_ACCOUNT = {"telegram": "telegram_user_id", "slack": "slack_user_id"}


def _linked(platform: str) -> Any:
    return col(getattr(Member, _ACCOUNT[platform])).is_not(None)


def private_platform() -> Any:
    """The rule as a SQL expression over the ``member`` row: the platform their private
    notices go to now, or NULL when they have no account on any."""
    chosen = [(and_(col(Member.channel) == p, _linked(p)), literal(p)) for p in PLATFORMS]
    last = [(and_(col(Member.last_platform) == p, _linked(p)), literal(p)) for p in PLATFORMS]
    only = [(_linked(p), literal(p)) for p in PLATFORMS]
    return case(*chosen, *last, *only, else_=None)


def notice_platform(member_id: int) -> Any:
    """The platform of a private notice to ``member_id``, as a subquery of the insert
    that writes it: read and written in one statement, so nothing changes in between."""
    return select(private_platform()).where(col(Member.id) == member_id).scalar_subquery()


@dataclass(frozen=True)
class Channel:
    """Where someone's private notices go, and why."""

    #: The platform they go to now (None: no account on any).
    current: str | None
    #: What they chose with /canal (None: not chosen, or chosen where they have no
    #: account any more).
    chosen: str | None
    #: The platforms they have an account on.
    linked: tuple[str, ...]
    handle: str


class Channels(UseCases):
    async def _read(self, s: AsyncSession, member_id: int) -> Channel:
        member, current = (await s.exec(
            select(Member, private_platform()).where(col(Member.id) == member_id)
        )).first() or (None, None)
        if member is None:
            raise UnknownMember(name="")
        linked = tuple(p for p in PLATFORMS if getattr(member, _ACCOUNT[p]) is not None)
        chosen = member.channel if member.channel in linked else None
        return Channel(current=current, chosen=chosen, linked=linked, handle=member.handle)

    async def show(self, *, member_id: int) -> Channel:
        async with self.db.read() as s:
            return await self._read(s, member_id)

    async def choose(self, *, member_id: int, platform: str, source: str = "") -> Channel:
        """Send ``member_id``'s private notices to ``platform`` from now on. A platform
        they have no account on is refused (nothing could be delivered there). The
        choice is theirs, so it is an audit event, in the global chain like their
        accounts."""
        platform = platform.strip().lower()[:12]
        if platform not in PLATFORMS:
            raise BadValue(field="channel", value=platform, allowed=list(PLATFORMS))
        now = self.clock.now()
        async with self.db.write() as s:
            member = (await s.exec(locked(select(Member).where(Member.id == member_id)))
                      ).first()
            if member is None:
                raise UnknownMember(name="")
            if getattr(member, _ACCOUNT[platform]) is None:
                raise ChannelNotLinked(platform=platform, handle=member.handle)
            if member.channel != platform:  # the same choice twice is recorded once
                before = member.channel
                member.channel = platform
                s.add(member)
                await audit.record(
                    s, at=now, mesa_id=None, actor_id=member_id, kind="member.channel",
                    subject=member.handle, source=source,
                    before={"channel": before}, after={"channel": platform},
                )
                await s.flush()
            return await self._read(s, member_id)

    async def used(self, *, identity: Identity, platform: str) -> None:
        """Remember that ``identity`` wrote from ``platform``: written only when it
        differs from what is stored (most messages change nothing). Bookkeeping, not
        the message's effect: it is not audited, and it commits apart from the
        message, which is still marked done with its own effects."""
        if platform not in PLATFORMS or platform == identity.last_platform:
            return
        with apart_from_update():
            async with self.db.write() as s:
                await s.exec(update(Member).where(col(Member.id) == identity.member_id)
                             .values(last_platform=platform))
