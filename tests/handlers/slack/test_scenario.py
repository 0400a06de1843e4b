"""A week of the Mesa Forestal on Slack, from a clean database: the Telegram scenario
played with ``/mesa`` in a linked channel, the team's channel and people's messages with
the bot, in Spanish and in English. Everything goes through signed requests to the real
Bolt app; what people see is what the local Slack recorded."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.handlers.slack.face import SlackFace
from bot.storage.tables import ProgressUpdate
from tests.conftest import LIMA
from tests.handlers.slack.conftest import GROUND, TEAM_CHANNEL
from tests.slack_requests import SlackRequests
from tests.slack_server import FakeSlack, text_of


async def _linked(app: httpx.AsyncClient, slack: FakeSlack, requests: SlackRequests,
                  people: dict[str, str]) -> None:
    """Rosa links the mesa's channel and the team's, as a coordinator does once."""
    rosa = people["rosa"]
    await requests.command(rosa, GROUND, "vincular grupo").send(app)
    await slack.wait_for_answer(GROUND, "como grupo de la mesa")
    await requests.command(rosa, TEAM_CHANNEL, "vincular equipo").send(app)
    await slack.wait_for_answer(TEAM_CHANNEL, "como chat del equipo")


def _button(message: dict[str, Any], value: str) -> tuple[str, str]:
    """The label and action_id of the button under ``message`` carrying ``value``."""
    for block in message["blocks"]:
        for element in block.get("elements") or []:
            if element.get("value") == value:
                return element["text"]["text"], element["action_id"]
    raise AssertionError(f"no button {value!r} in {text_of(message)!r}")


async def test_an_unlinked_channel_only_gets_an_explanation(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await slack_requests.command(people["maria"], GROUND, "problema Registro lento").send(app)
    answer = await slack.wait_for_answer(GROUND, "no está vinculado a ninguna mesa")
    assert answer["response_type"] == "ephemeral"
    rosa = (await slack_face.services.members.identify(handle="rosa")).actor()
    matrix = await slack_face.services.reading.matrix(actor=rosa)
    assert matrix.awaiting_triage == []


async def test_a_week_in_spanish(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    send = slack_requests
    await _linked(app, slack, send, people)

    await send.command(people["maria"], GROUND, "problema El registro de plantaciones en "
                       "SERFOR demora de 6 a 12 meses").send(app)
    await slack.wait_for_answer(GROUND, "Registrado como P-1")
    await slack.wait_for_text(TEAM_CHANNEL, "Nuevo problema P-1 de María Quispe")

    await send.command(people["rosa"], TEAM_CHANNEL,
                       "clasificar P-1 MP implementación 5 4 SERFOR").send(app)
    await slack.wait_for_answer(TEAM_CHANNEL, "prioridad 20 de 25")
    await slack.wait_for_text(people["maria"], "Su problema P-1 fue clasificado")
    await send.command(people["rosa"], TEAM_CHANNEL, "priorizar P-1").send(app)
    await slack.wait_for_text(GROUND, "P-1 entra en los priorizados de la mesa")

    await send.command(people["rosa"], TEAM_CHANNEL,
                       "accion P-1 Publicar el procedimiento de registro").send(app)
    proposed = await slack.wait_for_text(GROUND, "Acción A-1 propuesta sobre P-1")
    label, action_id = _button(proposed, "/claim A-1")
    assert label == "Tomar"

    await send.block_action(people["tom"], GROUND, proposed, action_id, "/claim A-1").send(app)
    refusal = await slack.wait_for_answer(GROUND, "As observer, you cannot claim actions")
    assert refusal["response_type"] == "ephemeral" and not refusal.get("replace_original")
    await send.block_action(people["jorge"], GROUND, proposed, action_id,
                            "/claim A-1").send(app)
    await slack.wait_for_text(GROUND, "A-1 la asume Jorge Salas (SERFOR)")

    await send.command(people["jorge"], GROUND, "confirmar A-1 viernes").send(app)
    confirmed = await slack.wait_for_text(GROUND, "viernes 15 de enero de 2027")

    # Jorge answers in the thread of the bot's message about A-1: that is progress.
    note = slack.type(people["jorge"], GROUND, "Borrador listo, falta firma de la jefatura",
                      thread_ts=confirmed["ts"])
    await send.event({**note, "channel_type": "channel", "event_ts": note["ts"]}).send(app)
    (said,) = await slack.wait_for_ephemeral(GROUND)
    assert "Avance registrado en A-1" in text_of(said) and said["user"] == people["jorge"]

    jorge = slack.dm(people["jorge"])["id"]
    await send.message(people["jorge"], jorge, "mis_tareas").send(app)
    mine = await slack.wait_for_text(jorge, "Sus acciones")
    assert "A-1" in text_of(mine) and "vence vie 15/01" in text_of(mine)

    await send.command(people["rosa"], TEAM_CHANNEL, "agenda").send(app)
    agenda = await slack.wait_for_answer(TEAM_CHANNEL, "Agenda de la Mesa Forestal")
    for expected in ("P-1", "A-1", "Jorge Salas (SERFOR)", "Borrador listo, falta firma"):
        assert expected in text_of(agenda)
    assert agenda["blocks"][0]["text"]["text"].startswith("*Agenda de la Mesa Forestal")
    async with slack_face.services.db.read() as s:
        (progress,) = (await s.exec(select(ProgressUpdate))).all()
    assert progress.text == "Borrador listo, falta firma de la jefatura"


async def test_a_session_and_its_agenda_delivered_to_the_team_channel(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    await slack_requests.command(people["rosa"], TEAM_CHANNEL, "sesion viernes 10:00").send(app)
    await slack.wait_for_answer(TEAM_CHANNEL, "Sesión 1 programada")
    await slack.wait_for_text(GROUND, "Sesión 1 programada")
    await slack_requests.command(people["maria"], GROUND,
                                 "problema Guías de transporte lentas").send(app)
    await slack.wait_for_answer(GROUND, "Registrado como P-1")

    clock = slack_face.services.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2027, 1, 15, 8, 0, tzinfo=LIMA))
    assert await slack_face.services.agenda_delivery.tick() == 2
    slack_face.delivery.wake()
    title = "Agenda de la Mesa Forestal · sesión 1, viernes 15 de enero de 2027, 10:00"
    for channel in (TEAM_CHANNEL, GROUND):
        agenda = await slack.wait_for_text(channel, title)
        assert ("P-1 «Guías de transporte lentas» · reportado por María Quispe"
                in text_of(agenda))


async def test_tom_in_english_and_maria_typing_to_the_bot(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    maria = slack.dm(people["maria"])["id"]
    await slack_requests.message(people["maria"], maria,
                                 "problema Registro lento en la sede de Ucayali").send(app)
    await slack.wait_for_text(maria, "Registrado como P-1")
    await slack_requests.message(people["maria"], maria, "mis_tareas").send(app)
    mine = await slack.wait_for_messages(maria, 2)
    assert "No tiene acciones abiertas" in text_of(mine[-1])

    await slack_requests.command(people["tom"], GROUND, "matrix").send(app)
    matrix = await slack.wait_for_answer(GROUND, "Matrix of the Mesa Forestal")
    assert "Awaiting triage" in text_of(matrix)
    tom = slack.dm(people["tom"])["id"]
    await slack_requests.message(people["tom"], tom, "help").send(app)
    help_ = await slack.wait_for_text(tom, "Mesa commands")
    assert "/mesa claim" in text_of(help_)


async def test_the_ping_before_the_session_is_answered_in_its_thread_and_by_a_button(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    """The ping says "reply to this message": on Slack a reply is an answer in the
    message's thread, in the person's messages with the bot as anywhere."""
    send = slack_requests
    await _linked(app, slack, send, people)
    await send.command(people["rosa"], TEAM_CHANNEL, "sesion viernes 10:00").send(app)
    await slack.wait_for_answer(TEAM_CHANNEL, "Sesión 1 programada")
    await send.command(people["maria"], GROUND, "problema Guías de transporte lentas").send(app)
    await slack.wait_for_answer(GROUND, "Registrado como P-1")
    await send.command(people["rosa"], TEAM_CHANNEL, "accion P-1 Digitalizar las guías").send(app)
    await slack.wait_for_text(GROUND, "Acción A-1")
    await send.command(people["jorge"], GROUND, "tomar A-1").send(app)
    await send.command(people["jorge"], GROUND, "confirmar A-1 el viernes").send(app)
    await slack.wait_for_text(GROUND, "Se le recordará antes de cada sesión")

    clock = slack_face.services.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2027, 1, 13, 10, 0, tzinfo=LIMA))
    assert await slack_face.services.reminders.tick() == 1
    slack_face.delivery.wake()
    dm = slack.dm(people["jorge"])["id"]
    ping = await slack.wait_for_text(dm, "Recordatorio: la sesión 1")
    assert "Responda a este mensaje" in text_of(ping)
    # Jorge reads it and answers, which takes a person seconds; the bot notes what the
    # message was about just after Slack accepts it, so the test waits for that note.
    async with asyncio.timeout(10):
        while await slack_face.services.chats.subject_of(  # noqa: ASYNC110
                platform="slack", chat_id=dm, message_id=ping["ts"]) is None:
            await asyncio.sleep(0.01)

    note = slack.type(people["jorge"], dm, "Falta la firma del jefe", thread_ts=ping["ts"])
    await send.event({**note, "channel_type": "im", "event_ts": note["ts"]}).send(app)
    await slack.wait_for_text(dm, "Avance registrado en A-1")
    _, action_id = _button(ping, "/done A-1")
    await send.block_action(people["jorge"], dm, ping, action_id, "/done A-1").send(app)
    await slack.wait_for_text(GROUND, "A-1 hecha por Jorge Salas")
    async with slack_face.services.db.read() as s:
        (progress,) = (await s.exec(select(ProgressUpdate))).all()
    assert progress.text == "Falta la firma del jefe"
