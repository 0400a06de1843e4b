"""The Slack face end to end: signed requests to the real Bolt app, its Web API client
against the local Slack, the real core and database behind it."""

from __future__ import annotations

import httpx
from sqlmodel import select

from bot.handlers.slack.face import SlackFace
from bot.storage.tables import Bottleneck, InboundUpdate
from tests.handlers.slack.conftest import GROUND, TEAM_CHANNEL
from tests.slack_requests import SlackRequests
from tests.slack_server import FakeSlack


async def _link(app: httpx.AsyncClient, slack: FakeSlack, requests: SlackRequests,
                people: dict[str, str]) -> None:
    rosa = people["rosa"]
    assert (await requests.command(rosa, GROUND, "vincular grupo").send(app)).status_code == 200
    await slack.wait_for_answer(GROUND, "como grupo de la mesa")
    await requests.command(rosa, TEAM_CHANNEL, "vincular equipo").send(app)
    await slack.wait_for_answer(TEAM_CHANNEL, "como chat del equipo")


async def test_a_bottleneck_logged_in_the_channel_reaches_the_team(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _link(app, slack, slack_requests, people)
    await slack_requests.command(
        people["maria"], GROUND, "problema El registro de plantaciones en SERFOR demora meses"
    ).send(app)
    answer = await slack.wait_for_answer(GROUND, "Registrado como P-1")
    assert answer["response_type"] == "in_channel"
    await slack.wait_for_text(TEAM_CHANNEL, "Nuevo problema P-1 de María Quispe")


async def test_a_button_claims_for_whoever_pressed_it(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _link(app, slack, slack_requests, people)
    await slack_requests.command(people["maria"], GROUND, "problema Registro lento").send(app)
    await slack.wait_for_answer(GROUND, "Registrado como P-1")
    await slack_requests.command(people["rosa"], TEAM_CHANNEL,
                                 "accion P-1 Publicar el procedimiento").send(app)
    proposed = await slack.wait_for_text(GROUND, "Acción A-1 propuesta sobre P-1")
    await slack_requests.block_action(people["tom"], GROUND, proposed, "cmd-0",
                                      "/claim A-1").send(app)
    refusal = await slack.wait_for_answer(GROUND, "you cannot claim actions")
    await slack_requests.block_action(people["jorge"], GROUND, proposed, "cmd-0",
                                      "/claim A-1").send(app)
    await slack.wait_for_text(GROUND, "A-1 la asume Jorge Salas (SERFOR)")
    assert refusal["response_type"] == "ephemeral"


async def test_a_stranger_is_told_how_to_join_and_nothing_is_written(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _link(app, slack, slack_requests, people)
    slack.add_user("U0NUEVO", "Nadie Conocido")
    await slack_requests.command("U0NUEVO", GROUND, "problema Algo").send(app)
    answer = await slack.wait_for_answer(GROUND, "/mesa unirme")
    assert answer["response_type"] == "ephemeral"
    async with slack_face.services.db.read() as s:
        assert (await s.exec(select(Bottleneck))).all() == []


async def test_a_forged_or_stale_request_gets_401_and_is_not_stored(
    app: httpx.AsyncClient, slack_requests: SlackRequests, people: dict[str, str],
    slack_face: SlackFace,
) -> None:
    forged = slack_requests.command(people["maria"], GROUND, "problema Falso").forged()
    stale = slack_requests.command(people["maria"], GROUND, "problema Viejo", age=600)
    assert (await forged.send(app)).status_code == 401
    assert (await stale.send(app)).status_code == 401
    async with slack_face.services.db.read() as s:
        assert (await s.exec(select(InboundUpdate))).all() == []


async def test_a_retried_event_is_processed_once(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    dm = slack.dm(people["maria"])["id"]
    first = slack_requests.message(people["maria"], dm, "problema Puerto congestionado")
    await first.send(app)
    await slack_requests.retry(first).send(app)
    await slack_requests.retry(first, number=2).send(app)
    await slack.wait_for_text(dm, "Registrado como P-1")
    await slack_requests.message(people["maria"], dm, "mis_tareas").send(app)
    await slack.wait_for_messages(dm, 2)
    async with slack_face.services.db.read() as s:
        assert len((await s.exec(select(Bottleneck))).all()) == 1


async def test_a_command_is_kept_when_slack_is_busy_answering_the_apps_checks(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    """auth.test failing once the face has started must not turn a command into a
    "reinstall this app" answer with nothing stored (Slack would not send it again)."""
    slack.fail_next("auth.test", status=503, error="service_unavailable", times=2)
    dm = slack.dm(people["maria"])["id"]
    response = await slack_requests.message(people["maria"], dm, "problema Puerto lento").send(app)
    assert response.status_code == 200 and "reinstall" not in response.text
    await slack.wait_for_text(dm, "Registrado como P-1")
