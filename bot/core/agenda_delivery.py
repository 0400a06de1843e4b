"""The agenda, delivered: before each regular session the short agenda goes to the
team's chat and to the mesa's group, without anyone asking.

Each delivery has a key (session, audience), so looking at the same moment twice, or
from two processes, queues it once. The whole agenda sent is stored with its session
(``/agenda 7`` shows it again, and the documents attached to the notice are made from
it); the notice itself carries only the short agenda and the session it belongs to.
Quiet hours do not apply (the agenda goes at its time); a bot that was down sends it
when it is back, if the session has not started yet, and never after.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.core.agenda import gather, shorten
from bot.core.audit import jsonable
from bot.core.context import UseCases, locked
from bot.core.enums import Audience, Role, SessionKind, SessionStatus
from bot.core.notices import notify_once
from bot.core.views import Agenda
from bot.storage.tables import Mesa, MesaSession, OutboxMessage


def lead(mesa: Mesa) -> timedelta:
    """How long before a regular session its agenda goes out (``/ajustes agenda``, two
    hours by default)."""
    return timedelta(hours=mesa.agenda_hours)


#: The chats that receive it: the dedicated team, and the mesa's group.
AUDIENCES = (Audience.TEAM, Audience.GROUND)


def dedupe_key(session_id: int, audience: Audience) -> str:
    return f"agenda:{session_id}:{audience.value}"


class AgendaDelivery(UseCases):
    async def _compiled(self, mesa_id: int, now: datetime) -> Agenda | None:
        """The whole agenda to queue now, if one is due, compiled in a reading
        transaction: neither the minutes with nothing to do nor the compilation of a big
        mesa's agenda hold the write lock that every other write waits for."""
        async with self.db.read() as s:
            mesa = (await s.exec(select(Mesa).where(Mesa.id == mesa_id))).one()
            session = (await s.exec(_next_regular(mesa_id, now))).first()
            if session is None or now < session.starts_at - lead(mesa):
                return None
            assert session.id is not None
            keys = [dedupe_key(session.id, audience) for audience in AUDIENCES]
            sent = (await s.exec(select(OutboxMessage.dedupe_key)
                                 .where(col(OutboxMessage.dedupe_key).in_(keys)))).all()
            if len(sent) == len(keys):
                return None
            return dataclasses.replace(await gather(
                s, mesa=mesa, role=Role.OBSERVER, target=session, now=now), sent_at=now)

    async def tick(self) -> int:
        """Queue the agenda of every session whose moment has come; returns how many
        notices were queued."""
        now = self.clock.now()
        async with self.db.read() as s:
            mesa_ids = list((await s.exec(
                select(Mesa.id).where(Mesa.status == "active"))).all())
        queued = 0
        for mesa_id in mesa_ids:
            assert mesa_id is not None
            queued += await self._mesa(mesa_id, now)
        return queued

    async def _mesa(self, mesa_id: int, now: datetime) -> int:
        whole = await self._compiled(mesa_id, now)
        if whole is None or whole.session is None:
            return 0
        async with self.db.write() as s:
            mesa = (await s.exec(select(Mesa).where(Mesa.id == mesa_id))).one()
            # Locked, so two processes queue and store it once (on PostgreSQL too).
            session = (await s.exec(locked(_next_regular(mesa_id, now)))).first()
            # The session it was compiled for may have moved or been cancelled since, or
            # its lead changed: then the next look compiles the agenda again.
            if session is None or session.number != whole.session.number \
                    or session.starts_at != whole.session.starts_at \
                    or now < session.starts_at - lead(mesa):
                return 0
            assert session.id is not None
            keys = [dedupe_key(session.id, audience) for audience in AUDIENCES]
            sent = set((await s.exec(
                select(OutboxMessage.dedupe_key)
                .where(col(OutboxMessage.dedupe_key).in_(keys))
            )).all())
            if len(sent) == len(keys):
                return 0  # queued meanwhile, by another process
            session.agenda = jsonable(dataclasses.asdict(whole))
            session.agenda_compiled_at = now
            s.add(session)
            # The notice carries the short agenda (a few kilobytes, whatever the mesa's
            # size) and names the session whose stored whole agenda its documents are
            # made from, so the matrix of a big mesa is not copied into every notice.
            params = {"agenda": jsonable(dataclasses.asdict(shorten(whole))),
                      "session_id": session.id}
            queued = 0
            for audience, key in zip(AUDIENCES, keys, strict=True):
                queued += await notify_once(s, key=key, at=now, mesa_id=mesa_id,
                                            audience=audience, kind="agenda", params=params)
            return queued


def _next_regular(mesa_id: int, now: datetime) -> Any:
    return (select(MesaSession)
            .where(MesaSession.mesa_id == mesa_id,
                   MesaSession.status == SessionStatus.SCHEDULED.value,
                   MesaSession.kind == SessionKind.REGULAR.value,
                   col(MesaSession.starts_at) > now)
            .order_by(col(MesaSession.starts_at)))
