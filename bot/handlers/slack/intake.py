"""What Slack sends, stored in the inbox before Slack is told it arrived.

Bolt acknowledges an event before its listener runs, and Slack does not retry a
request it got a 200 for: what the bot has to do is therefore stored by a global
middleware of the app Slack talks to, after Bolt has verified the signature and the
timestamp (a forged or stale request is answered 401 before it gets here) and before
the 200 leaves. The stored request is processed later, from the database, through a
second Bolt app (see :mod:`bot.handlers.slack.face`), and marked done with its effects.

Each request is keyed by what Slack gives it that is unique: an event's ``event_id``
(the same on Slack's retries, so a retry of a stored event changes nothing, while a
retry whose first delivery was never stored is stored now), an interaction's or a
slash command's ``trigger_id``. The inbox keys are numbers, so the key is hashed to 63
bits (a collision between two of one workspace's requests within the inbox's two days is
beyond any real chance).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.storage.inbox import Incoming

log = logging.getLogger(__name__)

#: The events the bot acts on; any other is acknowledged and forgotten.
EVENTS = ("message", "app_home_opened")


@dataclass(frozen=True)
class Stored:
    """What a request becomes in the inbox."""

    incoming: Incoming
    kind: str


def number(key: str) -> int:
    """A request's unique string as the inbox's 63-bit number."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 1


def _event_wanted(event: dict[str, Any]) -> bool:
    kind = event.get("type")
    if kind == "app_home_opened":
        return bool(event.get("tab", "home") == "home")
    if kind != "message" or event.get("subtype") or event.get("bot_id"):
        return False  # edits, joins, other bots: nothing to do
    in_thread = event.get("thread_ts") not in (None, event.get("ts"))
    return event.get("channel_type") == "im" or in_thread


def durable(body: dict[str, Any]) -> Stored | None:
    """The inbox row for a request that must be processed, or None for one that needs
    nothing stored (an event the bot ignores, or what the app answers at once)."""
    payload = {"body": body}
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        if not body.get("event_id") or not _event_wanted(event):
            return None
        chat = str(event.get("channel") or event.get("user") or "none")
        if event.get("type") == "app_home_opened":
            # queued with the person's presses in the Home (which carry no channel), so
            # their Home's requests run in order and no publish shows an older state
            chat = str(event.get("user") or chat)
        return Stored(Incoming(number(f"event:{body['event_id']}"), chat, payload),
                      f"event:{event.get('type')}")
    if body.get("command") and body.get("trigger_id"):
        return Stored(Incoming(number(f"command:{body['trigger_id']}"),
                               str(body.get("channel_id") or "none"), payload), "command")
    if body.get("type") in ("block_actions", "view_submission") and body.get("trigger_id"):
        channel = (body.get("channel") or {}).get("id") or (body.get("user") or {}).get("id")
        return Stored(Incoming(number(f"{body['type']}:{body['trigger_id']}"),
                               str(channel or "none"), payload), str(body["type"]))
    return None


Store = Callable[[Incoming], Awaitable[None]]


def middleware(store: Store, *, wanted: Callable[[AsyncBoltRequest], bool]
               ) -> Callable[..., Awaitable[BoltResponse | None]]:
    """The global middleware of the app Slack talks to: a request ``wanted`` for the
    inbox is stored and acknowledged; any other goes on to that app's own listeners
    (which answer at once: opening a modal, checking a form before it closes)."""

    async def store_before_ack(req: AsyncBoltRequest, resp: BoltResponse,
                               next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        if not wanted(req):
            await next()
            return None
        stored = durable(req.body)
        if stored is None:
            return BoltResponse(status=200, body="")
        await store(stored.incoming)  # raises if the database fails: Slack gets a 500
        log.debug("stored %s %s", stored.kind, stored.incoming.update_id)
        return BoltResponse(status=200, body="")

    return store_before_ack


def raw(body: dict[str, Any]) -> str:
    """A stored body as JSON, as the worker app is given it back."""
    return json.dumps(body)
