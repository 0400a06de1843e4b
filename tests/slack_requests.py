"""Requests as Slack sends them to an app: signed, with the bodies Slack builds.

Slack signs every request (v0: HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the app's
signing secret) and the app must refuse a bad signature or a timestamp more than five
minutes off. Slash commands and interactions (buttons, modals, shortcuts) come
form-encoded, interactions as a ``payload`` field holding JSON; events come as a JSON
body, and a retried event carries ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason`` with the
same ``event_id``. The shapes follow slack_bolt's own tests (tests/scenario_tests_async).

With a :class:`~tests.slack_server.FakeSlack`, ``trigger_id`` and ``response_url`` come
from the fake, so a listener's ``views.open`` and ``respond()`` reach it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.slack_server import BOT, TEAM, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
EVENTS_PATH = "/slack/events"


def signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 request signature."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedRequest:
    """One HTTP request from Slack: the raw body and the headers that sign it."""

    body: str
    headers: dict[str, str] = field(default_factory=dict)
    #: What it carries, decoded (the event envelope, the interaction payload, the form).
    data: Mapping[str, Any] = field(default_factory=dict)

    def forged(self) -> SignedRequest:
        """The same request with a signature made with the wrong secret."""
        timestamp = self.headers["X-Slack-Request-Timestamp"]
        return replace(self, headers={**self.headers, "X-Slack-Signature":
                                      signature("not-the-secret", timestamp, self.body)})

    async def send(self, client: httpx.AsyncClient, path: str = EVENTS_PATH) -> httpx.Response:
        """POST it with ``client`` (an ASGI transport or a real base URL)."""
        return await client.post(path, content=self.body.encode(), headers=self.headers)


class SlackRequests:
    """Builds the requests Slack would send to the app for what people do.

    ``clock`` gives the Unix time the requests are signed with: Slack signs with the real
    time, and Bolt checks it against the real time, so a test's held clock does not belong
    here (pass ``age`` to a builder for a stale request instead).
    """

    def __init__(self, signing_secret: str = SIGNING_SECRET, fake: FakeSlack | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.signing_secret = signing_secret
        self.fake = fake
        self.clock = clock
        self._ids = itertools.count(1)

    # signing

    def sign(self, body: str, content_type: str, age: float = 0,
             data: Mapping[str, Any] | None = None) -> SignedRequest:
        """Sign ``body`` as sent ``age`` seconds ago."""
        timestamp = str(int(self.clock() - age))
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": signature(self.signing_secret, timestamp, body),
                   "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        return SignedRequest(body, headers, data or {})

    def retry(self, request: SignedRequest, number: int = 1,
              reason: str = "http_timeout") -> SignedRequest:
        """Slack's retry of ``request``: the same body (so the same ``event_id``), signed
        anew at the current time, with ``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``."""
        again = self.sign(request.body, request.headers["Content-Type"], data=request.data)
        return replace(again, headers={**again.headers, "X-Slack-Retry-Num": str(number),
                                       "X-Slack-Retry-Reason": reason})

    def form(self, fields: Mapping[str, str], age: float = 0) -> SignedRequest:
        return self.sign(urlencode(fields), "application/x-www-form-urlencoded", age, fields)

    def interaction(self, payload: Mapping[str, Any], age: float = 0) -> SignedRequest:
        body = urlencode({"payload": json.dumps(payload)})
        return self.sign(body, "application/x-www-form-urlencoded", age, payload)

    def envelope(self, envelope: Mapping[str, Any], age: float = 0) -> SignedRequest:
        return self.sign(json.dumps(envelope), "application/json", age, envelope)

    # slash commands

    def command(self, user: str, channel: str, text: str, command: str = "/mesa",
                age: float = 0, channel_name: str = "mesa") -> SignedRequest:
        """``user`` typed ``{command} {text}`` in ``channel``."""
        return self.form({
            "token": "verification-token-unused", "team_id": TEAM["id"],
            "team_domain": TEAM["domain"], "channel_id": channel, "channel_name": channel_name,
            "user_id": user, "user_name": self._user_name(user), "command": command,
            "text": text, "api_app_id": BOT["app_id"], "is_enterprise_install": "false",
            "response_url": self._response_url(channel), "trigger_id": self._trigger(user),
        }, age)

    # events

    def event(self, event: Mapping[str, Any], event_id: str | None = None,
              age: float = 0) -> SignedRequest:
        """An ``event_callback`` wrapping ``event``; a new ``event_id`` unless given."""
        event_time = int(self.clock() - age)
        return self.envelope({
            "token": "verification-token-unused", "team_id": TEAM["id"],
            "api_app_id": BOT["app_id"], "event": dict(event), "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}", "event_time": event_time,
            "authorizations": [{"enterprise_id": None, "team_id": TEAM["id"],
                                "user_id": BOT["user_id"], "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": f"4-ctx-{next(self._ids)}",
        }, age)

    def message(self, user: str, channel: str, text: str, age: float = 0) -> SignedRequest:
        """The ``message`` event for ``user`` writing ``text`` (kept in the fake if any)."""
        if self.fake is not None:
            message = self.fake.type(user, channel, text)
        else:
            message = {"type": "message", "user": user, "text": text,
                       "ts": f"{int(self.clock())}.{next(self._ids):06d}", "team": TEAM["id"],
                       "channel": channel}
        channel_type = "im" if channel.startswith("D") else "channel"
        return self.event({**message, "event_ts": message["ts"],
                           "channel_type": channel_type}, age=age)

    def app_home_opened(self, user: str, tab: str = "home") -> SignedRequest:
        channel = self.fake.dm(user)["id"] if self.fake is not None else "D" + user[1:]
        return self.event({"type": "app_home_opened", "user": user, "channel": channel,
                           "tab": tab, "event_ts": f"{int(self.clock())}.000100"})

    def url_verification(self, challenge: str) -> SignedRequest:
        return self.envelope({"token": "verification-token-unused", "challenge": challenge,
                              "type": "url_verification"})

    # interactions

    def block_action(self, user: str, channel: str, message: Mapping[str, Any],
                     action_id: str, value: str, block_id: str | None = None,
                     age: float = 0) -> SignedRequest:
        """``user`` pressed the button ``action_id`` (carrying ``value``) under ``message``
        (a message the bot posted, as the fake recorded it)."""
        button = self._find_button(message, action_id, value)
        action = {"action_id": action_id, "block_id": block_id or button.get("_block_id", "b"),
                  "text": button.get("text", {"type": "plain_text", "text": value}),
                  "value": value, "type": "button",
                  "action_ts": f"{int(self.clock())}.{next(self._ids):06d}"}
        return self.interaction({
            "type": "block_actions", "user": self._user(user), "api_app_id": BOT["app_id"],
            "token": "verification-token-unused",
            "container": {"type": "message", "message_ts": message["ts"],
                          "channel_id": channel, "is_ephemeral": False},
            "trigger_id": self._trigger(user), "team": self._team(),
            "enterprise": None, "is_enterprise_install": False,
            "channel": {"id": channel, "name": "mesa"},
            "message": {k: v for k, v in message.items() if not k.startswith("_")},
            "state": {"values": {}}, "response_url": self._response_url(channel),
            "actions": [action],
        }, age)

    def home_action(self, user: str, home: Mapping[str, Any], action_id: str, value: str,
                    block_id: str | None = None, age: float = 0) -> SignedRequest:
        """``user`` pressed a button of their App Home ``home`` (the view as the fake
        recorded it; in the block ``block_id`` if given, else the first that has it):
        the container is the view, and there is no channel and no ``response_url``."""
        blocks = [b for b in home.get("blocks") or []
                  if block_id is None or b.get("block_id") == block_id]
        button = self._find_button({"blocks": blocks}, action_id, value)
        action = {"action_id": action_id, "block_id": button["_block_id"],
                  "text": button.get("text", {"type": "plain_text", "text": value}),
                  "value": value, "type": "button",
                  "action_ts": f"{int(self.clock())}.{next(self._ids):06d}"}
        return self.interaction({
            "type": "block_actions", "user": self._user(user), "api_app_id": BOT["app_id"],
            "token": "verification-token-unused",
            "container": {"type": "view", "view_id": home["id"]},
            "trigger_id": self._trigger(user), "team": self._team(),
            "enterprise": None, "is_enterprise_install": False,
            "view": {k: v for k, v in home.items() if not k.startswith("_")},
            "state": {"values": {}}, "actions": [action],
        }, age)

    def view_submission(self, user: str, view: Mapping[str, Any],
                        values: Mapping[str, Mapping[str, Any]],
                        age: float = 0) -> SignedRequest:
        """``user`` submitted the modal ``view`` (as the fake recorded it) with ``values``:
        ``{block_id: {action_id: "typed text" | {"type": ..., ...}}}``; a string stands for
        a plain_text_input's value."""
        state = {block: {action: ({"type": "plain_text_input", "value": answer}
                                  if isinstance(answer, str) or answer is None else dict(answer))
                         for action, answer in fields.items()}
                 for block, fields in values.items()}
        submitted = {k: v for k, v in view.items() if not k.startswith("_")}
        submitted["state"] = {"values": state}
        return self.interaction({
            "type": "view_submission", "team": self._team(), "user": self._user(user),
            "api_app_id": BOT["app_id"], "token": "verification-token-unused",
            "trigger_id": self._trigger(user), "view": submitted, "response_urls": [],
            "is_enterprise_install": False, "enterprise": None,
        }, age)

    def message_shortcut(self, user: str, channel: str, message: Mapping[str, Any],
                         callback_id: str, age: float = 0) -> SignedRequest:
        """``user`` chose the message shortcut ``callback_id`` on ``message``."""
        return self.interaction({
            "type": "message_action", "token": "verification-token-unused",
            "action_ts": f"{int(self.clock())}.{next(self._ids):06d}", "team": self._team(),
            "user": {"id": user, "name": self._user_name(user)},
            "channel": {"id": channel, "name": "mesa"}, "is_enterprise_install": False,
            "enterprise": None, "callback_id": callback_id,
            "trigger_id": self._trigger(user), "message_ts": message["ts"],
            "message": {k: v for k, v in message.items() if not k.startswith("_")},
            "response_url": self._response_url(channel),
        }, age)

    # inside

    def _trigger(self, user: str) -> str:
        if self.fake is not None:
            return self.fake.trigger(user)
        return f"{next(self._ids)}.{TEAM['id']}.trigger"

    def _response_url(self, channel: str) -> str:
        if self.fake is not None:
            return self.fake.response_url(channel)
        return f"https://hooks.slack.com/commands/{TEAM['id']}/{next(self._ids)}/unused"

    def _user_name(self, user: str) -> str:
        if self.fake is not None and user in self.fake.users:
            return str(self.fake.users[user]["name"])
        return user.lower()

    def _user(self, user: str) -> dict[str, str]:
        return {"id": user, "username": self._user_name(user), "name": self._user_name(user),
                "team_id": TEAM["id"]}

    @staticmethod
    def _team() -> dict[str, str]:
        return {"id": TEAM["id"], "domain": TEAM["domain"]}

    @staticmethod
    def _find_button(message: Mapping[str, Any], action_id: str, value: str) -> dict[str, Any]:
        """The button a person can see under the message: pressing one that is not there is
        a test mistake, so it fails here rather than in the app."""
        for block in message.get("blocks") or []:
            for element in block.get("elements") or [block.get("accessory") or {}]:
                if element.get("action_id") == action_id and element.get("value") == value:
                    return {**element, "_block_id": block.get("block_id", "b")}
        raise AssertionError(f"no button {action_id}={value!r} in {message.get('blocks')}")
