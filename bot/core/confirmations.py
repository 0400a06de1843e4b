"""What a confirmation tells beyond the group's news: the owner, when someone else set
the date in their name, and the reply, whether the promised reminders have a session to
come before yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Acting
from bot.core.enums import Audience
from bot.core.notices import notify
from bot.core.sessions import next_session, session_view
from bot.core.views import ActionView, SessionView
from bot.storage.tables import Action


@dataclass(frozen=True)
class Confirmed:
    """A confirmed action, with what the reply must get right about the reminders:
    whether the one who confirmed is the owner (else it is the owner, not they, who
    will be reminded), and the next regular session (the pings come before it; with
    none scheduled, none come yet)."""

    action: ActionView
    by_owner: bool
    next_session: SessionView | None


async def confirmed(
    s: AsyncSession, acting: Acting, row: Action, view: ActionView, *, now: datetime,
    source: str,
) -> Confirmed:
    """Tell an owner privately that a colleague (or a coordinator) committed them to a
    date, since the pings will come to them, and how to move it; and look up the session
    the first pings will come before."""
    by_owner = row.owner_id == acting.member_id
    if not by_owner:
        notify(
            s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.MEMBER,
            member_id=row.owner_id, kind="action_confirmed_for_you",
            params={"ref": view.ref, "text": view.text, "by": acting.member.name,
                    "due_on": row.due_on},
        )
    upcoming = await next_session(s, acting.mesa_id, now)
    return Confirmed(action=view, by_owner=by_owner,
                     next_session=session_view(upcoming) if upcoming else None)
