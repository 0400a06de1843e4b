"""Actions: claims, confirmations by the right entity, due dates that slip."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.commands.present import Presenter
from bot.core.clock import ManualClock
from bot.core.confirmations import Confirmed
from bot.core.context import Actor
from bot.core.enums import BlockedReason, OwnerClass, RootCause
from bot.core.errors import (
    AlreadyClaimed,
    AssignedElsewhere,
    DateAmbiguous,
    DatePast,
    DateTooFar,
    DateUnreadable,
    Forbidden,
    NeedsDueDate,
    NotFound,
    NotYourEntity,
)
from bot.core.services import Services
from bot.core.views import ActionView
from bot.storage.tables import AuditEvent, OutboxMessage
from tests.builders import Cast


async def _action(services: Services, cast: Cast) -> str:
    await services.bottlenecks.log(actor=cast.maria, text="Registro de plantaciones demora")
    await services.bottlenecks.triage(
        actor=cast.rosa, ref="P-1", owner_class=OwnerClass.MP,
        root_cause=RootCause.IMPLEMENTATION, impact=5, ease=4, responsible_entity="SERFOR",
    )
    await services.bottlenecks.prioritize(actor=cast.rosa, ref="P-1")
    action = await services.actions.propose(
        actor=cast.rosa, bottleneck_ref="P-1", text="Publicar el procedimiento de registro"
    )
    return action.ref


async def test_claim_then_confirm_with_a_spoken_date(services: Services, cast: Cast) -> None:
    ref = await _action(services, cast)
    claimed = await services.actions.claim(actor=cast.jorge, ref=ref)
    assert (claimed.status, claimed.owner_entity) == ("claimed", "SERFOR")
    confirmed = (await services.actions.confirm(
        actor=cast.jorge, ref=ref, due="para el viernes 15")).action
    assert confirmed.status == "confirmed"
    assert confirmed.due_on == date(2027, 1, 15)
    detail = await services.reading.bottleneck(actor=cast.maria, ref="P-1")
    assert detail.bottleneck.status == "in_progress"


async def test_a_public_entitys_action_is_confirmed_only_by_its_officials(
    services: Services, cast: Cast
) -> None:
    ref = await _action(services, cast)
    await services.actions.claim(actor=cast.jorge, ref=ref)
    with pytest.raises(NotYourEntity) as refused:
        await services.actions.confirm(actor=cast.lucia, ref=ref, due="viernes")
    assert refused.value.params["entity"] == "SERFOR"
    with pytest.raises(NotYourEntity):
        await services.actions.confirm(actor=cast.rosa, ref=ref, due="viernes")


async def test_confirm_needs_a_date(services: Services, cast: Cast) -> None:
    ref = await _action(services, cast)
    await services.actions.claim(actor=cast.jorge, ref=ref)
    with pytest.raises(NeedsDueDate):
        await services.actions.confirm(actor=cast.jorge, ref=ref)


@pytest.mark.parametrize(
    ("typed", "error"), [("el día del juicio", DateUnreadable), ("3 de enero de 2027", DatePast)]
)
async def test_unreadable_or_past_dates_change_nothing(
    services: Services, cast: Cast, typed: str, error: type[Exception]
) -> None:
    ref = await _action(services, cast)
    await services.actions.claim(actor=cast.jorge, ref=ref)
    with pytest.raises(error):
        await services.actions.confirm(actor=cast.jorge, ref=ref, due=typed)
    mine = await services.reading.my_actions(actor=cast.jorge)
    assert [(a.ref, a.status, a.due_on) for a in mine] == [(ref, "claimed", None)]


async def test_twenty_members_claim_at_once_and_exactly_one_owns_it(
    services: Services, cast: Cast
) -> None:
    ref = await _action(services, cast)
    claimants: list[Actor] = []
    for i in range(20):
        handle = f"socio{i}"
        await services.members.add_member(handle=handle, name=f"Socio {i}")
        await services.members.grant_role(mesa="forestal", handle=handle, role="private_rep",
                                          entity="APFU")
        claimants.append((await services.members.identify(handle=handle)).actor())

    results = await asyncio.gather(
        *(services.actions.claim(actor=a, ref=ref) for a in claimants), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, AlreadyClaimed) for r in losers), losers
    owner = winners[0].owner
    assert owner is not None
    assert {r.params["owner"] for r in losers if isinstance(r, AlreadyClaimed)} == {owner.name}
    report = await _verify(services)
    assert report.ok, report.problems


async def _verify(services: Services):  # type: ignore[no-untyped-def]
    from bot.core import audit

    async with services.db.read() as s:
        return await audit.verify(s)


async def test_assigned_to_an_entity_only_its_people_claim(services: Services, cast: Cast) -> None:
    ref = await _action(services, cast)
    await services.actions.assign(actor=cast.rosa, ref=ref, to="SERFOR")
    with pytest.raises(AssignedElsewhere):
        await services.actions.claim(actor=cast.lucia, ref=ref)
    confirmed = (await services.actions.confirm(actor=cast.jorge, ref=ref, due="en 3 días")).action
    assert confirmed.owner is not None and confirmed.owner.name == "Jorge Salas"


async def test_a_moved_due_date_keeps_its_history_and_overdue_counts_days(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    ref = await _action(services, cast)
    await services.actions.claim(actor=cast.jorge, ref=ref)
    await services.actions.confirm(actor=cast.jorge, ref=ref, due="viernes")
    moved = await services.actions.move_due(
        actor=cast.jorge, ref=ref, due="lunes 18 de enero", reason="falta la firma"
    )
    assert (moved.first_due_on, moved.due_on, moved.slips) == (
        date(2027, 1, 15), date(2027, 1, 18), 1
    )
    clock.advance(timedelta(days=10))
    overdue = await services.reading.overdue(actor=cast.tom)
    assert [(a.ref, a.days_overdue) for a in overdue] == [(ref, 3)]


async def test_only_owner_entity_or_coordinator_updates_an_action(
    services: Services, cast: Cast
) -> None:
    ref = await _action(services, cast)
    await services.actions.claim(actor=cast.jorge, ref=ref)
    await services.actions.confirm(actor=cast.jorge, ref=ref, due="viernes")
    with pytest.raises(Forbidden):
        await services.actions.mark_blocked(actor=cast.maria, ref=ref, reason=BlockedReason.BUDGET)
    blocked = await services.actions.mark_blocked(
        actor=cast.jorge, ref=ref, reason=BlockedReason.BUDGET, detail="sin partida"
    )
    assert (blocked.status, blocked.blocked_reason) == ("blocked", "budget")
    done = await services.actions.mark_done(actor=cast.rosa, ref=ref)
    assert done.status == "done"


async def test_another_mesas_action_is_not_found(services: Services, cast: Cast) -> None:
    await services.bottlenecks.log(actor=cast.other_mesa_rosa, text="Acuícola")
    await services.actions.propose(actor=cast.other_mesa_rosa, bottleneck_ref="P-1", text="X")
    with pytest.raises(NotFound):
        await services.actions.claim(actor=cast.jorge, ref="A-1")


async def test_progress_is_kept_with_author(services: Services, cast: Cast) -> None:
    ref = await _action(services, cast)
    posted = await services.progress.post(actor=cast.jorge, ref=ref, text="Borrador listo")
    assert (posted.ref, posted.author.name, posted.author.entity) == (ref, "Jorge Salas", "SERFOR")
    detail = await services.reading.bottleneck(actor=cast.maria, ref="P-1")
    assert [p.text for p in detail.progress] == ["Borrador listo"]


async def test_a_dropped_action_leaves_the_lists_but_not_the_record(
    services: Services, cast: Cast
) -> None:
    ref = await _action(services, cast)
    with pytest.raises(Forbidden):
        await services.actions.drop(actor=cast.maria, ref=ref, reason="no aplica")
    dropped = await services.actions.drop(actor=cast.rosa, ref=ref, reason="ya no aplica")
    assert dropped.status == "dropped"
    matrix = await services.reading.matrix(actor=cast.maria)
    assert matrix.actions == {}
    detail = await services.reading.bottleneck(actor=cast.maria, ref="P-1")
    assert [h.kind for h in detail.history][-1] == "action.dropped"


def _count_writes(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many write transactions were opened: one per item appended."""
    opened: list[int] = []
    real_write = services.db.write

    def counting_write() -> object:
        opened.append(1)
        return real_write()

    monkeypatch.setattr(services.db, "write", counting_write)
    return opened


