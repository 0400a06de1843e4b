"""The App Home end to end: signed ``app_home_opened`` events and Home button presses
to the real Bolt app, what it published read back from the local Slack."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select

from bot.core.services import Services
from bot.core.views import ActionView
from bot.handlers.slack.face import SlackFace
from bot.storage.tables import InboundUpdate
from tests.slack_requests import SlackRequests
from tests.slack_server import FakeSlack, text_of

LIMA = ZoneInfo("America/Lima")


async def _promises(services: Services, owner: str, *texts_and_dues: tuple[str, str | None],
                    mesa: str = "forestal", coordinator: str = "rosa") -> None:
    """``owner`` claims one action per (text, due) on a new bottleneck, confirming it by
    ``due`` (said in words) when there is one."""
    lead = (await services.members.identify(handle=coordinator)).actor(mesa)
    member = (await services.members.identify(handle=owner)).actor(mesa)
    logged = await services.bottlenecks.log(actor=lead, text="Registro de plantaciones lento")
    for text, due in texts_and_dues:
        action = await services.actions.propose(actor=lead, bottleneck_ref=logged.bottleneck.ref,
                                                text=text)
        await services.actions.claim(actor=member, ref=action.ref)
        if due is not None:
            await services.actions.confirm(actor=member, ref=action.ref, due=due)


async def _mine(services: Services, handle: str, mesa: str = "forestal") -> list[ActionView]:
    actor = (await services.members.identify(handle=handle)).actor(mesa)
    return await services.reading.my_actions(actor=actor)


async def _open_home(app: httpx.AsyncClient, slack: FakeSlack, requests: SlackRequests,
                     user: str, fragment: str) -> dict[str, Any]:
    assert (await requests.app_home_opened(user).send(app)).status_code == 200
    return await slack.wait_for_home(user, fragment)


def _lines(home: dict[str, Any]) -> list[str]:
    return text_of(home).split("\n")


def _button_values(home: dict[str, Any]) -> list[str]:
    return [e["value"] for b in home["blocks"] if b["type"] == "actions"
            for e in b["elements"]]


async def test_a_member_sees_her_actions_overdue_first_with_dates_and_buttons(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    services = slack_face.services
    await _promises(services, "maria", ("Publicar el procedimiento", "en 2 semanas"),
                    ("Capacitar a las oficinas", "el viernes"), ("Mapear los viveros", None))
    services.clock.set(datetime(2027, 1, 18, 9, 0, tzinfo=LIMA))  # type: ignore[attr-defined]
    home = await _open_home(app, slack, slack_requests, people["maria"], "Sus acciones")
    lines = _lines(home)
    late = next(line for line in lines if "A-2" in line and "«" in line)
    assert late.startswith("⚠️ A-2 «Capacitar a las oficinas»")
    assert "vence vie 15/01" in late and "3 días de atraso" in late
    later = next(line for line in lines if "A-1 «" in line)
    assert later.startswith("• A-1 «Publicar el procedimiento»") and "vence lun 25/01" in later
    assert "atraso" not in later
    assert lines.index(late) < lines.index(later) < lines.index(
        next(line for line in lines if "A-3 «" in line))
    values = _button_values(home)
    assert values[:3] == ["/done A-2", "/progress A-2 En marcha, según lo previsto.",
                          "/blocked A-2"]
    assert "/confirm A-3" in values and "/confirm A-1" not in values
    assert "• Mesa Forestal: representante privado" in lines
    assert "Vencidas en la" not in text_of(home)  # she coordinates no mesa


async def test_done_from_the_home_is_recorded_answered_in_messages_and_shown(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    services, maria = slack_face.services, people["maria"]
    await _promises(services, "maria", ("Publicar el procedimiento", "el viernes"),
                    ("Capacitar a las oficinas", "en 2 semanas"))
    home = await _open_home(app, slack, slack_requests, maria, "A-2 «Capacitar")
    block = next(b for b in home["blocks"] if b["type"] == "actions"
                 and any(e["value"] == "/done A-2" for e in b["elements"]))
    assert block["block_id"].endswith(":forestal")
    await slack_requests.home_action(maria, home, "cmd-0", "/done A-2").send(app)
    await slack.wait_for_text(slack.dm(maria)["id"], "A-2 hecha: «Capacitar a las oficinas»")
    again = await slack.wait_for_home(maria, after=home)
    assert "A-2" not in text_of(again) and "A-1 «Publicar el procedimiento»" in text_of(again)
    assert [a.ref for a in await _mine(services, "maria")] == ["A-1"]
    async with services.db.read() as s:  # her Home's requests queue together, in order
        assert set((await s.exec(select(InboundUpdate.chat_key))).all()) == {maria}


async def test_an_observer_pressing_a_home_button_is_refused_and_nothing_changes(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    services, tom = slack_face.services, people["tom"]
    await _promises(services, "maria", ("Publicar el procedimiento", "el viernes"))
    marias = await _open_home(app, slack, slack_requests, people["maria"], "A-1 «")
    # A Home button reaching the app from someone who may not use it (forged, or shown
    # before a role changed): the core checks the presser's role, in the button's mesa.
    await slack_requests.home_action(tom, marias, "cmd-0", "/done A-1").send(app)
    refusal = await slack.wait_for_text(slack.dm(tom)["id"], "you cannot update this action")
    assert refusal["text"].startswith("⚠️ As observer")
    [action] = await _mine(services, "maria")
    assert (action.ref, action.status) == ("A-1", "confirmed")
    assert "A-1 «Publicar el procedimiento»" in text_of(slack.homes[people["maria"]])


async def test_tom_reads_his_home_in_english(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    home = await _open_home(app, slack, slack_requests, people["tom"], "Your mesas")
    lines = _lines(home)
    assert "*Your actions*" in lines and "You have no open actions." in lines
    assert "• Mesa Forestal: observer" in lines
    assert "/mesa help" in text_of(home) and "Sus" not in text_of(home)


async def test_a_stranger_is_shown_how_to_join(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    slack.add_user("U0NUEVO", "Nadie Conocido")
    home = await _open_home(app, slack, slack_requests, "U0NUEVO", "Cómo participar")
    assert "escriba /mesa unirme seguido del código de invitación" in text_of(home)
    assert _button_values(home) == []


async def test_the_coordinator_sees_what_is_overdue_in_her_mesa(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    services = slack_face.services
    await _promises(services, "maria", ("Publicar el procedimiento", "el viernes"),
                    ("Capacitar a las oficinas", "en 2 semanas"))
    services.clock.set(datetime(2027, 1, 20, 9, 0, tzinfo=LIMA))  # type: ignore[attr-defined]
    home = await _open_home(app, slack, slack_requests, people["rosa"], "Vencidas en la")
    text = text_of(home)
    assert "Vencidas en la Mesa Forestal" in text
    overdue = text[text.index("Vencidas en la"):]
    assert "A-1 «Publicar el procedimiento»" in overdue and "María Quispe" in overdue
    assert "5 días de atraso" in overdue and "A-2" not in overdue
    assert "• Mesa Forestal: coordinador" in _lines(home)


async def test_user_text_in_the_home_is_escaped(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _promises(slack_face.services, "maria",
                    ("Avisar a <!channel> y *todos* en <https://malo.example|el portal>",
                     "el viernes"))
    home = await _open_home(app, slack, slack_requests, people["maria"], "A-1 «")
    text = text_of(home)
    assert "&lt;!channel&gt;" in text and "∗todos∗" in text
    assert "&lt;https://malo.example|el portal&gt;" in text
    assert "<" not in text and "*todos*" not in text
    assert all(obj.get("verbatim") for b in home["blocks"] if b["type"] == "section"
               for obj in [b["text"]])


async def test_a_home_button_acts_in_the_mesa_it_was_shown_for(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    """María sits in two mesas, each with an A-1 of hers: the button of the aquaculture
    one marks that one done, and the forestry A-1 stays as it was."""
    services, maria = slack_face.services, people["maria"]
    await services.members.grant_role(mesa="acuicola", handle="maria", role="private_rep",
                                      entity="APFU")
    await _promises(services, "maria", ("Publicar el procedimiento", "el viernes"))
    await _promises(services, "maria", ("Certificar los estanques", "en 2 semanas"),
                    mesa="acuicola", coordinator="pedro")
    home = await _open_home(app, slack, slack_requests, maria, "Certificar")
    lines = _lines(home)
    assert any(line.endswith("· Mesa Acuícola") and "Certificar" in line for line in lines)
    block = next(b for b in home["blocks"] if b["type"] == "actions"
                 and b["block_id"].endswith(":acuicola"))
    assert block["elements"][0]["value"] == "/done A-1"
    await slack_requests.home_action(maria, home, "cmd-0", "/done A-1",
                                     block["block_id"]).send(app)
    await slack.wait_for_text(slack.dm(maria)["id"], "A-1 hecha: «Certificar los estanques»")
    assert await _mine(services, "maria", "acuicola") == []
    assert [a.text for a in await _mine(services, "maria")] == ["Publicar el procedimiento"]
    again = await slack.wait_for_home(maria, after=home)
    assert "Certificar" not in text_of(again) and "Publicar" in text_of(again)


async def test_a_long_list_is_cut_within_a_homes_limits_and_says_where_the_rest_is(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    texts = [(f"Tarea número {n} " + "con un texto largo " * 20, "en 2 semanas")
             for n in range(1, 26)]
    await _promises(slack_face.services, "maria", *texts)
    home = await _open_home(app, slack, slack_requests, people["maria"], "Y 5 más")
    assert "Y 5 más: escriba /mesa mis_tareas para verlas todas." in _lines(home)
    assert len(home["blocks"]) <= 100
    shown = [line for line in _lines(home) if line.startswith("• A-")]
    assert len(shown) == 20 and all(line.count("…") == 1 for line in shown)


async def test_confirm_from_the_home_asks_for_a_date_in_messages_and_keeps_it(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    """A claim with no date yet: the Home offers to confirm it; the date is asked in her
    messages with the bot, whose buttons act in the same mesa."""
    services, maria = slack_face.services, people["maria"]
    await _promises(services, "maria", ("Mapear los viveros", None))
    home = await _open_home(app, slack, slack_requests, maria, "Confirmar A-1")
    await slack_requests.home_action(maria, home, "cmd-0", "/confirm A-1").send(app)
    dm = slack.dm(maria)["id"]
    step = await slack.wait_for_text(dm, "¿Para cuándo se compromete con A-1?")
    await slack_requests.block_action(maria, dm, step, "cmd-0", "/confirm A-1 el viernes"
                                      ).send(app)
    await slack.wait_for_text(dm, "A-1 confirmada: María Quispe (APFU) se compromete para "
                                  "el viernes 15 de enero de 2027")
    [action] = await _mine(services, "maria")
    assert (action.status, str(action.due_on)) == ("confirmed", "2027-01-15")
    again = await _open_home(app, slack, slack_requests, maria, "vence vie 15/01")
    assert "/confirm A-1" not in _button_values(again)
