"""Escalation to the ministers: the daily digest at 08:00 on working days, only of what
is new or changed, and the ministers' answers audited and told to the team."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core.chats import ChatRef
from bot.core.clock import ManualClock
from bot.core.enums import BlockedReason
from bot.core.errors import Forbidden, NotEscalated
from bot.core.escalations import Answer
from bot.core.notices import Pending
from bot.core.services import Services
from bot.storage.tables import AuditEvent
from tests.builders import Cast
from tests.conftest import LIMA


def _at(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=LIMA)


async def _setup(services: Services, cast: Cast, *, link: bool = True) -> None:
    """Monday 11 January: Jorge (SERFOR) owes A-1 for Friday 15, Lucía (OSINFOR) A-2 for
    Monday 25; the ministers' chat is linked."""
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    for owner, text, due in ((cast.jorge, "Publicar", "15 de enero"),
                             (cast.lucia, "Supervisar", "25 de enero")):
        action = await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1",
                                                text=text)
        await services.actions.claim(actor=owner, ref=action.ref)
        await services.actions.confirm(actor=owner, ref=action.ref, due=due)
    if link:
        await _link(services, cast)


async def _link(services: Services, cast: Cast) -> None:
    await services.chats.link(actor=cast.rosa, purpose="high_level",
                              chat=ChatRef(platform="test", chat_id="-300", title="Despacho"))


async def _tick_at(services: Services, clock: ManualClock, when: datetime) -> int:
    clock.set(when)
    return await services.escalations.tick()


async def _digests(services: Services) -> list[Pending]:
    return [n for n in await services.outbox.pending(platform="test")
            if n.kind == "escalation_digest"]


def _refs(digest: Pending) -> list[str]:
    return [item["ref"] for item in digest.params["items"]]


