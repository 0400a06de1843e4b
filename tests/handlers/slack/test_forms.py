"""Slack's forms, played as people use them: ``/mesa problema`` and ``/mesa accion P-1``
with nothing more typed open a modal; the message shortcut turns a message into a
bottleneck that keeps its permalink; a past or unreadable due date is said under its
field with the modal still open and nothing written; a form that passes is carried
out once and answered where it was opened. Signed requests to the real Bolt app, the
local Slack recording what people see."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import col, select

from bot.handlers.slack.face import SlackFace
from bot.storage.tables import Action, Bottleneck, InboundUpdate
from tests.handlers.slack.conftest import GROUND
from tests.handlers.slack.test_scenario import _linked
from tests.slack_requests import SlackRequests
from tests.slack_server import FakeSlack, text_of


def _chosen(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def _options(view: dict[str, Any], block_id: str) -> list[str]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return [o["text"]["text"] for o in block["element"]["options"]]


async def _rows(face: SlackFace, table: Any) -> list[Any]:
    async with face.services.db.read() as s:
        return list((await s.exec(select(table).order_by(col(table.id)))).all())


async def _logged(app: httpx.AsyncClient, slack: FakeSlack, send: SlackRequests,
                  people: dict[str, str]) -> None:
    """María logs P-1 by typing, as in the scenario."""
    await send.command(people["maria"], GROUND, "problema Registro de plantaciones lento"
                       ).send(app)
    await slack.wait_for_answer(GROUND, "Registrado como P-1")


async def test_a_bottleneck_logged_with_the_form_keeps_the_reporters_view(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    maria = people["maria"]
    opened = await slack_requests.command(maria, GROUND, "problema").send(app)
    assert opened.status_code == 200 and opened.text == ""  # Slack shows nothing typed
    modal = await slack.wait_for_view(maria)
    assert modal["title"]["text"] == "Registrar un problema"
    assert await _rows(slack_face, InboundUpdate) != []  # only the links so far
    assert await _rows(slack_face, Bottleneck) == []

    submitted = await slack_requests.view_submission(maria, modal, {
        "title": {"value": "Guías de transporte <!channel> en papel"},
        "detail": {"value": "Cada guía se firma en Lima: tres días por camión."},
        "owner_class": {"value": {"type": "radio_buttons",
                                  "selected_option": {"value": "mp"}}},
        "root_cause": {"value": _chosen("regulation")},
    }).send(app)
    assert submitted.status_code == 200 and submitted.text == ""  # the modal closes
    answer = await slack.wait_for_answer(GROUND, "Registrado como P-1")
    assert answer["response_type"] == "in_channel"
    assert "<!channel>" not in text_of(answer)
    await slack.wait_for_text("C0EQUIPO", "Nuevo problema P-1 de María Quispe")
    [row] = await _rows(slack_face, Bottleneck)
    assert row.title == "Guías de transporte <!channel> en papel"
    assert "tres días por camión" in row.detail
    assert "Según quien lo reporta: MP: lo debe resolver el Estado; causa de fondo: " \
           "regulación." in row.detail
    assert (row.status, row.owner_class, row.root_cause) == ("reported", "unclassified", None)


async def test_a_blank_title_is_said_under_its_field_and_nothing_is_logged(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    await slack_requests.command(people["maria"], GROUND, "problema").send(app)
    modal = await slack.wait_for_view(people["maria"])
    answer = await slack_requests.view_submission(
        people["maria"], modal, {"title": {"value": "\u200b  "}}).send(app)
    assert answer.json() == {"response_action": "errors", "errors": {
        "title": "Escriba en una línea qué frena al sector."}}
    assert await _rows(slack_face, Bottleneck) == []


async def test_an_action_with_a_past_date_stays_open_then_is_confirmed_once(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    await _logged(app, slack, slack_requests, people)
    jorge = people["jorge"]
    await slack_requests.command(jorge, GROUND, "accion p1").send(app)  # as typed on a phone
    modal = await slack.wait_for_view(jorge)
    assert modal["title"]["text"] == "Proponer una acción"
    block = next(b for b in modal["blocks"] if b["block_id"] == "bottleneck")
    assert block["element"]["initial_option"]["value"] == "P-1"
    # an official may take it himself; giving it to others is the coordinator's
    assert _options(modal, "owner") == ["Nadie aún: cualquiera puede tomarla", "Yo"]
    stored = len(await _rows(slack_face, InboundUpdate))

    values: dict[str, dict[str, Any]] = {
        "bottleneck": {"value": _chosen("P-1")},
        "text": {"value": "Publicar el procedimiento de registro"},
        "owner": {"value": _chosen("!mine")},
        "due": {"value": "1 de enero de 2020"},
    }
    refused = await slack_requests.view_submission(jorge, modal, values).send(app)
    errors = refused.json()
    assert errors["response_action"] == "errors" and list(errors["errors"]) == ["due"]
    assert "que ya pasó" in errors["errors"]["due"]
    unreadable = await slack_requests.view_submission(
        jorge, modal, {**values, "due": {"value": "cuando se pueda"}}).send(app)
    assert list(unreadable.json()["errors"]) == ["due"], unreadable.json()
    assert await _rows(slack_face, Action) == []
    assert len(await _rows(slack_face, InboundUpdate)) == stored  # nothing kept to do

    accepted = slack_requests.view_submission(
        jorge, modal, {**values, "due": {"value": "para el viernes 15"}})
    assert (await accepted.send(app)).text == ""
    answer = await slack.wait_for_text(GROUND, "viernes 15 de enero de 2027")
    assert "A-1" in text_of(answer)
    [action] = await _rows(slack_face, Action)
    assert (action.status, str(action.due_on)) == ("confirmed", "2027-01-15")
    # Slack does not send an interaction twice, but the inbox would take it once
    await accepted.send(app)
    assert len(await _rows(slack_face, Action)) == 1


async def test_a_coordinator_gives_the_action_to_a_member_who_is_told(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    await _logged(app, slack, slack_requests, people)
    rosa = people["rosa"]
    await slack_requests.command(rosa, GROUND, "accion").send(app)
    modal = await slack.wait_for_view(rosa)
    assert "initial_option" not in modal["blocks"][0]["element"]
    assert _options(modal, "bottleneck") == ["P-1 Registro de plantaciones lento"]
    assert "Jorge Salas (SERFOR)" in _options(modal, "owner")
    assert not any("Tom" in o or "Ministra" in o for o in _options(modal, "owner"))
    await slack_requests.view_submission(rosa, modal, {
        "bottleneck": {"value": _chosen("P-1")},
        "text": {"value": "Revisar el TUPA"},
        "owner": {"value": _chosen("@jorge")},
        "due": {"value": "el 20 de enero"},
    }).send(app)
    await slack.wait_for_text(people["jorge"], "A-1")
    [action] = await _rows(slack_face, Action)
    assert (action.status, str(action.due_on)) == ("claimed", "2027-01-20")


async def test_a_date_without_an_owner_asks_for_one(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    await _logged(app, slack, slack_requests, people)
    await slack_requests.command(people["maria"], GROUND, "accion P-1").send(app)
    modal = await slack.wait_for_view(people["maria"])
    answer = await slack_requests.view_submission(people["maria"], modal, {
        "bottleneck": {"value": _chosen("P-1")}, "text": {"value": "Juntar firmas"},
        "owner": {"value": _chosen("nobody")}, "due": {"value": "viernes"},
    }).send(app)
    assert "necesita un responsable" in answer.json()["errors"]["due"]
    assert await _rows(slack_face, Action) == []


async def test_a_message_becomes_a_bottleneck_with_its_permalink(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    said = slack.type(people["andres"], GROUND,
                      "Los permisos de tala tardan 90 días &amp; nadie responde\n"
                      "Lo vimos en tres concesiones de Ucayali")
    rosa = people["rosa"]
    shortcut = await slack_requests.message_shortcut(rosa, GROUND, said,
                                                     "bottleneck_from_message").send(app)
    assert shortcut.status_code == 200
    modal = await slack.wait_for_view(rosa)
    fields = {b["block_id"]: b["element"].get("initial_value") for b in modal["blocks"]
              if b["type"] == "input"}
    assert fields["title"] == "Los permisos de tala tardan 90 días & nadie responde"
    assert fields["detail"] == "Lo vimos en tres concesiones de Ucayali"
    await slack_requests.view_submission(rosa, modal, {
        "title": {"value": fields["title"]}, "detail": {"value": fields["detail"]},
    }).send(app)
    await slack.wait_for_answer(GROUND, "Registrado como P-1")
    [row] = await _rows(slack_face, Bottleneck)
    assert slack.permalink(GROUND, said["ts"]) in row.detail


async def test_a_message_in_a_channel_outside_the_mesa_is_answered_privately(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    slack.add_channel("C0GENERAL", "general")
    said = slack.type(people["maria"], "C0GENERAL", "El puerto de Pucallpa cierra a las 4")
    await slack_requests.message_shortcut(people["maria"], "C0GENERAL", said,
                                          "bottleneck_from_message").send(app)
    modal = await slack.wait_for_view(people["maria"])
    await slack_requests.view_submission(people["maria"], modal, {
        "title": {"value": "El puerto de Pucallpa cierra a las 4"}}).send(app)
    await slack.wait_for_text(people["maria"], "Registrado como P-1")
    assert "C0GENERAL" not in slack.responses
    assert [m for m in slack.messages["C0GENERAL"] if m.get("bot_id")] == []


async def test_the_form_is_for_people_of_the_mesa_only(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    slack.add_user("U0EXTRANO", "Extraño", locale="es-LA")
    await _linked(app, slack, slack_requests, people)
    await slack_requests.command("U0EXTRANO", GROUND, "problema").send(app)
    await slack.wait_for_answer(GROUND, "Aún no lo tengo registrado")
    assert slack.opened.get("U0EXTRANO") is None


async def test_an_observer_asking_for_the_form_is_told_he_may_not_propose(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    await _logged(app, slack, slack_requests, people)
    await slack_requests.command(people["tom"], GROUND, "accion P-1").send(app)
    answer = await slack.wait_for_answer(GROUND, "As observer, you cannot")
    assert answer["response_type"] == "ephemeral" and "Usage" not in text_of(answer)
    assert slack.opened.get(people["tom"]) is None
