"""Nudges for what stalls: a proposal nobody takes goes to the coordinator, a claim
nobody dates to its owner and their entity's officials; once per item per session, one
message per person, never at night or on a weekend."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.commands.present import Presenter
from bot.commands.reply import Reply, Style
from bot.core.clock import ManualClock
from bot.core.enums import SessionStatus
from bot.core.notices import Pending
from bot.core.services import Services
from tests.builders import Cast
from tests.conftest import LIMA


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 1, day, hour, minute, tzinfo=LIMA)


async def _nudges(services: Services) -> list[Pending]:
    return [n for n in await services.outbox.pending(platform="test")
            if n.kind == "stall_nudge"]


async def _tick_at(services: Services, clock: ManualClock, when: datetime) -> int:
    clock.set(when)
    return await services.nudges.tick()


def _refs(nudge: Pending, section: str) -> list[str]:
    return [item["ref"] for item in nudge.params[section]]


async def _proposals(services: Services, cast: Cast, *texts: str) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    for text in texts:
        await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text=text)


async def test_a_proposal_nobody_takes_goes_to_the_coordinator_once_a_session(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """Proposed Monday 09:00; Thursday 09:00 it has waited three days: Rosa, the
    coordinator, is told once; not again the next days, nor right after Friday's session
    (a new period, but a day after the last nudge): three days after the last one, on
    Monday; and after the next session, four days later."""
    await _proposals(services, cast, "Publicar")  # Monday 11 January, 09:00
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")  # 15 Jan
    assert await _tick_at(services, clock, _at(14, 8, 59)) == 0
    assert await _tick_at(services, clock, _at(14, 9, 0)) == 1
    for when in (_at(14, 9, 1), _at(14, 16), _at(15, 8)):
        assert await _tick_at(services, clock, when) == 0, when
    (nudge,) = await _nudges(services)
    assert nudge.member_name == "Rosa Díaz"
    assert _refs(nudge, "unclaimed") == ["A-1"]
    assert nudge.params["unclaimed"][0]["days"] == 3

    clock.set(_at(15, 12))
    await services.sessions.set_status(actor=cast.rosa, number=1, status=SessionStatus.HELD)
    await services.sessions.schedule(actor=cast.rosa, when="22 de enero 10:00")
    for when in (_at(15, 12, 1), _at(15, 17), _at(18, 6, 59)):  # a new period, too soon
        assert await _tick_at(services, clock, when) == 0, when
    assert await _tick_at(services, clock, _at(18, 7)) == 1  # three days since Thursday
    (nudge,) = await _nudges(services)  # Thursday's is past its delivery window
    assert (nudge.member_name, _refs(nudge, "unclaimed")) == ("Rosa Díaz", ["A-1"])
    for day in (19, 20, 21, 22):  # once this period, though days pass
        assert await _tick_at(services, clock, _at(day, 9)) == 0, day
    clock.set(_at(22, 12))
    await services.sessions.set_status(actor=cast.rosa, number=2, status=SessionStatus.HELD)
    await services.sessions.schedule(actor=cast.rosa, when="29 de enero 10:00")
    assert await _tick_at(services, clock, _at(22, 12, 1)) == 1  # still nobody's: again


async def test_a_session_that_begins_does_not_send_the_nudges_again(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """The tester's case: nudged at 08:00 before a 09:00 session; at 09:01 the session
    has begun and the next period with it, but the item went out an hour ago."""
    clock.set(_at(11, 8))
    await _proposals(services, cast, "Publicar")
    await services.sessions.schedule(actor=cast.rosa, when="14 de enero 09:00")
    assert await _tick_at(services, clock, _at(14, 8)) == 1
    for when in (_at(14, 9, 1), _at(15, 9), _at(15, 17)):
        assert await _tick_at(services, clock, when) == 0, when
    assert await _tick_at(services, clock, _at(18, 8)) == 1  # Monday: three days later

async def test_with_no_session_scheduled_a_nudge_goes_once_a_week(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _proposals(services, cast, "Publicar")
    assert await _tick_at(services, clock, _at(14, 9)) == 1
    assert await _tick_at(services, clock, _at(15, 9)) == 0
    assert await _tick_at(services, clock, _at(18, 7)) == 1  # a new week
    assert await _tick_at(services, clock, _at(19, 7)) == 0


async def test_a_claim_without_a_date_goes_to_its_owner_and_its_entitys_officials(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """Jorge (SERFOR) claims A-1 on Wednesday and gives it no date. Three days later,
    on Monday (the weekend waits), he is told, and so is Carla, the other SERFOR
    official; not Lucía (OSINFOR), not Pablo (SERFOR, removed), not the coordinator."""
    members = services.members
    for handle, name in (("carla", "Carla Vega"), ("pablo", "Pablo Ríos")):
        await members.add_member(handle=handle, name=name)
        await members.grant_role(mesa="forestal", handle=handle, role="public_official",
                                 entity="SERFOR")
    await services.departures.remove(actor=cast.rosa, handle="pablo")
    await _proposals(services, cast, "Publicar")
    clock.set(_at(13, 9))
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    # the days count from the claim: not Thursday (three days after the proposal)
    assert await _tick_at(services, clock, _at(14, 9)) == 0
    for when in (_at(16, 9), _at(16, 10), _at(17, 12)):  # Saturday, Sunday
        assert await _tick_at(services, clock, when) == 0, when
    assert await _tick_at(services, clock, _at(18, 7)) == 2
    nudges = {n.member_name: n for n in await _nudges(services)}
    assert set(nudges) == {"Jorge Salas", "Carla Vega"}
    assert _refs(nudges["Jorge Salas"], "mine") == ["A-1"]
    assert nudges["Jorge Salas"].params["entity"] == []  # his own, not twice
    assert _refs(nudges["Carla Vega"], "entity") == ["A-1"]
    assert nudges["Carla Vega"].params["entity"][0]["owner"] == "Jorge Salas"
    assert await _tick_at(services, clock, _at(19, 7)) == 0


async def test_nothing_at_night_it_waits_for_the_working_morning(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """Proposed Tuesday at 22:30, it has waited three days on Friday at 22:30: night,
    then the weekend; it goes on Monday at 07:00."""
    clock.set(_at(12, 22, 30))
    await _proposals(services, cast, "Publicar")
    for when in (_at(15, 22, 30), _at(15, 23, 59), _at(16, 10), _at(17, 10), _at(18, 6, 59)):
        assert await _tick_at(services, clock, when) == 0, when
    assert await _tick_at(services, clock, _at(18, 7)) == 1


async def test_a_confirmed_done_or_dropped_action_is_never_nudged(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _proposals(services, cast, "Publicar", "Supervisar", "Capacitar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    await services.actions.confirm(actor=cast.jorge, ref="A-1", due="en dos semanas")
    await services.actions.claim(actor=cast.lucia, ref="A-2")
    await services.actions.confirm(actor=cast.lucia, ref="A-2", due="en un mes")
    await services.actions.mark_done(actor=cast.lucia, ref="A-2")
    await services.actions.drop(actor=cast.rosa, ref="A-3", reason="Ya no hace falta")
    for day in (14, 15, 18, 21, 25):
        assert await _tick_at(services, clock, _at(day, 9)) == 0, day
    assert await _nudges(services) == []


def _text(reply: Reply) -> str:
    return "\n".join(line.text for line in reply.lines)


async def test_one_message_per_person_lists_all_their_items(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """Two proposals nobody took and two claims of Jorge's: one message to Rosa with
    both proposals, one to Jorge with both claims, each with its Confirm button."""
    await _proposals(services, cast, "Publicar", "Supervisar", "Capacitar", "Digitalizar")
    await services.actions.claim(actor=cast.jorge, ref="A-2")
    await services.actions.claim(actor=cast.jorge, ref="A-4")
    assert await _tick_at(services, clock, _at(14, 9)) == 2
    nudges = {n.member_name: n for n in await _nudges(services)}
    assert set(nudges) == {"Rosa Díaz", "Jorge Salas"}
    assert _refs(nudges["Rosa Díaz"], "unclaimed") == ["A-1", "A-3"]
    assert _refs(nudges["Jorge Salas"], "mine") == ["A-2", "A-4"]

    say = Presenter("es", ZoneInfo("America/Lima"))
    rosa = say.notice("stall_nudge", nudges["Rosa Díaz"].params)
    text = _text(rosa)
    assert "A-1 «Publicar» · 3 días" in text
    assert "A-3 «Capacitar» · 3 días" in text
    assert "como mucho una vez por semana" in text  # no session scheduled
    assert "al menos 3 días entre avisos" in text
    jorge = say.notice("stall_nudge", nudges["Jorge Salas"].params)
    assert [(b.label, b.command) for b in jorge.buttons] == [
        ("Confirmar A-2", "/confirm A-2"), ("Confirmar A-4", "/confirm A-4")]


async def test_an_action_assigned_to_an_entity_goes_to_its_officials_not_the_coordinators(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """A-1 assigned to OSINFOR and to nobody in it: the coordinators gave it away, so
    it is not theirs "without an owner"; Lucía, OSINFOR's official, can confirm it."""
    await _proposals(services, cast, "Supervisar")
    await services.actions.assign(actor=cast.rosa, ref="A-1", to="OSINFOR")
    assert await _tick_at(services, clock, _at(14, 9)) == 1
    (nudge,) = await _nudges(services)
    assert nudge.member_name == "Lucía Ramos"
    assert _refs(nudge, "entity") == ["A-1"]
    text = _text(Presenter("es", ZoneInfo("America/Lima")).notice(nudge.kind, nudge.params))
    assert "De OSINFOR, esperan fecha" in text
    assert "Propuestas sin responsable" not in text


