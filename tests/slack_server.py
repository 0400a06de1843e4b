"""A local server that answers the Slack Web API methods Mesa bot calls, the way Slack does.

It is the Slack twin of ``tests/telegram_server.py``: it keeps users, channels, messages and
views, records every call, and lets tests inject the failures Slack produces (429 with a
``Retry-After`` header, ``ok: false`` errors, 5xx, a revoked token). Give it to slack_sdk as
``AsyncWebClient(token=fake.token, base_url=fake.base_url)``.

What Slack does and the fake does too, because a bot that gets it wrong breaks in production:
- every answer is HTTP 200 with ``{"ok": false, "error": ...}`` for API errors (only rate
  limits are 429, with ``Retry-After`` in seconds); a missing token is ``not_authed``, a wrong
  one ``invalid_auth``;
- parameters come as a query string, a form or a JSON body (slack_sdk sends chat.* and views.*
  as JSON, the rest as query/form); JSON-looking form values (``blocks``, ``view``) are parsed;
- ``users.info`` includes ``locale`` only when asked with ``include_locale=true``;
- a message may carry at most 50 blocks (a view 100) and a text object at most 3,000
  characters, else ``invalid_blocks``; a message needs ``text`` or ``blocks`` (``no_text``);
- ``chat.postMessage`` to a user id lands in the bot's DM with that user (channel ``D...``);
- a ``trigger_id`` opens one view, once (``exchanged_trigger_id`` after, ``invalid_trigger_id``
  for one Slack never issued): tests mint them with :meth:`FakeSlack.trigger`;
- ``views.update`` with a stale ``hash`` is a ``hash_conflict``;
- a ``response_url`` (minted with :meth:`FakeSlack.response_url`) answers ``ok`` as text;
- Socket Mode: ``apps.connections.open`` takes only the app-level token (``xapp-``; the bot
  token is ``not_allowed_token_type``) and answers a WebSocket URL, which greets with
  ``hello`` and then carries envelopes (:meth:`FakeSlack.deliver`); an envelope not acked
  when its connection ends is delivered again on the next connection with
  ``retry_attempt`` one higher and ``retry_reason``, as Slack does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TEAM = {"id": "T0MESA", "name": "Mesa Test", "domain": "mesa-test"}
BOT = {"user_id": "U0MESABOT", "bot_id": "B0MESABOT", "name": "mesa", "app_id": "A0MESA"}

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_OBJECT = 3000
MAX_MESSAGE_TEXT = 40000


@dataclass
class Failure:
    status: int
    error: str
    retry_after: int | None = None


@dataclass
class FakeSlack:
    token: str = "xoxb-0000-mesa-test-token"
    #: Every Web API call, in order: (method, parameters).
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Slack's private per-user fields, answered only when asked (``locale``).
    locales: dict[str, str] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Every message in a channel, people's and the bot's (``bot_id`` set), oldest first.
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: chat.postEphemeral per channel: each ``{"user", "text", "blocks", "message_ts"}``.
    ephemerals: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: What was posted to each response_url, per channel (``response_type`` kept).
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Modals by view id, as Slack keeps them (with ``hash``, ``state``).
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The modals opened for each user, oldest first (views.open).
    opened: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: The App Home each user sees (views.publish), latest only.
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Files shared in each channel (files.completeUploadExternal), oldest first: each
    #: ``{"id", "title", "name", "content"}`` with the uploaded bytes.
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Answers queued per method; None answers normally (a failure after some successes).
    failures: dict[str, list[Failure | None]] = field(default_factory=dict)
    #: Methods that fail on every call until :meth:`recover` (a platform that is down).
    outages: dict[str, Failure] = field(default_factory=dict)
    revoked: bool = False
    #: The app-level token Socket Mode connects with.
    app_token: str = "xapp-1-A0MESA-0000-mesa-test-app-token"
    #: Socket Mode: every envelope sent, by id, and the ack (its ``payload`` or {}) of each
    #: envelope acknowledged, by id.
    envelopes: dict[str, dict[str, Any]] = field(default_factory=dict)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: How many Socket Mode connections were opened.
    connections: int = 0

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._triggers: dict[str, str] = {}  # trigger_id -> user; removed once used
        self._exchanged: set[str] = set()
        self._response_urls: dict[str, str] = {}  # key -> channel
        self._uploads: dict[str, dict[str, Any]] = {}  # file_id -> name, length, content
        self._changed = asyncio.Event()
        self._sockets: list[web.WebSocketResponse] = []
        self._tickets: set[str] = set()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # the server

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link/", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.origin = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.origin}/api/"  # slack_sdk appends the method name
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        token = _bearer(request) or params.pop("token", None)
        if not token:
            return _answer({"ok": False, "error": "not_authed"})
        if method == "apps.connections.open":
            return _answer(self._connections_open(token))
        if token == self.app_token:
            return _answer({"ok": False, "error": "not_allowed_token_type"})
        if token != self.token or self.revoked:
            return _answer({"ok": False, "error": "invalid_auth"})
        queued = self.failures.get(method)
        failure = queued.pop(0) if queued else self.outages.get(method)
        if failure is not None:
            return _failure(failure)
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return _answer({"ok": False, "error": "unknown_method"}, status=404)
        answer: dict[str, Any] = handler(params)
        if answer.get("ok", True):
            self._changed.set()
            return _answer({"ok": True, **answer})
        return _answer(answer)

    async def _respond(self, request: web.Request) -> web.Response:
        """A response_url: Slack answers a plain ``ok`` and posts to the channel it came from."""
        channel = self._response_urls.get(request.match_info["key"])
        if channel is None:
            return web.Response(status=404, text="no_response_url")
        body = await request.json()
        invalid = _check_message(body)
        if invalid:  # Slack checks what goes through a response_url as chat.postMessage
            return web.Response(status=400, text=invalid)
        self.responses.setdefault(channel, []).append(body)
        if body.get("response_type") == "in_channel" and not body.get("replace_original"):
            self._post(channel, body, user=None)
        self._changed.set()
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """An upload URL from files.getUploadURLExternal: the file's bytes, once."""
        upload = self._uploads.get(request.match_info["file_id"])
        if upload is None or "content" in upload:
            return web.Response(status=404, text="not_found")
        upload["content"] = await request.read()
        return web.Response(text=f"OK - {len(upload['content'])}")

    # Socket Mode

    def _connections_open(self, token: str) -> dict[str, Any]:
        if token == self.token:
            return {"ok": False, "error": "not_allowed_token_type"}
        if token != self.app_token or self.revoked:
            return {"ok": False, "error": "invalid_auth"}
        ticket = f"t{next(self._ids)}"
        self._tickets.add(ticket)
        return {"ok": True, "url": f"ws://{self.origin.removeprefix('http://')}/link/"
                                   f"?ticket={ticket}&app_id={BOT['app_id']}"}

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        """A Socket Mode connection: ``hello``, then what is owed, then acks as they come."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            raise web.HTTPUnauthorized(text="invalid_ticket")
        self._tickets.discard(ticket)  # a URL from apps.connections.open serves once
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.connections += 1
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "debug_info": {"host": "applink-fake", "approximate_"
                                               "connection_time": 18060},
                                "connection_info": {"app_id": BOT["app_id"]}})
        for envelope in list(self.envelopes.values()):
            if envelope["envelope_id"] not in self.acks and envelope.get("_owed"):
                envelope["retry_attempt"] += 1
                envelope["retry_reason"] = "timeout"
                envelope["_owed"], envelope["_socket"] = False, socket
                await socket.send_json(_public(envelope))
        self._sockets.append(socket)
        try:
            async for frame in socket:
                if frame.type == WSMsgType.TEXT:
                    ack = json.loads(frame.data)
                    if ack.get("envelope_id") in self.envelopes:
                        self.acks[ack["envelope_id"]] = ack.get("payload") or {}
                        self._changed.set()
        finally:
            if socket in self._sockets:
                self._sockets.remove(socket)
            for envelope in self.envelopes.values():  # what the dead connection owed
                if envelope["envelope_id"] not in self.acks and envelope["_socket"] is socket:
                    envelope["_owed"] = True
        return socket

    async def deliver(self, kind: str, payload: Mapping[str, Any]) -> str:
        """Send one envelope (``events_api``, ``slash_commands`` or ``interactive``) on
        the open connection, or keep it owed until one opens; its ``envelope_id``."""
        envelope_id = f"env-{next(self._ids)}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id, "payload": dict(payload), "type": kind,
            "accepts_response_payload": kind != "events_api", "retry_attempt": 0,
            "retry_reason": "", "_owed": True, "_socket": None}
        self.envelopes[envelope_id] = envelope
        if self._sockets:
            envelope["_owed"], envelope["_socket"] = False, self._sockets[-1]
            try:
                await self._sockets[-1].send_json(_public(envelope))
            except ConnectionError:  # the app died just now: owed to the next connection
                envelope["_owed"], envelope["_socket"] = True, None
        return envelope_id

    async def wait_for_ack(self, envelope_id: str) -> dict[str, Any]:
        """The ack of an envelope (its payload, or {}); fails after 10 s."""
        await self._wait(lambda: envelope_id in self.acks,
                         lambda: f"no ack for {envelope_id}")
        return self.acks[envelope_id]

    async def drop_connections(self) -> None:
        """Slack ends the connections (a ``disconnect`` first, as on a refresh)."""
        for socket in list(self._sockets):
            self._sockets.remove(socket)  # what comes next waits for the next connection
            await socket.send_json({"type": "disconnect", "reason": "refresh_requested",
                                    "debug_info": {"host": "applink-fake"}})
            await socket.close()

    # Web API methods

    def _api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"https://{TEAM['domain']}.slack.com/", "team": TEAM["name"],
                "user": BOT["name"], "team_id": TEAM["id"], "user_id": BOT["user_id"],
                "bot_id": BOT["bot_id"], "is_enterprise_install": False}

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        if channel is None:
            return _error("channel_not_found")
        invalid = _check_message(params)
        if invalid:
            return _error(invalid)
        if params.get("thread_ts") and self._find(channel, str(params["thread_ts"])) is None:
            return _error("thread_not_found")
        message = self._post(channel, params, user=None)
        return {"channel": channel, "ts": message["ts"], "message": _public(message)}

    def _api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        if channel is None:
            return _error("channel_not_found")
        message = self._find(channel, str(params.get("ts", "")))
        if message is None:
            return _error("message_not_found")
        if "bot_id" not in message:
            return _error("cant_update_message")
        invalid = _check_message(params)
        if invalid:
            return _error(invalid)
        message["text"] = params.get("text", "")
        message["blocks"] = params.get("blocks") or []
        message["edited"] = {"user": BOT["user_id"], "ts": self._next_ts()}
        return {"channel": channel, "ts": message["ts"], "text": message["text"],
                "message": _public(message)}

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        if channel is None:
            return _error("channel_not_found")
        if params.get("user") not in self.users:
            return _error("user_not_found")
        invalid = _check_message(params)
        if invalid:
            return _error(invalid)
        ephemeral = {"user": params["user"], "text": params.get("text", ""),
                     "blocks": params.get("blocks") or [], "message_ts": self._next_ts()}
        self.ephemerals.setdefault(channel, []).append(ephemeral)
        return {"message_ts": ephemeral["message_ts"]}

    def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = str(params.get("trigger_id", ""))
        if trigger in self._exchanged:
            return _error("exchanged_trigger_id")
        user = self._triggers.pop(trigger, None)
        if user is None:
            return _error("invalid_trigger_id")
        self._exchanged.add(trigger)
        view = params.get("view")
        invalid = _check_view(view, "modal")
        if invalid:
            return _error(invalid)
        stored = self._store_view(view, user)
        self.opened.setdefault(user, []).append(stored)
        return {"view": stored}

    def _api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        current = self.views.get(str(params.get("view_id", "")))
        if current is None and params.get("external_id"):
            current = next((v for v in self.views.values()
                            if v.get("external_id") == params["external_id"]), None)
        if current is None:
            return _error("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            return _error("hash_conflict")
        view = params.get("view")
        invalid = _check_view(view, current["type"])
        if invalid:
            return _error(invalid)
        assert isinstance(view, dict)
        current.update(view)
        current["hash"] = f"{next(self._ids)}.hash"
        return {"view": current}

    def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = params.get("user_id")
        if user not in self.users:
            return _error("user_not_found")
        view = params.get("view")
        invalid = _check_view(view, "home")
        if invalid:
            return _error(invalid)
        previous = self.homes.get(user)
        if params.get("hash") and previous is not None and params["hash"] != previous["hash"]:
            return _error("hash_conflict")
        self.homes[user] = self._store_view(view, user)
        return {"view": self.homes[user]}

    def _api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return _error("user_not_found")
        answer = dict(user)
        if _truthy(params.get("include_locale")) and user["id"] in self.locales:
            answer["locale"] = self.locales[user["id"]]
        return {"user": answer}

    def _api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel", "")))
        if channel is None:
            return _error("channel_not_found")
        return {"channel": dict(channel)}

    def _api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            channel = self.channels.get(str(params["channel"]))
            return {"channel": {"id": channel["id"]}} if channel else _error("channel_not_found")
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if not users:
            return _error("users_list_not_supplied")
        if len(users) > 1:
            return _error("not_enough_users")  # multi-person DMs are not something we use
        if users[0] not in self.users:
            return _error("user_not_found")
        dm = self.dm(users[0])
        return {"channel": {"id": dm["id"]}, "already_open": True}

    def _api_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        if channel is None:
            return _error("channel_not_found")
        ts = str(params.get("message_ts", ""))
        if self._find(channel, ts) is None:
            return _error("message_not_found")
        return {"channel": channel, "permalink": self.permalink(channel, ts)}

    def _api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("filename") or not str(params.get("length", "")).isdigit():
            return _error("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        self._uploads[file_id] = {"name": params["filename"], "length": int(params["length"])}
        return {"upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        channel = params.get("channel_id")
        if not isinstance(files, list) or not files:
            return _error("invalid_arguments")
        if channel is not None and channel not in self.channels:
            return _error("channel_not_found")  # a channel id: a user id is not accepted
        shared = []
        for item in files:
            upload = self._uploads.get(str(item.get("id")))
            if upload is None or "content" not in upload:
                return _error("file_not_found")
            if len(upload["content"]) != upload["length"]:
                return _error("file_upload_size_mismatch")
            shared.append({"id": item["id"], "title": item.get("title") or upload["name"],
                           "name": upload["name"], "content": upload["content"]})
        if channel is not None:
            self.files.setdefault(str(channel), []).extend(shared)
        return {"files": [{k: v for k, v in f.items() if k != "content"} for f in shared]}

    # what tests do: people, channels, typing, failures

    def add_user(self, user_id: str, name: str, locale: str = "es-ES",
                 tz: str = "America/Lima") -> dict[str, Any]:
        """A person in the workspace; ``locale`` is what users.info tells when asked for it."""
        user = {"id": user_id, "team_id": TEAM["id"], "name": name.lower().replace(" ", "."),
                "real_name": name, "tz": tz, "is_bot": False, "deleted": False,
                "profile": {"real_name": name, "display_name": name.split()[0]}}
        self.users[user_id] = user
        self.locales[user_id] = locale
        return user

    def add_channel(self, channel_id: str, name: str, private: bool = False) -> dict[str, Any]:
        """A channel the bot is a member of."""
        channel = {"id": channel_id, "name": name, "is_channel": not private,
                   "is_group": private, "is_im": False, "is_mpim": False,
                   "is_private": private, "is_archived": False, "is_member": True,
                   "context_team_id": TEAM["id"]}
        self.channels[channel_id] = channel
        return channel

    def dm(self, user_id: str) -> dict[str, Any]:
        """The bot's direct-message channel with a user (its App Home "Messages" tab)."""
        dm_id = "D" + user_id.removeprefix("U").removeprefix("W")
        if dm_id not in self.channels:
            self.channels[dm_id] = {"id": dm_id, "is_channel": False, "is_group": False,
                                    "is_im": True, "is_mpim": False, "is_private": True,
                                    "user": user_id, "is_open": True,
                                    "context_team_id": TEAM["id"]}
        return self.channels[dm_id]

    def type(self, user_id: str, channel_id: str, text: str,
             thread_ts: str | None = None) -> dict[str, Any]:
        """A message a person wrote in a channel (for events, shortcuts and permalinks)."""
        message = {"type": "message", "user": user_id, "text": text, "ts": self._next_ts(),
                   "team": TEAM["id"], "channel": channel_id}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages.setdefault(channel_id, []).append(message)
        return dict(message)

    def trigger(self, user_id: str) -> str:
        """A trigger_id Slack hands out with an interaction: it opens one view, once."""
        trigger_id = f"{next(self._ids)}.{TEAM['id']}.trigger"
        self._triggers[trigger_id] = user_id
        return trigger_id

    def response_url(self, channel_id: str) -> str:
        """A response_url for a command or an action in ``channel_id``."""
        key = f"r{next(self._ids)}"
        self._response_urls[key] = channel_id
        return f"{self.origin}/respond/{key}"

    def permalink(self, channel_id: str, ts: str) -> str:
        return f"https://{TEAM['domain']}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"

    def fail_next(self, method: str, status: int = 200, error: str = "internal_error",
                  retry_after: int | None = None, times: int = 1, after: int = 0) -> None:
        """The next ``times`` calls of ``method`` fail, once ``after`` calls succeeded.

        Slack's rate limit is ``fail_next(method, 429, "ratelimited", retry_after=1)``;
        an API error is status 200 with its error code, as Slack sends it.
        """
        self.failures.setdefault(method, []).extend(
            [None] * after + [Failure(status, error, retry_after)] * times
        )

    def go_down(self, method: str, status: int = 503, error: str = "service_unavailable",
                retry_after: int | None = None) -> None:
        """Every call of ``method`` fails until :meth:`recover`."""
        self.outages[method] = Failure(status, error, retry_after)

    def recover(self, method: str) -> None:
        self.outages.pop(method, None)

    def revoke_token(self) -> None:
        """The app was uninstalled or its token revoked: every call is ``invalid_auth``."""
        self.revoked = True

    # what tests read

    def sent(self, channel_id: str) -> list[dict[str, Any]]:
        """What the bot posted to a channel (or a user's DM, by user id), oldest first."""
        channel = self._channel_id(channel_id) or channel_id
        return [m for m in self.messages.get(channel, []) if "bot_id" in m]

    def sent_calls(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of ``method``, oldest first."""
        return [params for name, params in self.calls if name == method]

    async def wait_for_messages(self, channel_id: str, count: int) -> list[dict[str, Any]]:
        """The bot's messages to a channel once there are ``count``; fails after 10 s."""
        await self._wait(lambda: len(self.sent(channel_id)) >= count,
                         lambda: f"{channel_id}: wanted {count} messages, got "
                                 f"{[text_of(m) for m in self.sent(channel_id)]}")
        return self.sent(channel_id)

    async def wait_for_text(self, channel_id: str, fragment: str) -> dict[str, Any]:
        """The first bot message in a channel whose text or blocks contain ``fragment``."""
        def found() -> dict[str, Any] | None:
            return next((m for m in self.sent(channel_id) if fragment in text_of(m)), None)
        await self._wait(lambda: found() is not None,
                         lambda: f"{channel_id}: no {fragment!r} in "
                                 f"{[text_of(m) for m in self.sent(channel_id)]}")
        message = found()
        assert message is not None
        return message

    async def wait_for_response(self, channel_id: str, count: int = 1) -> list[dict[str, Any]]:
        """What was posted to the channel's response_urls once there are ``count``."""
        await self._wait(lambda: len(self.responses.get(channel_id, [])) >= count,
                         lambda: f"{channel_id}: wanted {count} responses, got "
                                 f"{self.responses.get(channel_id, [])}")
        return self.responses[channel_id]

    async def wait_for_answer(self, channel_id: str, fragment: str) -> dict[str, Any]:
        """The first response_url answer in a channel whose words contain ``fragment``
        (what the person who typed or pressed saw)."""
        def found() -> dict[str, Any] | None:
            return next((r for r in self.responses.get(channel_id, [])
                         if fragment in text_of(r)), None)
        await self._wait(lambda: found() is not None,
                         lambda: f"{channel_id}: no {fragment!r} in answers "
                                 f"{[text_of(r) for r in self.responses.get(channel_id, [])]}")
        answer = found()
        assert answer is not None
        return answer

    async def wait_for_files(self, channel_id: str, count: int) -> list[dict[str, Any]]:
        """The files shared in a channel once there are ``count``."""
        await self._wait(lambda: len(self.files.get(channel_id, [])) >= count,
                         lambda: f"{channel_id}: wanted {count} files, got "
                                 f"{[f['name'] for f in self.files.get(channel_id, [])]}")
        return self.files[channel_id]

    async def wait_for_ephemeral(self, channel_id: str, count: int = 1) -> list[dict[str, Any]]:
        await self._wait(lambda: len(self.ephemerals.get(channel_id, [])) >= count,
                         lambda: f"{channel_id}: wanted {count} ephemerals, got "
                                 f"{self.ephemerals.get(channel_id, [])}")
        return self.ephemerals[channel_id]

    async def wait_for_view(self, user_id: str, count: int = 1) -> dict[str, Any]:
        """The ``count``-th modal opened for a user (as Slack keeps it now)."""
        await self._wait(lambda: len(self.opened.get(user_id, [])) >= count,
                         lambda: f"{user_id}: wanted {count} views, got "
                                 f"{self.opened.get(user_id, [])}")
        return self.views[self.opened[user_id][count - 1]["id"]]

    async def wait_for_home(self, user_id: str, fragment: str = "", *,
                            after: dict[str, Any] | None = None) -> dict[str, Any]:
        """The user's App Home once published (and containing ``fragment``; published
        again since the view ``after``, if given)."""
        def ready() -> bool:
            home = self.homes.get(user_id)
            return (home is not None and fragment in text_of(home)
                    and (after is None or home["id"] != after["id"]))
        await self._wait(ready, lambda: f"{user_id}: no {fragment!r} in home "
                                        f"{text_of(self.homes.get(user_id, {}))!r}")
        return self.homes[user_id]

    async def _wait(self, ready: Callable[[], bool], describe: Callable[[], str]) -> None:
        try:
            async with asyncio.timeout(10):
                while not ready():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(describe()) from None

    # inside

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _channel_id(self, channel: Any) -> str | None:
        """A channel id, or the DM channel of a user id (Slack accepts both)."""
        wanted = str(channel or "")
        if wanted in self.channels:
            return wanted
        if wanted in self.users:
            return str(self.dm(wanted)["id"])
        return None

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def _post(self, channel: str, params: dict[str, Any], user: str | None) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "message", "text": params.get("text", ""),
                                   "blocks": params.get("blocks") or [], "ts": self._next_ts(),
                                   "team": TEAM["id"]}
        if user is None:
            message.update(bot_id=BOT["bot_id"], user=BOT["user_id"], app_id=BOT["app_id"])
        for key in ("thread_ts", "metadata", "unfurl_links", "mrkdwn"):
            if key in params:
                message[key] = params[key]
        self.messages.setdefault(channel, []).append(message)
        return message

    def _store_view(self, view: Any, user: str) -> dict[str, Any]:
        assert isinstance(view, dict)
        view_id = f"V{next(self._ids):08d}"
        stored = {"id": view_id, "team_id": TEAM["id"], "callback_id": "",
                  "private_metadata": "", "external_id": "", "blocks": [],
                  **view, "state": {"values": {}}, "hash": f"{next(self._ids)}.hash",
                  "root_view_id": view_id, "previous_view_id": None,
                  "app_id": BOT["app_id"], "bot_id": BOT["bot_id"], "_user": user}
        self.views[view_id] = stored
        return stored