@pytest.mark.parametrize(
    ("use", "typed"),
    [("move_due", "en 99999999 días hábiles"), ("move_due", "cuando se pueda"),
     ("confirm", "en 99999999999 semanas"), ("assign", "31/12/9999"),
     ("confirm", "ayer")],
)
async def test_a_refused_date_never_opens_the_write_transaction(
    services: Services, cast: Cast, monkeypatch: pytest.MonkeyPatch, use: str, typed: str
) -> None:
    """Dates are read first, so a slow or refused one holds no lock a writer waits on."""
    ref = await _action(services, cast)
    await services.actions.claim(actor=cast.jorge, ref=ref)
    await services.actions.confirm(actor=cast.jorge, ref=ref, due="viernes")
    opened = _count_writes(services, monkeypatch)
    a = services.actions
    with pytest.raises((DateTooFar, DateUnreadable, DatePast)):
        if use == "move_due":
            await a.move_due(actor=cast.jorge, ref=ref, due=typed, reason="huelga")
        elif use == "confirm":
            await a.confirm(actor=cast.jorge, ref=ref, due=typed)
        else:
            await a.assign(actor=cast.rosa, ref=ref, to="SERFOR", due=typed)
    assert opened == []


async def test_a_deadline_read_two_ways_changes_nothing(services: Services, cast: Cast) -> None:
    ref = await _action(services, cast)
    await services.actions.claim(actor=cast.jorge, ref=ref)
    await services.actions.confirm(actor=cast.jorge, ref=ref, due="viernes")
    typed = [("viernes", "22 de enero, por la huelga"), ("viernes, 22 de enero", "por la huelga")]
    with pytest.raises(DateAmbiguous):
        await services.actions.move_due(actor=cast.jorge, ref=ref, splits=typed)
    detail = await services.reading.bottleneck(actor=cast.maria, ref="P-1")
    assert [(a.due_on, a.slips) for a in detail.actions] == [(date(2027, 1, 15), 0)]
    moved = await services.actions.move_due(
        actor=cast.jorge, ref=ref, splits=[("22/01/2027", "por la huelga")])
    assert (moved.due_on, moved.slips) == (date(2027, 1, 22), 1)


