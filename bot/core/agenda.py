"""The agenda the dedicated team takes into each session.

It leads with the prioritized few, their actions and the progress posted since the
previous session; then what was due, what is overdue and blocked, what awaits triage or
confirmation, and whether the mesa keeps its cadence. Compiled by a coordinator for a
scheduled session, it is stored with the session as it was compiled.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlmodel import col, func, select

from bot.core import audit
from bot.core.context import Actor, UseCases, load_acting, locked
from bot.core.directory import Directory
from bot.core.enums import (
    IN_FOCUS,
    ActionStatus,
    BottleneckStatus,
    Cadence,
    Role,
    SessionStatus,
)
from bot.core.errors import SessionClosed, SessionNotFound
from bot.core.permissions import Op
from bot.core.progress import progress_views
from bot.core.reading import by_priority, mesa_view, open_actions
from bot.core.sessions import MOMENTUM_DAYS, held_since, last_held, next_session, session_view
from bot.core.views import Agenda, AgendaItem, Momentum
from bot.storage.tables import Action, Bottleneck, MesaSession, ProgressUpdate

#: Without a previous session, progress of the last two weeks is shown.
DEFAULT_LOOKBACK = timedelta(days=14)


class Agendas(UseCases):
    async def compile(self, *, actor: Actor, session_number: int | None = None,
                      source: str = "") -> Agenda:
        """The agenda for a session (by default the next one scheduled).

        Anyone in the mesa may read it; when a coordinator compiles it for a scheduled
        session it is stored with that session and the compilation is recorded.
        """
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.COMPILE_AGENDA)
            mesa_id = acting.mesa_id
            if session_number is not None:
                target = (await s.exec(locked(
                    select(MesaSession)
                    .where(MesaSession.mesa_id == mesa_id, MesaSession.number == session_number)
                ))).first()
                if target is None:
                    raise SessionNotFound(number=session_number)
                if target.status != SessionStatus.SCHEDULED:
                    raise SessionClosed(number=session_number, status=target.status)
            else:
                target = await next_session(s, mesa_id, now)
            horizon = target.starts_at if target else now
            previous = await last_held(s, mesa_id, horizon)
            since = previous.starts_at if previous else now - DEFAULT_LOOKBACK
            directory = await Directory.load(s, mesa_id)
            today = acting.today(now)
            session_day = horizon.astimezone(acting.tz).date()

            bottlenecks = list(await s.exec(
                select(Bottleneck).where(Bottleneck.mesa_id == mesa_id)
                .order_by(col(Bottleneck.number))
            ))
            open_views = await open_actions(s, directory, acting, now)
            progress_rows = list(await s.exec(
                select(ProgressUpdate)
                .where(ProgressUpdate.mesa_id == mesa_id, ProgressUpdate.at >= since)
                .order_by(col(ProgressUpdate.at))
            ))
            progress = await progress_views(s, directory, progress_rows)
            progress_by_bottleneck: dict[int, list[int]] = {}
            for index, row in enumerate(progress_rows):
                if row.bottleneck_id is not None:
                    progress_by_bottleneck.setdefault(row.bottleneck_id, []).append(index)

            prioritized = []
            focus_views = by_priority([
                directory.bottleneck(b) for b in bottlenecks
                if b.status in IN_FOCUS
            ])
            ids = {f"P-{b.number}": b.id for b in bottlenecks}
            for view in focus_views:
                bid = ids[view.ref]
                prioritized.append(AgendaItem(
                    bottleneck=view,
                    actions=[a for a in open_views if a.bottleneck_ref == view.ref],
                    progress=[progress[i] for i in progress_by_bottleneck.get(bid or 0, [])],
                ))

            due_rows = list(await s.exec(
                select(Action)
                .where(Action.mesa_id == mesa_id)
                .where(col(Action.due_on).is_not(None))
                .where(col(Action.due_on) >= since.astimezone(acting.tz).date())
                .where(col(Action.due_on) <= session_day)
                .where(col(Action.status).in_((
                    ActionStatus.CLAIMED, ActionStatus.CONFIRMED, ActionStatus.BLOCKED,
                    ActionStatus.DONE,
                )))
                .order_by(col(Action.due_on), col(Action.number))
            ))
            due = await directory.actions(s, due_rows, today=today)
            overdue = sorted(
                (a for a in open_views if a.days_overdue > 0),
                key=lambda a: (-a.days_overdue, a.ref),
            )
            resolved = (await s.exec(
                select(func.count()).select_from(Bottleneck)
                .where(Bottleneck.mesa_id == mesa_id)
                .where(col(Bottleneck.resolved_at).is_not(None))
                .where(col(Bottleneck.resolved_at) >= since)
            )).one()
            cadence = Cadence(acting.mesa.cadence)
            agenda = Agenda(
                mesa=mesa_view(acting),
                session=session_view(target) if target else None,
                since=previous.starts_at if previous else None,
                prioritized=prioritized,
                due=due,
                overdue=overdue,
                blocked=[a for a in open_views if a.status == ActionStatus.BLOCKED],
                awaiting_triage=[
                    directory.bottleneck(b) for b in bottlenecks
                    if b.status == BottleneckStatus.REPORTED
                ],
                awaiting_confirmation=[a for a in open_views if a.status == ActionStatus.CLAIMED],
                momentum=Momentum(
                    cadence=cadence.value,
                    held_last_90_days=await held_since(
                        s, mesa_id, now - timedelta(days=MOMENTUM_DAYS)
                    ),
                    expected_last_90_days=min(
                        MOMENTUM_DAYS, (now - acting.mesa.created_at).days
                    ) // cadence.days,
                    resolved_since_last_session=int(resolved),
                    last_held=session_view(previous) if previous else None,
                ),
                compiled_at=now,
            )
            if target is not None and acting.role is Role.COORDINATOR:
                target.agenda = audit.jsonable(dataclasses.asdict(agenda))
                target.agenda_compiled_at = now
                s.add(target)
                await audit.record(
                    s, at=now, mesa_id=mesa_id, actor_id=acting.member_id,
                    kind="agenda.compiled", subject=f"S-{target.number}", source=source,
                    after={"prioritized": [i.bottleneck.ref for i in prioritized],
                           "overdue": [a.ref for a in overdue]},
                )
            return agenda