async def test_the_assign_example_names_an_entity_of_the_mesa_or_none(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """The Forestal's coordinator sees an entity whose officials sit in the mesa
    (OSINFOR, SERFOR: the first by name); the Acuícola's, which has no official, sees
    the command's form, never an entity that is not there."""
    await _proposals(services, cast, "Publicar")
    pedro = cast.other_mesa_rosa
    await services.bottlenecks.log(actor=pedro, text="Permisos de acuicultura")
    await services.actions.propose(actor=pedro, bottleneck_ref="P-1", text="Simplificar")
    assert await _tick_at(services, clock, _at(14, 9)) == 2
    nudges = {n.member_name: n for n in await _nudges(services)}
    say = Presenter("es", ZoneInfo("America/Lima"))
    forestal = _text(say.notice("stall_nudge", nudges["Rosa Díaz"].params))
    assert "/asignar A-1 @persona o /asignar A-1 OSINFOR" in forestal
    acuicola = _text(say.notice("stall_nudge", nudges["Pedro Ruiz"].params))
    assert "/asignar A-1 @persona o /asignar A-1 ENTIDAD" in acuicola
    assert "SERFOR" not in acuicola and "OSINFOR" not in acuicola
    english = _text(Presenter("en", ZoneInfo("America/Lima")).notice(
        "stall_nudge", nudges["Pedro Ruiz"].params))
    assert "/assign A-1 @person or /assign A-1 ENTITY" in english


async def test_a_member_of_two_mesas_reads_which_mesa_each_nudge_is_about(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """Rosa coordinates the Forestal and the Acuícola: each nudge's title names its mesa,
    and tells her to choose that mesa before typing, as typed commands act in the mesa
    she chose; Jorge, in one mesa, is not told that."""
    await services.members.grant_role(mesa="acuicola", handle="rosa", role="coordinator",
                                      entity="PRODUCE")
    await _proposals(services, cast, "Publicar")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Supervisar")
    await services.actions.claim(actor=cast.jorge, ref="A-2")
    pedro = cast.other_mesa_rosa
    await services.bottlenecks.log(actor=pedro, text="Permisos de acuicultura")
    await services.actions.propose(actor=pedro, bottleneck_ref="P-1", text="Simplificar")
    assert await _tick_at(services, clock, _at(14, 9)) == 4
    say = Presenter("es", ZoneInfo("America/Lima"))
    rosa = {n.params["mesa"]: say.notice(n.kind, n.params) for n in await _nudges(services)
            if n.member_name == "Rosa Díaz"}
    assert set(rosa) == {"Mesa Forestal", "Mesa Acuícola"}
    for mesa, slug in (("Mesa Forestal", "forestal"), ("Mesa Acuícola", "acuicola")):
        title = rosa[mesa].lines[0]
        assert title.style is Style.TITLE
        assert title.text == f"{mesa}: pendientes que llevan 3 días o más sin avanzar"
        assert (f"los botones de este mensaje actúan en la {mesa}; para escribir comandos "
                f"en ella, elíjala antes con /mesa {slug}") in _text(rosa[mesa])
    (jorge,) = [n for n in await _nudges(services) if n.member_name == "Jorge Salas"]
    assert "varias mesas" not in _text(say.notice(jorge.kind, jorge.params))


async def test_the_owners_typed_example_is_a_date_true_whenever_it_is_read(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """Not "el viernes" (tomorrow, read on a Thursday): the button first, and a typed
    example that the confirm command takes as it is, in either language."""
    await _proposals(services, cast, "Publicar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    assert await _tick_at(services, clock, _at(14, 9)) == 1  # a Thursday
    (nudge,) = await _nudges(services)
    spanish = _text(Presenter("es", ZoneInfo("America/Lima")).notice(nudge.kind, nudge.params))
    assert "Confírmela con el botón" in spanish
    assert "/confirmar A-1 en dos semanas" in spanish
    assert "viernes" not in spanish
    english = _text(Presenter("en", ZoneInfo("America/Lima")).notice(nudge.kind, nudge.params))
    assert "/confirm A-1 in two weeks" in english
    confirmed = await services.actions.confirm(actor=cast.jorge, ref="A-1", due="in two weeks")
    assert confirmed.action.due_on == date(2027, 1, 28)


async def test_two_processes_looking_at_once_queue_each_nudge_once(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _proposals(services, cast, "Publicar", "Supervisar")
    await services.actions.claim(actor=cast.jorge, ref="A-2")
    clock.set(_at(14, 9))
    counts = await asyncio.gather(*(services.nudges.tick() for _ in range(4)))
    assert sum(counts) == 2
    assert len(await _nudges(services)) == 2


async def test_an_action_handed_over_gets_fresh_days(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """Jorge leaves on Thursday at 08:00 and his claim goes to Carla: three days count
    from then, so she is not nudged that morning, and is on Monday."""
    await services.members.add_member(handle="carla", name="Carla Vega")
    await services.members.grant_role(mesa="forestal", handle="carla", role="public_official",
                                      entity="SERFOR")
    await _proposals(services, cast, "Publicar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    clock.set(_at(14, 8))
    await services.departures.remove(actor=cast.rosa, handle="jorge", successor="carla")
    assert await _tick_at(services, clock, _at(14, 9)) == 0
    assert await _tick_at(services, clock, _at(18, 7)) == 1
    (nudge,) = await _nudges(services)
    assert (nudge.member_name, _refs(nudge, "mine")) == ("Carla Vega", ["A-1"])


async def test_a_long_list_names_ten_and_counts_the_rest(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _proposals(services, cast, *(f"Paso {n}" for n in range(1, 13)))
    assert await _tick_at(services, clock, _at(14, 9)) == 1
    (nudge,) = await _nudges(services)
    assert len(nudge.params["unclaimed"]) == 12
    reply = Presenter("es", ZoneInfo("America/Lima")).notice(nudge.kind, nudge.params)
    text = "\n".join(line.text for line in reply.lines)
    assert "A-10 «Paso 10»" in text and "A-11" not in text
    assert "y 2 más" in text
