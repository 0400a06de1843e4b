"""Signed requests and the local Web API drive a real slack_bolt AsyncApp.

A minimal app stands in for the Slack face (which does not exist yet): if Bolt accepts the
requests these helpers sign and its client gets what it expects from the fake, the face's
tests can trust both. Bolt acknowledges before its listeners finish, so the tests wait on
what the fake recorded, never on the 200.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_requests import EVENTS_PATH, SIGNING_SECRET, SlackRequests, signature
from tests.slack_server import FakeSlack

ROSA, TOM = "U0ROSA", "U0TOM"
CHANNEL = "C0MESA"
MODAL = {"type": "modal", "callback_id": "problema",
         "title": {"type": "plain_text", "text": "Nuevo problema"},
         "submit": {"type": "plain_text", "text": "Guardar"},
         "blocks": [{"type": "input", "block_id": "titulo",
                     "label": {"type": "plain_text", "text": "Título"},
                     "element": {"type": "plain_text_input", "action_id": "valor"}}]}


def mesa_app(slack: FakeSlack) -> AsyncApp:
    """A small app using each kind of listener the Slack face will need."""
    app = AsyncApp(signing_secret=SIGNING_SECRET,
                   client=AsyncWebClient(token=slack.token, base_url=slack.base_url))

    @app.command("/mesa")
    async def mesa(ack: AsyncAck, command: dict[str, Any], say: AsyncSay,
                   respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        if command["text"] == "formulario":
            await client.views_open(trigger_id=command["trigger_id"],
                                    view={**MODAL, "private_metadata": command["channel_id"]})
        elif command["text"] == "privado":
            await respond(f"Solo para ti, <@{command['user_id']}>")
        else:
            await say(text=f"Recibido: {command['text']}", blocks=[
                {"type": "section", "text": {"type": "mrkdwn",
                                             "text": f"Recibido: {command['text']}"}},
                {"type": "actions", "block_id": "botones", "elements": [
                    {"type": "button", "action_id": "tomar", "value": "A-3",
                     "text": {"type": "plain_text", "text": "Tomar"}}]}])

    @app.action("tomar")
    async def tomar(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                    client: AsyncWebClient) -> None:
        await ack()
        await client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"],
                                 text=f"{body['user']['id']} tomó {action['value']}", blocks=[])

    @app.view("problema")
    async def problema(ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient) -> None:
        title = view["state"]["values"]["titulo"]["valor"]["value"] or ""
        if not title.strip():
            await ack(response_action="errors", errors={"titulo": "Escribe un título"})
            return
        await ack()
        await client.chat_postMessage(channel=view["private_metadata"],
                                      text=f"Problema: {title}")

    @app.message_shortcut("a_problema")
    async def a_problema(ack: AsyncAck, shortcut: dict[str, Any],
                         client: AsyncWebClient) -> None:
        await ack()
        link = await client.chat_getPermalink(channel=shortcut["channel"]["id"],
                                              message_ts=shortcut["message"]["ts"])
        await client.views_open(trigger_id=shortcut["trigger_id"],
                                view={**MODAL, "private_metadata": link["permalink"]})

    @app.event("message")
    async def message(event: dict[str, Any], say: AsyncSay, request: AsyncBoltRequest) -> None:
        retry = request.headers.get("x-slack-retry-num", ["0"])[0]
        await say(f"eco {event['text']} (reintento {retry})")

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        info = await client.users_info(user=event["user"], include_locale=True)
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": [
            {"type": "section", "text": {"type": "mrkdwn",
                                         "text": f"Hola, idioma {info['user']['locale']}"}}]})

    return app


@pytest.fixture
async def http(slack: FakeSlack) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process, through Bolt's ASGI adapter."""
    slack.add_user(ROSA, "Rosa Quispe", locale="es-ES")
    slack.add_user(TOM, "Tom Baker", locale="en-US")
    slack.add_channel(CHANNEL, "mesa-agua")
    handler = AsyncSlackRequestHandler(mesa_app(slack))
    transport = httpx.ASGITransport(app=handler)  # type: ignore[arg-type]  # ASGI dict types
    async with httpx.AsyncClient(transport=transport,
                                 base_url="http://slack.test") as client:
        yield client