async def test_an_overdue_action_goes_up_once_and_again_only_when_it_changed(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _setup(services, cast)
    assert await _tick_at(services, clock, _at(22, 8)) == 0  # 7 days late: within grace
    assert await _tick_at(services, clock, _at(25, 7, 59)) == 0
    assert await _tick_at(services, clock, _at(25, 8)) == 1  # Monday, 10 days late
    assert await _tick_at(services, clock, _at(25, 8, 1)) == 0  # once
    (digest,) = await _digests(services)
    assert digest.audience == "high_level"
    (item,) = digest.params["items"]
    assert (item["ref"], item["owner"], item["entity"], item["days_overdue"],
            item["since"], item["slips"]) == ("A-1", "Jorge Salas", "SERFOR", 10,
                                              "2027-01-15", 0)
    # A day later it is a day later, and nothing else: no digest.
    assert await _tick_at(services, clock, _at(26, 8)) == 0

    clock.set(_at(26, 12))
    await services.actions.move_due(actor=cast.jorge, ref="A-1",
                                    splits=[("29 de enero", "falta la firma del jefe")])
    assert await _tick_at(services, clock, _at(27, 8)) == 0  # not overdue any more
    # Monday 8 February: A-1 is 10 days past its new date, A-2 14 days past its first.
    assert await _tick_at(services, clock, _at(8, 8, month=2)) == 1
    latest = (await _digests(services))[-1]
    assert _refs(latest) == ["A-2", "A-1"]  # grouped by entity: OSINFOR, SERFOR
    moved = latest.params["items"][1]
    assert (moved["slips"], moved["first_due_on"], moved["moves"]) == (
        1, "2027-01-15", [{"to": "2027-01-29", "reason": "falta la firma del jefe"}])
    assert await _tick_at(services, clock, _at(9, 8, month=2)) == 0


async def test_blocked_for_budget_goes_up_with_the_next_mornings_digest(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _setup(services, cast)
    clock.set(_at(11, 15))
    await services.actions.mark_blocked(actor=cast.lucia, ref="A-2",
                                        reason=BlockedReason.BUDGET, detail="sin partida")
    await services.actions.mark_blocked(actor=cast.jorge, ref="A-1",
                                        reason=BlockedReason.OTHER, detail="vacaciones")
    assert await _tick_at(services, clock, _at(11, 15, 1)) == 0  # afternoon: waits
    assert await _tick_at(services, clock, _at(12, 7, 59)) == 0
    assert await _tick_at(services, clock, _at(12, 8)) == 1
    (digest,) = await _digests(services)
    (item,) = digest.params["items"]  # blocked for "other" is the mesa's own business
    assert (item["ref"], item["reason"], item["detail"], item["since"]) == (
        "A-2", "budget", "sin partida", "2027-01-11")
    # Blocked for another reason is news; the same block is not.
    clock.set(_at(12, 11))
    await services.actions.mark_blocked(actor=cast.lucia, ref="A-2",
                                        reason=BlockedReason.POLITICAL)
    assert await _tick_at(services, clock, _at(13, 8)) == 1
    assert _refs((await _digests(services))[-1]) == ["A-2"]
    assert await _tick_at(services, clock, _at(14, 8)) == 0


async def test_a_process_down_at_0800_sends_the_digest_when_back_that_morning(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _setup(services, cast)
    assert await _tick_at(services, clock, _at(25, 9, 30)) == 1


async def test_no_digest_on_a_weekend_a_holiday_or_without_the_ministers_chat(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _setup(services, cast, link=False)
    assert await _tick_at(services, clock, _at(23, 8)) == 0  # Saturday
    assert await _tick_at(services, clock, _at(25, 8)) == 0  # nobody to tell
    await _link(services, cast)
    assert await _tick_at(services, clock, _at(25, 8, 5)) == 1

    clock.set(_at(1, 9, month=12))
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Auditar")
    await services.actions.claim(actor=cast.jorge, ref="A-3")
    await services.actions.confirm(actor=cast.jorge, ref="A-3", due="1 de diciembre")
    clock.set(_at(1, 10, month=12))
    await services.actions.mark_blocked(actor=cast.jorge, ref="A-3",
                                        reason=BlockedReason.DISAGREEMENT)
    # 8 and 9 December are public holidays in Peru: it waits for Friday the 10th.
    for day in (8, 9):
        assert await _tick_at(services, clock, _at(day, 8, month=12)) == 0
    assert await _tick_at(services, clock, _at(10, 8, month=12)) == 1


async def test_a_ministers_answer_is_audited_and_told_to_the_team(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _setup(services, cast)
    await _tick_at(services, clock, _at(25, 8))
    clock.set(_at(25, 9))
    answered = await services.escalations.answer(actor=cast.ministra, ref="a-1",
                                                 answer=Answer.MEETING, source="test:-300:7")
    assert (answered.ref, answered.answer) == ("A-1", Answer.MEETING)
    await services.escalations.answer(actor=cast.ministra, ref="A-1", answer=Answer.RESOLVED)
    await services.escalations.answer(actor=cast.rosa, ref="A-1", answer=Answer.SEEN)
    team = [(n.kind, n.params["by"]) for n in await services.outbox.pending(platform="test")
            if n.audience == "team" and n.kind.startswith("escalation_")]
    assert team == [("escalation_meeting", "Ministra de la Producción"),
                    ("escalation_resolved", "Ministra de la Producción"),
                    ("escalation_seen", "Rosa Díaz")]
    async with services.db.read() as s:
        events = (await s.exec(select(AuditEvent.kind, AuditEvent.subject)
                               .where(col(AuditEvent.kind).startswith("escalation."))
                               .order_by(col(AuditEvent.id)))).all()
    assert [tuple(e) for e in events] == [("escalation.meeting", "A-1"),
                                          ("escalation.resolved", "A-1"),
                                          ("escalation.seen", "A-1")]
    # "Resolved" at high level leaves the action to its owner, and repeats nothing.
    (action,) = [a for a in await services.reading.overdue(actor=cast.rosa) if a.ref == "A-1"]
    assert action.status == "confirmed"
    assert await _tick_at(services, clock, _at(26, 8)) == 0


@pytest.mark.parametrize("who", ["jorge", "maria", "tom"])
async def test_only_ministers_and_coordinators_answer(
    services: Services, cast: Cast, clock: ManualClock, who: str
) -> None:
    await _setup(services, cast)
    await _tick_at(services, clock, _at(25, 8))
    with pytest.raises(Forbidden):
        await services.escalations.answer(actor=getattr(cast, who), ref="A-1",
                                          answer=Answer.RESOLVED)


async def test_only_an_item_the_ministers_were_shown_can_be_answered(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _setup(services, cast)
    await _tick_at(services, clock, _at(25, 8))
    with pytest.raises(NotEscalated):
        await services.escalations.answer(actor=cast.ministra, ref="A-2", answer=Answer.SEEN)


async def test_the_digest_reads_well_with_its_buttons(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    from zoneinfo import ZoneInfo

    from bot.commands.present import Presenter

    await _setup(services, cast)
    clock.set(_at(12, 9))
    await services.actions.move_due(actor=cast.jorge, ref="A-1",
                                    splits=[("14 de enero", "feriado regional")])
    clock.set(_at(13, 9))
    await services.actions.mark_blocked(actor=cast.jorge, ref="A-1",
                                        reason=BlockedReason.POLITICAL, detail="firma")
    await _tick_at(services, clock, _at(25, 8))
    (digest,) = await _digests(services)
    reply = Presenter("es", ZoneInfo("America/Lima")).notice(digest.kind, digest.params)
    text = "\n".join(line.text for line in reply.lines)
    for fragment in ("Mesa Forestal: lo detenido que necesita una decisión",
                     "SERFOR", "A-1 «Publicar» (P-1) · Jorge Salas",
                     "Bloqueada desde el miércoles 13 de enero de 2027; decisión que se "
                     "necesita: decisión política: firma",
                     "Vencida hace 11 días (prometida para el jueves 14 de enero de 2027)",
                     "Veces que se movió el plazo: 1; primera promesa: vie 15/01",
                     "→ jue 14/01: feriado regional"):
        assert fragment in text, (fragment, text)
    assert [b.command for b in reply.buttons] == [
        "/escalation A-1 seen", "/escalation A-1 meeting", "/escalation A-1 resolved"]
    params: dict[str, Any] = digest.params
    assert params["mesa"] == "Mesa Forestal"


async def test_two_processes_looking_at_once_queue_the_digest_once(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    import asyncio

    await _setup(services, cast)
    clock.set(_at(25, 8))
    counts = await asyncio.gather(*(services.escalations.tick() for _ in range(4)))
    assert sum(counts) == 1
    assert len(await _digests(services)) == 1


async def test_the_schedulers_job_queues_the_digest(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """The digest is kept by a job of the scheduler, run each minute."""
    from scheduler.jobs import build_scheduler

    await _setup(services, cast)
    job = build_scheduler(services, platforms=[]).get_job("escalation-digest")
    assert job is not None and job.trigger.interval.total_seconds() == 60
    clock.set(_at(25, 8))
    await job.func()
    assert len(await _digests(services)) == 1


async def test_a_long_digest_comes_in_parts_each_with_its_buttons(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """Telegram takes 100 buttons a message: 30 items come as two messages, once."""
    await _setup(services, cast)
    for n in range(3, 31):
        await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text=f"Paso {n}")
        await services.actions.claim(actor=cast.jorge, ref=f"A-{n}")
        await services.actions.confirm(actor=cast.jorge, ref=f"A-{n}", due="15 de enero")
    assert await _tick_at(services, clock, _at(8, 8, month=2)) == 1
    assert await _tick_at(services, clock, _at(8, 8, 1, month=2)) == 0
    parts = await _digests(services)
    assert [(p.params["part"], p.params["parts"], len(p.params["items"])) for p in parts] == [
        (1, 2, 25), (2, 2, 5)]
    assert sorted(r for p in parts for r in _refs(p)) == sorted(f"A-{n}" for n in range(1, 31))
    assert await _tick_at(services, clock, _at(9, 8, month=2)) == 0


async def test_a_mesa_with_a_shorter_grace_escalates_sooner(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """/ajustes gracia 3: A-1, due Friday 15, goes up on Tuesday 19, four days late."""
    await _setup(services, cast)
    await services.mesa_settings.change(actor=cast.rosa, field="grace_days", values=["3"])
    assert await _tick_at(services, clock, _at(18, 8)) == 0  # 3 days late: within grace
    assert await _tick_at(services, clock, _at(19, 8)) == 1
    (digest,) = await _digests(services)
    assert _refs(digest) == ["A-1"] and digest.params["grace"] == 3
