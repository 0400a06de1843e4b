"""The app manifest (``slack/manifest.json``) a newcomer pastes into Slack to create the
app: it must ask for what the face uses, neither less (a command or an event that never
arrives, a call refused for a missing scope) nor more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from bot.handlers.slack import forms, intake
from bot.handlers.slack.face import SlackFace
from tests.handlers.slack.conftest import GROUND, TEAM_CHANNEL
from tests.slack_requests import SlackRequests
from tests.slack_server import FakeSlack

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "slack" / "manifest.json"
FACE_SOURCE = ROOT / "bot" / "handlers" / "slack" / "face.py"
#: The bot scope each Web API method needs, as Slack's method pages say (None: no scope).
SCOPE_OF = {
    "auth.test": None, "chat.postMessage": "chat:write", "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write", "chat.getPermalink": None, "users.info": "users:read",
    "conversations.open": "im:write", "views.open": None, "views.update": None,
    "views.publish": None, "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
#: The bot events of the manifest, by the event type the face acts on.
EVENT_OF = {"app_home_opened": "app_home_opened", "message.im": "message",
            "message.channels": "message", "message.groups": "message"}


def _manifest() -> dict[str, Any]:
    return dict(json.loads(MANIFEST.read_text()))


def test_its_events_are_the_ones_the_face_acts_on() -> None:
    events = _manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert {EVENT_OF[e] for e in events} == set(intake.EVENTS)
    assert "commands" in _manifest()["oauth_config"]["scopes"]["bot"]
    assert _manifest()["features"]["app_home"]["home_tab_enabled"]
    assert _manifest()["settings"]["interactivity"]["is_enabled"]
    # the message shortcut is the one the face opens a form for
    assert [(s["type"], s["callback_id"]) for s in _manifest()["features"]["shortcuts"]] \
        == [("message", forms.FROM_MESSAGE)]
    urls = {_manifest()["settings"]["event_subscriptions"]["request_url"],
            _manifest()["settings"]["interactivity"]["request_url"],
            *(c["url"] for c in _manifest()["features"]["slash_commands"])}
    assert {url.rsplit("/", 2)[-2:] == ["slack", "events"] for url in urls} == {True}


async def test_its_slash_command_is_answered_and_its_scopes_cover_every_call(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    (command,) = [c["command"] for c in _manifest()["features"]["slash_commands"]]
    send = slack_requests
    rosa, maria = people["rosa"], people["maria"]
    await send.command(rosa, GROUND, "vincular grupo", command=command).send(app)
    await slack.wait_for_answer(GROUND, "como grupo de la mesa")
    await send.command(rosa, TEAM_CHANNEL, "vincular equipo", command=command).send(app)
    await send.command(rosa, TEAM_CHANNEL, "sesion viernes 10:00", command=command).send(app)
    await slack.wait_for_answer(TEAM_CHANNEL, "Sesión 1 programada")
    dm = slack.dm(maria)["id"]
    await send.message(maria, dm, "problema Guías lentas").send(app)
    await slack.wait_for_text(dm, "Registrado como P-1")
    await send.app_home_opened(maria).send(app)
    await slack.wait_for_home(maria)
    await send.command(rosa, TEAM_CHANNEL, "agenda", command=command).send(app)
    await slack.wait_for_files(TEAM_CHANNEL, 3)
    said = slack.type(maria, GROUND, "Guías en papel")
    await send.message_shortcut(maria, GROUND, said, forms.FROM_MESSAGE).send(app)
    modal = await slack.wait_for_view(maria)
    await send.view_submission(maria, modal, {"title": {"value": "Guías en papel"}}).send(app)
    await slack.wait_for_answer(GROUND, "Registrado como P-2")

    called = {method for method, _ in slack.calls}
    assert {"files.completeUploadExternal", "users.info", "views.open",
            "chat.getPermalink"} <= called
    unknown = called - set(SCOPE_OF)
    assert not unknown, f"add the scope these methods need to SCOPE_OF and the manifest: {unknown}"
    needed = {SCOPE_OF[m] for m in called} - {None}
    granted = set(_manifest()["oauth_config"]["scopes"]["bot"])
    assert needed <= granted
    # nothing asked for that no call or event needs: commands for the slash command,
    # *:history for the message events, im:write for conversations.open (a file for a
    # person's messages with the bot, which this walk does not reach)
    assert "conversations_open" in FACE_SOURCE.read_text()
    assert granted - needed <= {"commands", "im:history", "channels:history",
                                "groups:history", "im:write"}
