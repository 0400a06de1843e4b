"""Socket Mode: Slack's requests over the WebSocket the bot opens (no public URL),
through the real slack-bolt socket handler and slack_sdk's aiohttp client, against the
local Slack's ``apps.connections.open`` and socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot.core.services import Services
from bot.handlers.slack.face import SlackFace
from bot.storage.tables import Bottleneck
from tests.builders import Cast
from tests.handlers.slack.conftest import GROUND, TEAM_CHANNEL
from tests.slack_requests import SIGNING_SECRET, SlackRequests
from tests.slack_server import FakeSlack, text_of


@pytest.fixture
async def socket_face(slack_face: SlackFace, slack: FakeSlack) -> AsyncIterator[SlackFace]:
    await slack_face.open_socket(slack.app_token)
    yield slack_face


async def _titles(services: Services) -> list[str]:
    async with services.db.read() as s:
        return [b.title for b in (await s.exec(select(Bottleneck))).all()]


def _button(message: dict[str, Any], value: str) -> str:
    for block in message["blocks"]:
        for element in block.get("elements") or []:
            if element.get("value") == value:
                return str(element["action_id"])
    raise AssertionError(f"no button {value!r} in {text_of(message)!r}")


async def test_commands_and_buttons_over_the_socket(
    slack: FakeSlack, slack_requests: SlackRequests, people: dict[str, str],
    socket_face: SlackFace,
) -> None:
    send = slack_requests
    rosa, maria = people["rosa"], people["maria"]
    for channel, audience, said in ((GROUND, "grupo", "como grupo de la mesa"),
                                    (TEAM_CHANNEL, "equipo", "como chat del equipo")):
        ack = await slack.wait_for_ack(await slack.deliver(
            "slash_commands", send.command(rosa, channel, f"vincular {audience}").data))
        assert ack == {}  # acknowledged at once, answered after
        await slack.wait_for_answer(channel, said)

    await slack.deliver("slash_commands",
                        send.command(maria, GROUND, "problema Guías de transporte lentas").data)
    await slack.wait_for_answer(GROUND, "Registrado como P-1")
    await slack.wait_for_text(TEAM_CHANNEL, "Nuevo problema P-1 de María Quispe")

    await slack.deliver("slash_commands",
                        send.command(rosa, TEAM_CHANNEL, "accion P-1 Publicar la guía").data)
    proposed = await slack.wait_for_text(GROUND, "Acción A-1 propuesta sobre P-1")
    press = send.block_action(people["jorge"], GROUND, proposed,
                              _button(proposed, "/claim A-1"), "/claim A-1")
    await slack.wait_for_ack(await slack.deliver("interactive", press.data))
    await slack.wait_for_text(GROUND, "A-1 la asume Jorge Salas (SERFOR)")


async def test_an_event_slack_sends_again_is_processed_once(
    slack: FakeSlack, slack_requests: SlackRequests, people: dict[str, str],
    socket_face: SlackFace,
) -> None:
    """Slack's retry of an event is a new envelope carrying the same event (the same
    ``event_id``): it is acknowledged and changes nothing."""
    dm = slack.dm(people["maria"])["id"]
    event = slack_requests.message(people["maria"], dm, "problema Puerto congestionado").data
    first = await slack.deliver("events_api", event)
    again = await slack.deliver("events_api", event)
    await slack.wait_for_ack(first)
    await slack.wait_for_ack(again)
    await slack.wait_for_text(dm, "Registrado como P-1")
    await slack.deliver("events_api",
                        slack_requests.message(people["maria"], dm, "mis_tareas").data)
    await slack.wait_for_messages(dm, 2)
    assert await _titles(socket_face.services) == ["Puerto congestionado"]


async def test_a_dropped_connection_is_opened_again(
    slack: FakeSlack, slack_requests: SlackRequests, people: dict[str, str],
    socket_face: SlackFace,
) -> None:
    dm = slack.dm(people["maria"])["id"]
    await slack.drop_connections()
    # sent while the bot reconnects: Slack keeps it for the next connection
    await slack.deliver("events_api",
                        slack_requests.message(people["maria"], dm, "problema Muelle cerrado").data)
    await slack.wait_for_text(dm, "Registrado como P-1")
    assert slack.connections > 1  # the client opened a new one (one per signal it got)
    assert await _titles(socket_face.services) == ["Muelle cerrado"]


async def test_a_refused_app_token_stops_the_start(
    services: Services, cast: Cast, slack: FakeSlack, people: dict[str, str],
) -> None:
    face = SlackFace(services, token=slack.token, signing_secret=SIGNING_SECRET,
                     api_url=slack.base_url, clock=services.clock)
    await face.start()
    try:
        with pytest.raises(SlackApiError) as refused:
            await face.open_socket("xapp-1-not-the-token")
        assert refused.value.response["error"] == "invalid_auth"
        with pytest.raises(SlackApiError) as wrong_kind:
            await face.open_socket(slack.token)  # the bot token cannot open a socket
        assert wrong_kind.value.response["error"] == "not_allowed_token_type"
    finally:
        await face.stop()
