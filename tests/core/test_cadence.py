"""Cadence watch and the ministers' weekly summary: a mesa that stops meeting is warned
once per lapse, and on the week's first working morning the high-level chat gets all that
is escalated, counted by entity and age, with the mesa's lapse named."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.commands.present import Presenter
from bot.core.chats import ChatRef
from bot.core.clock import ManualClock
from bot.core.enums import BlockedReason, SessionStatus
from bot.core.services import Services
from bot.storage.tables import OutboxMessage
from tests.builders import Cast
from tests.conftest import LIMA


def _at(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=LIMA)


async def _tick_at(services: Services, clock: ManualClock, when: datetime) -> int:
    clock.set(when)
    return await services.cadence.tick()


async def _notices(services: Services, kind: str) -> list[OutboxMessage]:
    """The forestry mesa's notices of ``kind`` ever queued (the cast has a second mesa,
    with its own; and ``pending`` leaves out what is days old)."""
    async with services.db.read() as s:
        return list((await s.exec(
            select(OutboxMessage).where(OutboxMessage.mesa_id == 1, OutboxMessage.kind == kind)
            .order_by(col(OutboxMessage.id)))).all())


async def _link(services: Services, cast: Cast) -> None:
    await services.chats.link(actor=cast.rosa, purpose="high_level",
                              chat=ChatRef(platform="test", chat_id="-300", title="Despacho"))


def _text(notice: OutboxMessage, lang: str = "es") -> str:
    reply = Presenter(lang, ZoneInfo("America/Lima")).notice(notice.kind, notice.params)
    return "\n".join(line.text for line in reply.lines)


async def test_a_lapse_is_warned_once_and_a_held_session_starts_the_count_again(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    # The weekly mesa was created on Monday 11 January at 09:00 and never met: its lapse
    # begins two weeks later, on Monday 25 at 09:00.
    await _tick_at(services, clock, _at(22, 8))
    await _tick_at(services, clock, _at(25, 8, 30))
    assert await _notices(services, "cadence_lapse") == []
    await _tick_at(services, clock, _at(26, 8))
    lapses = await _notices(services, "cadence_lapse")
    assert sorted(n.audience for n in lapses) == ["high_level", "team"]
    assert lapses[0].params["began"] == "2027-01-25"
    assert lapses[0].params["last_held"] is None
    text = _text(lapses[0])
    for fragment in ("Mesa Forestal: ninguna sesión realizada en 15 días",
                     "Aún no se ha realizado ninguna sesión",
                     "/sesion cada viernes 10:00"):
        assert fragment in text, (fragment, text)
    # Not daily: the same lapse is not warned again.
    for day in (27, 28, 29):
        await _tick_at(services, clock, _at(day, 8))
    assert len(await _notices(services, "cadence_lapse")) == 2

    clock.set(_at(28, 12))
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    clock.set(_at(29, 12))
    await services.sessions.set_status(actor=cast.rosa, number=1, status=SessionStatus.HELD)
    # Two weeks after the session held: not yet at 08:00 on the 12th (it was at 10:00).
    await _tick_at(services, clock, _at(1, 8, month=2))
    await _tick_at(services, clock, _at(12, 9, month=2))
    assert len(await _notices(services, "cadence_lapse")) == 2
    await _tick_at(services, clock, _at(15, 8, month=2))
    lapses = await _notices(services, "cadence_lapse")
    assert len(lapses) == 4
    assert (lapses[-1].params["began"], lapses[-1].params["last_number"]) == ("2027-02-12", 1)
    assert "La última fue la sesión 1, el viernes 29 de enero de 2027" in _text(lapses[-1])


async def test_the_weekly_summary_comes_on_monday_morning_once(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _link(services, cast)
    await _tick_at(services, clock, _at(17, 8))  # Sunday
    await _tick_at(services, clock, _at(18, 7, 59))
    assert await _notices(services, "weekly_summary") == []
    await _tick_at(services, clock, _at(18, 8))
    await _tick_at(services, clock, _at(18, 9))
    for day in (19, 20, 21, 22):  # not on the other days
        await _tick_at(services, clock, _at(day, 8, 30))
    (summary,) = await _notices(services, "weekly_summary")
    assert (summary.audience, summary.params["total"], summary.params["lapse"]) == (
        "high_level", 0, None)
    assert "Nada escalado" in _text(summary)
    await _tick_at(services, clock, _at(25, 9, 30))  # the next Monday
    assert len(await _notices(services, "weekly_summary")) == 2


async def test_the_weekly_summary_moves_to_tuesday_when_monday_is_a_holiday(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _link(services, cast)
    await _tick_at(services, clock, _at(7, 8, month=6))  # Monday 7 June: a holiday in Peru
    assert await _notices(services, "weekly_summary") == []
    await _tick_at(services, clock, _at(8, 8, month=6))
    await _tick_at(services, clock, _at(9, 8, month=6))
    (summary,) = await _notices(services, "weekly_summary")
    assert summary.params["day"] == "2027-06-08"


async def test_the_weekly_summary_counts_all_escalated_by_entity_and_age(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _link(services, cast)
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    for owner, text, due in ((cast.jorge, "Publicar", "15 de enero"),
                             (cast.lucia, "Supervisar", "25 de enero")):
        action = await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1",
                                                text=text)
        await services.actions.claim(actor=owner, ref=action.ref)
        await services.actions.confirm(actor=owner, ref=action.ref, due=due)
    clock.set(_at(26, 15))
    await services.actions.mark_blocked(actor=cast.lucia, ref="A-2",
                                        reason=BlockedReason.BUDGET)
    # The daily digest of the 27th told the ministers about both; Monday's summary
    # still counts both, since it is about all that is stuck, not what changed.
    clock.set(_at(27, 8))
    await services.escalations.tick()
    await _tick_at(services, clock, _at(1, 8, month=2))
    (summary,) = await _notices(services, "weekly_summary")
    params = summary.params
    assert params["total"] == 2
    assert sorted((e["entity"], e["count"]) for e in params["entities"]) == [
        ("OSINFOR", 1), ("SERFOR", 1)]
    assert params["ages"] == [{"bucket": "under_1w", "count": 1},
                              {"bucket": "2_4w", "count": 1}]
    assert [(i["ref"], i["owner"]) for i in params["oldest"]] == [
        ("A-1", "Jorge Salas"), ("A-2", "Lucía Ramos")]
    assert params["lapse"]["began"] == "2027-01-25"  # the mesa never met: it is named
    text = _text(summary)
    for fragment in ("Mesa Forestal: resumen semanal de lo escalado", "SERFOR: 1",
                     "menos de 1 semana: 1", "2 a 4 semanas: 1",
                     "A-1 «Publicar» · Jorge Salas · desde el viernes 15 de enero de 2027",
                     "ninguna sesión realizada en 21 días"):
        assert fragment in text, (fragment, text)
    assert "weekly summary" in _text(summary, "en")


def test_a_long_summary_is_cut_with_how_many_more() -> None:
    item = {"ref": "A-1", "text": "Publicar", "owner": "Jorge", "entity": "SERFOR",
            "since": "2027-01-15"}
    params = {"mesa": "Mesa Forestal", "day": "2027-02-01", "grace": 7, "total": 40,
              "entities": [{"entity": f"E{n}", "count": 8} for n in range(5)],
              "more_entities": 3, "ages": [{"bucket": "over_1m", "count": 40}],
              "oldest": [item] * 3, "lapse": None}
    reply = Presenter("es", ZoneInfo("America/Lima")).notice("weekly_summary", params)
    text = "\n".join(line.text for line in reply.lines)
    assert "y 3 entidades más" in text and "y 37 más" in text


async def test_two_ticks_at_once_queue_each_notice_once(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _link(services, cast)
    clock.set(_at(1, 8, month=2))  # Monday, and the mesa in lapse since 25 January
    counts = await asyncio.gather(*(services.cadence.tick() for _ in range(4)))
    assert sum(counts) == 3  # this mesa's warning and summary; the other mesa's warning
    assert len(await _notices(services, "weekly_summary")) == 1
    assert len(await _notices(services, "cadence_lapse")) == 2  # team and high level


async def test_the_schedulers_job_keeps_the_watch(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """The warning and the summary are kept by a job of the scheduler, run each minute."""
    from scheduler.jobs import build_scheduler

    await _link(services, cast)
    job = build_scheduler(services, platforms=[]).get_job("cadence-watch")
    assert job is not None and job.trigger.interval.total_seconds() == 60
    clock.set(_at(1, 8, month=2))
    await job.func()
    assert len(await _notices(services, "weekly_summary")) == 1
    assert len(await _notices(services, "cadence_lapse")) == 2


async def test_the_weekly_summary_states_the_mesas_own_grace(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """A mesa with ten days of grace (``/ajustes gracia 10``) escalates after ten days,
    and its summary says ten, not the default seven."""
    await _link(services, cast)
    await services.mesa_settings.change_by_admin(mesa="forestal", field="grace_days",
                                                 values=["10"])
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    action = await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1",
                                            text="Publicar")
    await services.actions.claim(actor=cast.jorge, ref=action.ref)
    await services.actions.confirm(actor=cast.jorge, ref=action.ref, due="15 de enero")
    await services.actions.mark_blocked(actor=cast.jorge, ref=action.ref,
                                        reason=BlockedReason.BUDGET)
    await _tick_at(services, clock, _at(18, 8))
    (summary,) = await _notices(services, "weekly_summary")
    assert "1 acción escalada (vencida hace más de 10 días" in _text(summary)
