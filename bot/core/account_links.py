"""A member links their own account on a second platform, without an administrator.

Someone on Telegram who starts using Slack (or the reverse) would otherwise join again
with an invitation and become a second member, their actions, roles and notices split.
Instead they ask, on the platform they already use, for a one-time code
(:meth:`AccountLinks.offer`), and type it on the other one, where the joining command
takes it (:func:`redeem`, called by :meth:`bot.core.invitations.Invitations.accept`, so
one code space serves both). Whoever holds an account already proves who they are there;
the code carries that proof to the new account, once, for half an hour. Only its hash is
kept; an account that belongs to another member is never taken over; the member is told
on the platform they already had, so a link they did not make does not go unnoticed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.context import UseCases, locked
from bot.core.enums import Audience
from bot.core.errors import AccountTaken, BadValue, LinkCodeInvalid, UnknownMember
from bot.core.notices import notify
from bot.storage.backlog import PLATFORMS
from bot.storage.tables import AccountLinkCode, Member, Membership

VALID_FOR = timedelta(minutes=30)
#: Letters nobody misreads on a phone (no 0/O, 1/I/L): typed by hand on the other side.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_ACCOUNT = {"telegram": "telegram_user_id", "slack": "slack_user_id"}


def _hash(code: str) -> str:
    return hashlib.sha256(("link:" + code.strip().upper()).encode()).hexdigest()


@dataclass(frozen=True)
class LinkOffer:
    code: str
    platform: str
    expires_at: datetime


@dataclass(frozen=True)
class Linked:
    """An account linked: whose it is now, on which platform."""

    name: str
    handle: str
    platform: str


class AccountLinks(UseCases):
    async def offer(self, *, member_id: int, platform: str, source: str = "") -> LinkOffer:
        """A one-time code for ``member_id`` to link their account on ``platform``,
        where they have none yet; a new code replaces any earlier one still unused."""
        platform = platform.strip().lower()[:12]
        if platform not in PLATFORMS:
            raise BadValue(field="channel", value=platform, allowed=list(PLATFORMS))
        now = self.clock.now()
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        async with self.db.write() as s:
            member = (await s.exec(locked(select(Member).where(Member.id == member_id)))
                      ).first()
            if member is None:
                raise UnknownMember(name="")
            if getattr(member, _ACCOUNT[platform]) is not None:
                raise AccountTaken(platform=platform, own=True)
            for earlier in (await s.exec(select(AccountLinkCode).where(
                    AccountLinkCode.member_id == member_id,
                    col(AccountLinkCode.used_at).is_(None)))).all():
                earlier.used_at = now  # spent: only the newest code works
                s.add(earlier)
            row = AccountLinkCode(code_hash=_hash(code), member_id=member_id,
                                  platform=platform, created_at=now,
                                  expires_at=now + VALID_FOR)
            s.add(row)
            await audit.record(
                s, at=now, mesa_id=None, actor_id=member_id, kind="member.link_offered",
                subject=member.handle, source=source,
                after={"platform": platform, "code": row.code_hash[:16],
                       "expires_at": row.expires_at.isoformat()},
            )
            return LinkOffer(code, platform, row.expires_at)


async def redeem(s: AsyncSession, *, code: str, now: datetime, telegram_user_id: int | None,
                 slack_user_id: str | None, source: str) -> Linked | None:
    """Link the account typing ``code`` to the member who asked for it, in the caller's
    transaction; None when ``code`` is no link code (it may be an invitation)."""
    row = (await s.exec(locked(select(AccountLinkCode).where(
        AccountLinkCode.code_hash == _hash(code))))).first()
    if row is None:
        return None
    platform = "telegram" if telegram_user_id is not None else "slack"
    account: int | str | None = telegram_user_id if platform == "telegram" else slack_user_id
    if row.used_at is not None or row.expires_at <= now or row.platform != platform:
        raise LinkCodeInvalid()
    field = _ACCOUNT[platform]
    holder = (await s.exec(select(Member).where(getattr(Member, field) == account))).first()
    if holder is not None and holder.id != row.member_id:
        raise AccountTaken(platform=platform, own=False)
    member = (await s.exec(locked(select(Member).where(Member.id == row.member_id)))).one()
    row.used_at = now
    s.add(row)
    if holder is not None:  # already theirs: the code is spent, nothing else changes
        return Linked(member.name, member.handle, platform)
    if getattr(member, field) is not None:  # linked another way since they asked
        raise AccountTaken(platform=platform, own=True)
    before = {"telegram_user_id": member.telegram_user_id,
              "slack_user_id": member.slack_user_id}
    others = [p for p in PLATFORMS if getattr(member, _ACCOUNT[p]) is not None]
    setattr(member, field, account)
    s.add(member)
    await s.flush()
    assert member.id is not None
    await audit.record(
        s, at=now, mesa_id=None, actor_id=member.id, kind="member.linked",
        subject=member.handle, source=source, before=before,
        after={"telegram_user_id": member.telegram_user_id,
               "slack_user_id": member.slack_user_id, "code": row.code_hash[:16]},
    )
    mesa_id = (await s.exec(select(Membership.mesa_id).where(
        Membership.member_id == member.id, col(Membership.active).is_(True))
        .order_by(col(Membership.id)))).first()
    if mesa_id is not None and others:
        notify(s, at=now, source=source, mesa_id=mesa_id, audience=Audience.MEMBER,
               member_id=member.id, kind="account_linked", platform=others[0],
               params={"platform": platform, "name": member.name})
    return Linked(member.name, member.handle, platform)
