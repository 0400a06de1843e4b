"""Three weeks of a weekly mesa, on a held clock, with every scheduler tick the jobs run.

The weeks of 29 November to 19 December 2027 hold a Friday session at 10:00 Lima each
week, and 8 and 9 December (Wednesday and Thursday), Peruvian public holidays, fall right
where the second session's pings would go. The clock steps every hour of a weekday's
daytime (every moment the bot acts falls on the hour) and every two hours at night and
on weekends (anything queued then is caught at the next step, so a ping at night could
not hide); at each step the series top-up, the pings, the agenda and the ministers'
digest run, as ``scheduler/jobs.py`` runs them. Every 30 minutes over the three weeks
took 69 s on SQLite; this takes 15 s. What the bot queued, and when, is read
from the outbox: the same rows the faces deliver.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.core.chats import ChatRef
from bot.core.clock import ManualClock
from bot.core.enums import BlockedReason, SessionStatus
from bot.core.escalations import Answer
from bot.core.services import Services
from bot.storage.tables import OutboxMessage
from tests.builders import Cast
from tests.conftest import LIMA

START = datetime(2027, 11, 29, 9, 0, tzinfo=LIMA)  # a Monday
END = datetime(2027, 12, 20, 0, 0, tzinfo=LIMA)  # the Sunday night after the third Friday
HOLIDAYS = {date(2027, 12, 8), date(2027, 12, 9)}


def _next(now: datetime) -> datetime:
    """An hour on a weekday's daytime, two hours at night and on weekends (from 21:00,
    odd hours, so the morning's first step is 07:00)."""
    local = now.astimezone(LIMA)
    daytime = local.weekday() < 5 and 7 <= local.hour < 21
    return now + timedelta(hours=1 if daytime else 2)


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=LIMA)


@dataclass(frozen=True)
class Queued:
    """One outbox row, with the moment of the step that queued it."""

    at: datetime
    kind: str
    audience: str
    member_id: int | None
    params: dict[str, Any]
    dedupe_key: str | None


async def _ticks(services: Services) -> int:
    """The jobs of ``scheduler/jobs.py``, in the calls they make."""
    await services.series.top_up()
    return (await services.reminders.tick() + await services.agenda_delivery.tick()
            + await services.escalations.tick())


async def _new_rows(services: Services, after: int) -> list[OutboxMessage]:
    async with services.db.read() as s:
        return list((await s.exec(
            select(OutboxMessage).where(col(OutboxMessage.id) > after)
            .order_by(col(OutboxMessage.id))
        )).all())


async def _live(services: Services, cast: Cast, clock: ManualClock,
                events: dict[datetime, Callable[[], Awaitable[object]]]) -> list[Queued]:
    """Step the clock from START to END; at each step, people act (``events``), then the
    ticks run; when they queued something they run again, as a second process would,
    and must queue nothing."""
    log: list[Queued] = []
    last = max([0] + [r.id or 0 for r in await _new_rows(services, 0)])
    now = START
    while now < END:
        clock.set(now)
        if now in events:
            await events[now]()
        if await _ticks(services):
            assert await _ticks(services) == 0, now  # looking again queues nothing
        for row in await _new_rows(services, last):
            last = row.id or last
            log.append(Queued(now, row.kind, row.audience, row.member_id, dict(row.params),
                              row.dedupe_key))
        now = _next(now)
    return log