@pytest.fixture
async def port_http(slack: FakeSlack) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a real port, served by aiohttp as ``AsyncApp.web_app()`` sets it up."""
    slack.add_user(ROSA, "Rosa Quispe")
    slack.add_channel(CHANNEL, "mesa-agua")
    runner = web.AppRunner(mesa_app(slack).web_app(path=EVENTS_PATH))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        yield client
    await runner.cleanup()


def test_the_signature_is_the_one_slack_sdk_verifies() -> None:
    verifier = SignatureVerifier(SIGNING_SECRET)
    request = SlackRequests().command(ROSA, CHANNEL, "agenda")
    timestamp = request.headers["X-Slack-Request-Timestamp"]
    assert request.headers["X-Slack-Signature"] == verifier.generate_signature(
        timestamp=timestamp, body=request.body)
    assert verifier.is_valid(request.body, timestamp, request.headers["X-Slack-Signature"])
    assert not verifier.is_valid(request.body, timestamp,
                                 signature(SIGNING_SECRET, timestamp, request.body + "x"))


async def test_a_command_is_acked_and_its_message_reaches_the_channel(
        slack: FakeSlack, slack_requests: SlackRequests, http: httpx.AsyncClient) -> None:
    response = await slack_requests.command(ROSA, CHANNEL, "problema Faltan tuberías").send(http)
    assert response.status_code == 200
    message = await slack.wait_for_text(CHANNEL, "Recibido: problema Faltan tuberías")
    assert message["blocks"][1]["elements"][0]["action_id"] == "tomar"
    assert len(slack.sent_calls("auth.test")) == 1  # Bolt checks its token on the first request


async def test_respond_goes_to_the_response_url(slack: FakeSlack,
                                                slack_requests: SlackRequests,
                                                http: httpx.AsyncClient) -> None:
    await slack_requests.command(TOM, CHANNEL, "privado").send(http)
    (response,) = await slack.wait_for_response(CHANNEL)
    assert response["text"] == f"Solo para ti, <@{TOM}>"
    assert slack.sent(CHANNEL) == []  # an ephemeral response is not a channel message


async def test_a_button_press_updates_the_message(slack: FakeSlack,
                                                  slack_requests: SlackRequests,
                                                  http: httpx.AsyncClient) -> None:
    await slack_requests.command(ROSA, CHANNEL, "agenda").send(http)
    message = await slack.wait_for_text(CHANNEL, "Recibido: agenda")
    response = await slack_requests.block_action(TOM, CHANNEL, message, "tomar", "A-3").send(http)
    assert response.status_code == 200
    await slack.wait_for_text(CHANNEL, f"{TOM} tomó A-3")
    assert len(slack.sent(CHANNEL)) == 1  # updated, not posted again
    with pytest.raises(AssertionError, match="no button"):
        slack_requests.block_action(TOM, CHANNEL, message, "tomar", "A-9")


async def test_a_modal_opens_refuses_an_empty_title_and_posts_on_submit(
        slack: FakeSlack, slack_requests: SlackRequests, http: httpx.AsyncClient) -> None:
    await slack_requests.command(ROSA, CHANNEL, "formulario").send(http)
    view = await slack.wait_for_view(ROSA)
    assert view["callback_id"] == "problema" and view["private_metadata"] == CHANNEL
    empty = await slack_requests.view_submission(ROSA, view, {"titulo": {"valor": "  "}}).send(
        http)
    assert empty.status_code == 200
    assert empty.json() == {"response_action": "errors",
                            "errors": {"titulo": "Escribe un título"}}
    full = slack_requests.view_submission(ROSA, view, {"titulo": {"valor": "Sin agua"}})
    assert (await full.send(http)).status_code == 200
    (message,) = await slack.wait_for_messages(CHANNEL, 1)
    assert message["text"] == "Problema: Sin agua"


async def test_a_message_shortcut_gets_the_permalink(slack: FakeSlack,
                                                     slack_requests: SlackRequests,
                                                     http: httpx.AsyncClient) -> None:
    said = slack.type(TOM, CHANNEL, "The permit is stuck at the ministry")
    await slack_requests.message_shortcut(ROSA, CHANNEL, said, "a_problema").send(http)
    view = await slack.wait_for_view(ROSA)
    assert view["private_metadata"] == slack.permalink(CHANNEL, said["ts"])


async def test_an_event_and_its_retry_carry_the_same_event_id(
        slack: FakeSlack, slack_requests: SlackRequests, http: httpx.AsyncClient) -> None:
    first = slack_requests.message(ROSA, CHANNEL, "hola")
    assert (await first.send(http)).status_code == 200
    await slack.wait_for_text(CHANNEL, "eco hola (reintento 0)")
    again = slack_requests.retry(first, 1)
    assert again.data["event_id"] == first.data["event_id"]
    assert (await again.send(http)).status_code == 200
    # Bolt itself does not drop retries: deduplicating them is the app's job
    await slack.wait_for_text(CHANNEL, "eco hola (reintento 1)")


async def test_app_home_opened_publishes_a_home_in_the_users_locale(
        slack: FakeSlack, slack_requests: SlackRequests, http: httpx.AsyncClient) -> None:
    await slack_requests.app_home_opened(TOM).send(http)
    await slack.wait_for_home(TOM, "Hola, idioma en-US")


async def test_url_verification_echoes_the_challenge(slack_requests: SlackRequests,
                                                     http: httpx.AsyncClient) -> None:
    response = await slack_requests.url_verification("reto-123").send(http)
    assert response.status_code == 200 and response.json() == {"challenge": "reto-123"}


async def test_a_forged_or_stale_request_gets_401_and_does_nothing(
        slack: FakeSlack, slack_requests: SlackRequests, http: httpx.AsyncClient) -> None:
    forged = slack_requests.command(ROSA, CHANNEL, "falso").forged()
    stale = slack_requests.command(ROSA, CHANNEL, "viejo", age=6 * 60)
    assert (await forged.send(http)).status_code == 401
    assert (await stale.send(http)).status_code == 401
    await slack_requests.command(ROSA, CHANNEL, "verdadero").send(http)
    await slack.wait_for_text(CHANNEL, "Recibido: verdadero")
    assert [m["text"] for m in slack.sent(CHANNEL)] == ["Recibido: verdadero"]


async def test_a_request_four_minutes_old_is_still_accepted(
        slack: FakeSlack, slack_requests: SlackRequests, http: httpx.AsyncClient) -> None:
    assert (await slack_requests.command(ROSA, CHANNEL, "tarde", age=4 * 60).send(
        http)).status_code == 200
    await slack.wait_for_text(CHANNEL, "Recibido: tarde")


async def test_over_a_real_port(slack: FakeSlack, slack_requests: SlackRequests,
                                port_http: httpx.AsyncClient) -> None:
    assert (await slack_requests.command(ROSA, CHANNEL, "x").forged().send(
        port_http)).status_code == 401
    assert (await slack_requests.command(ROSA, CHANNEL, "y", age=600).send(
        port_http)).status_code == 401
    response = await slack_requests.command(ROSA, CHANNEL, "por la red").send(port_http)
    assert response.status_code == 200
    message = await slack.wait_for_text(CHANNEL, "Recibido: por la red")
    await slack_requests.block_action(ROSA, CHANNEL, message, "tomar", "A-3").send(port_http)
    await slack.wait_for_text(CHANNEL, f"{ROSA} tomó A-3")
    await slack_requests.message(ROSA, CHANNEL, "evento").send(port_http)
    await slack.wait_for_text(CHANNEL, "eco evento (reintento 0)")
    assert [m["text"] for m in slack.sent(CHANNEL)] == [f"{ROSA} tomó A-3",
                                                        "eco evento (reintento 0)"]