# Proposing with an owner at once, as the Slack form does


async def _kinds(services: Services, since: int) -> list[tuple[str, str]]:
    """The notices queued after ``since``: their kind and audience, oldest first."""
    async with services.db.read() as s:
        rows = (await s.exec(select(OutboxMessage).where(col(OutboxMessage.id) > since)
                             .order_by(col(OutboxMessage.id)))).all()
    return [(r.kind, r.audience) for r in rows]


async def _last_notice(services: Services) -> int:
    async with services.db.read() as s:
        rows = (await s.exec(select(OutboxMessage.id))).all()
    return max((r for r in rows if r is not None), default=0)


async def test_an_official_proposes_and_commits_with_a_date_in_one_step(
    services: Services, cast: Cast
) -> None:
    await _action(services, cast)
    before = await _last_notice(services)
    result = await services.actions.propose_owned(
        actor=cast.jorge, bottleneck_ref="P-1", text="Firmar la resolución",
        due="para el viernes 15")
    assert isinstance(result, Confirmed)
    view = result.action
    assert (view.ref, view.status, view.owner_entity) == ("A-2", "confirmed", "SERFOR")
    assert view.due_on == date(2027, 1, 15)
    # the group hears of it once, as the promise it is
    assert await _kinds(services, before) == [("action_confirmed", "ground")]
    async with services.db.read() as s:
        events = (await s.exec(select(AuditEvent.kind).where(AuditEvent.subject == "A-2")
                               .order_by(col(AuditEvent.id)))).all()
    assert list(events) == ["action.proposed", "action.claimed",
                                        "action.confirmed"]