async def test_three_weeks_of_a_weekly_mesa(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    clock.set(START)
    await services.chats.link(actor=cast.rosa, purpose="high_level",
                              chat=ChatRef(platform="test", chat_id="-300", title="Despacho"))
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    for owner, text, due in ((cast.jorge, "Publicar el procedimiento", "17 de diciembre"),
                             (cast.lucia, "Guías en las regiones", "1 de diciembre")):
        action = await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1",
                                                text=text)
        await services.actions.claim(actor=owner, ref=action.ref)
        await services.actions.confirm(actor=owner, ref=action.ref, due=due)

    async def held(number: int) -> None:
        await services.sessions.set_status(actor=cast.rosa, number=number,
                                           status=SessionStatus.HELD)

    async def lucia_blocks() -> None:
        await services.actions.mark_blocked(actor=cast.lucia, ref="A-2",
                                     reason=BlockedReason.BUDGET, detail="no hay partida")

    async def ministra_calls_a_meeting() -> None:
        await services.escalations.answer(actor=cast.ministra, ref="A-2",
                                          answer=Answer.MEETING)

    events: dict[datetime, Callable[[], Awaitable[object]]] = {
        _at(12, 3, 12): lambda: held(1),
        _at(12, 10, 12): lambda: held(2),
        _at(12, 14, 11): lucia_blocks,  # Tuesday of the third week
        _at(12, 15, 9): ministra_calls_a_meeting,  # after Wednesday's digest
        _at(12, 17, 12): lambda: held(3),
    }
    log = await _live(services, cast, clock, events)

    # Pings: 48 and 24 hours before the first and third sessions, at 10:00 on Wednesday
    # and Thursday. The second session's fall on the holidays: one ping (its last) goes
    # out at 07:00 on the Friday morning, before the session, not on 8 or 9 December.
    pings = [q for q in log if q.kind == "session_ping"]
    owners = {cast.jorge.member_id: "jorge", cast.lucia.member_id: "lucia"}
    assert sorted((q.at, q.params["session"], q.params["hours"], owners[q.member_id or 0])
                  for q in pings) == sorted(
        (at, session, hours, who)
        for at, session, hours in [(_at(12, 1, 10), 1, 48), (_at(12, 2, 10), 1, 24),
                                   (_at(12, 10, 7), 2, 24),
                                   (_at(12, 15, 10), 3, 48), (_at(12, 16, 10), 3, 24)]
        for who in ("jorge", "lucia"))
    for q in pings:
        local = q.at.astimezone(LIMA)
        assert 7 <= local.hour < 21 and local.weekday() < 5, local
        assert local.date() not in HOLIDAYS, local
        assert not q.params["late"]

    # The agenda: 08:00 on each Friday, to the team and to the group, once each.
    agendas = [(q.at, q.audience, q.params["agenda"]["session"]["number"])
               for q in log if q.kind == "agenda"]
    assert agendas == [(_at(12, day, 8), audience, number)
                       for number, day in ((1, 3), (2, 10), (3, 17))
                       for audience in ("team", "ground")]

    # Escalation: Lucía's A-2 (due 1 December) is past the 7-day grace on Thursday 9,
    # a holiday, so it goes up in Friday's 08:00 digest; it is not repeated while nothing
    # changes; blocked for budget on Tuesday 14, it is news again on Wednesday 15.
    digests = [q for q in log if q.kind == "escalation_digest"]
    assert [(q.at, [i["ref"] for i in q.params["items"]]) for q in digests] == [
        (_at(12, 10, 8), ["A-2"]), (_at(12, 15, 8), ["A-2"])]
    assert [i["status"] for q in digests for i in q.params["items"]] == [
        "confirmed", "blocked"]
    assert all(q.audience == "high_level" for q in digests)

    # The Ministra's answer reaches the team, once.
    answers = [q for q in log if q.kind.startswith("escalation_") and q not in digests]
    assert [(q.at, q.kind, q.audience, q.params["ref"]) for q in answers] == [
        (_at(12, 15, 9), "escalation_meeting", "team", "A-2")]

    # Nothing was queued twice over the three weeks: no key twice, and no person pinged
    # twice for one session and offset, no agenda twice to one chat.
    async with services.db.read() as s:
        keys = (await s.exec(select(OutboxMessage.dedupe_key)
                             .where(col(OutboxMessage.dedupe_key).is_not(None)))).all()
    assert keys and max(Counter(keys).values()) == 1
    assert max(Counter((q.params["session"], q.params["hours"], q.member_id)
                       for q in pings).values()) == 1
    assert len(set(agendas)) == len(agendas)
