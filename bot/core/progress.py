"""Progress between sessions: the real work of a mesa happens there, so posting it is
one message, on an action or a bottleneck, kept with its author, time and source."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.context import Actor, UseCases, check_length, get_action, get_bottleneck, load_acting
from bot.core.directory import Directory
from bot.core.errors import EmptyText
from bot.core.permissions import Op
from bot.core.views import ProgressView
from bot.storage.tables import Action, Bottleneck, ProgressUpdate

PROGRESS_MAX = 2000


class Progress(UseCases):
    async def post(self, *, actor: Actor, ref: str, text: str, source: str = "") -> ProgressView:
        """Post progress on ``ref`` (an action A-n or a bottleneck P-n)."""
        text = check_length(text, PROGRESS_MAX)
        if not text:
            raise EmptyText()
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.POST_PROGRESS)
            row = ProgressUpdate(
                mesa_id=acting.mesa_id, author_id=acting.member_id, text=text,
                source=source[:200], at=now,
            )
            if ref.strip().upper().startswith("A"):
                action = await get_action(s, acting, ref)
                row.action_id, row.bottleneck_id = action.id, action.bottleneck_id
                subject = f"A-{action.number}"
            else:
                bottleneck = await get_bottleneck(s, acting, ref)
                row.bottleneck_id = bottleneck.id
                subject = f"P-{bottleneck.number}"
            s.add(row)
            await s.flush()  # its id goes in the audit event, which verify checks it against
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="progress.posted", subject=subject, source=source,
                after={"text": text, "progress": row.id},
            )
            author = Directory.of_actor(acting.member, acting.entity).person(acting.member_id)
            assert author is not None
            return ProgressView(ref=subject, author=author, text=text, at=now)


async def progress_views(
    session: AsyncSession, directory: Directory, rows: list[ProgressUpdate]
) -> list[ProgressView]:
    """Views of progress rows, each named by its action (or bottleneck) reference."""
    action_ids = {r.action_id for r in rows if r.action_id is not None}
    bottleneck_ids = {r.bottleneck_id for r in rows if r.bottleneck_id is not None}
    actions = dict(
        (await session.exec(
            select(Action.id, Action.number).where(col(Action.id).in_(action_ids))
        )).all()
    ) if action_ids else {}
    bottlenecks = dict(
        (await session.exec(
            select(Bottleneck.id, Bottleneck.number).where(col(Bottleneck.id).in_(bottleneck_ids))
        )).all()
    ) if bottleneck_ids else {}
    views = []
    for row in rows:
        if row.action_id is not None:
            ref = f"A-{actions.get(row.action_id, 0)}"
        else:
            ref = f"P-{bottlenecks.get(row.bottleneck_id or 0, 0)}"
        author = directory.person(row.author_id)
        assert author is not None
        views.append(ProgressView(ref=ref, author=author, text=row.text, at=row.at))
    return views