def text_of(message: dict[str, Any]) -> str:
    """All the words of a message or a view: its text and every text in its blocks."""
    words = [str(message["text"])] if isinstance(message.get("text"), str) else []
    words.extend(_texts(message.get("blocks") or []))
    return "\n".join(words)


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
            yield node["text"]
            return
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def _text_objects(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _text_objects(item)


def _check_blocks(blocks: Any, limit: int) -> str | None:
    if not isinstance(blocks, list) or not all(isinstance(b, dict) and b.get("type")
                                               for b in blocks):
        return "invalid_blocks_format"
    if len(blocks) > limit:
        return "invalid_blocks"
    if any(len(text) > MAX_TEXT_OBJECT for text in _text_objects(blocks)):
        return "invalid_blocks"
    return None


def _check_message(params: dict[str, Any]) -> str | None:
    text, blocks = params.get("text"), params.get("blocks")
    if not text and not blocks:
        return "no_text"
    if text and len(str(text)) > MAX_MESSAGE_TEXT:
        return "msg_too_long"
    return _check_blocks(blocks, MAX_MESSAGE_BLOCKS) if blocks else None


def _check_view(view: Any, kind: str) -> str | None:
    if not isinstance(view, dict) or view.get("type") != kind or "blocks" not in view:
        return "invalid_arguments"
    if kind == "modal" and not isinstance(view.get("title"), dict):
        return "invalid_arguments"
    return _check_blocks(view["blocks"], MAX_VIEW_BLOCKS)


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if not k.startswith("_")}


def _error(error: str) -> dict[str, Any]:
    return {"ok": False, "error": error}


def _answer(body: dict[str, Any], status: int = 200) -> web.Response:
    body = {k: ({kk: vv for kk, vv in v.items() if not kk.startswith("_")}
                if isinstance(v, dict) else v) for k, v in body.items()}
    return web.json_response(body, status=status)


def _failure(failure: Failure) -> web.Response:
    headers = {}
    if failure.retry_after is not None:
        headers["Retry-After"] = str(failure.retry_after)
    return web.json_response({"ok": False, "error": failure.error}, status=failure.status,
                             headers=headers)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


async def _params(request: web.Request) -> dict[str, Any]:
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw.update(await request.json())
    elif request.can_read_body:
        raw.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[key] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        params[key] = value
    return params