async def test_proposing_as_ones_own_without_a_date_claims_it(
    services: Services, cast: Cast
) -> None:
    await _action(services, cast)
    view = await services.actions.propose_owned(
        actor=cast.maria, bottleneck_ref="P-1", text="Llevar los expedientes")
    assert isinstance(view, ActionView)
    assert (view.status, view.owner.name if view.owner else None) == ("claimed", "María Quispe")


async def test_a_coordinator_proposes_for_a_member_who_is_told(
    services: Services, cast: Cast
) -> None:
    await _action(services, cast)
    before = await _last_notice(services)
    view = await services.actions.propose_owned(
        actor=cast.rosa, bottleneck_ref="P-1", text="Revisar el TUPA", owner="jorge",
        due="el 20 de enero")
    assert isinstance(view, ActionView)
    assert (view.status, view.due_on) == ("claimed", date(2027, 1, 20))
    assert sorted(await _kinds(services, before)) == [("action_assigned", "member"),
                                                     ("action_proposed", "ground")]


async def test_a_refused_step_leaves_no_action_behind(services: Services, cast: Cast) -> None:
    await _action(services, cast)
    before = await _last_notice(services)
    with pytest.raises(Forbidden):  # only a coordinator gives an action to someone else
        await services.actions.propose_owned(
            actor=cast.maria, bottleneck_ref="P-1", text="Que lo haga Jorge", owner="jorge")
    with pytest.raises(DatePast):
        await services.actions.propose_owned(
            actor=cast.jorge, bottleneck_ref="P-1", text="Tarde", due="1 de enero de 2020")
    with pytest.raises(Forbidden):  # an observer proposes nothing
        await services.actions.propose_owned(
            actor=cast.tom, bottleneck_ref="P-1", text="Mirar", due="viernes")
    matrix = await services.reading.bottleneck(actor=cast.rosa, ref="P-1")
    assert [a.ref for a in matrix.actions] == ["A-1"]
    assert await _kinds(services, before) == []


async def test_a_due_date_on_a_holiday_or_a_weekend_is_kept_and_said(
    services: Services, cast: Cast
) -> None:
    ref = await _action(services, cast)
    await services.actions.claim(actor=cast.jorge, ref=ref)
    result = await services.actions.confirm(actor=cast.jorge, ref=ref, due="8 de diciembre")
    assert result.action.due_on == date(2027, 12, 8)  # kept as typed
    say = Presenter("es", ZoneInfo("America/Lima"))
    lines = [line.text for line in say.confirmed(result).lines]
    assert "El miércoles 8 de diciembre de 2027 es feriado: Inmaculada Concepción. Se " \
           "mantiene esa fecha; si quiso decir un día hábil, cámbiela con /plazo." in lines
    moved = await services.actions.move_due(actor=cast.jorge, ref=ref, due="sábado 16",
                                            reason="la firma es el sábado")
    english = [line.text for line in Presenter("en", ZoneInfo("America/Lima"))
               .due_moved(moved).lines]
    assert any(text.startswith("Saturday 16 January 2027 falls on a weekend.")
               for text in english), english
    moved = await services.actions.move_due(actor=cast.jorge, ref=ref, due="viernes 15",
                                            reason="antes")
    assert moved.due_off is None
    assert len(say.due_moved(moved).lines) == 1
