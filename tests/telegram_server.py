"""A local server that answers the Bot API methods Mesa bot calls, the way Telegram does.

It keeps users, chats and messages, hands out updates through ``getUpdates`` (long
polling, offsets confirm) or posts them to a webhook with its secret header, and records
every call. Tests make people type and press buttons, read what the bot sent, and inject
the failures Telegram produces: 429 with ``retry_after``, 5xx, a bot blocked by the user,
a group migrated to a supergroup. With ``enforce_limits`` it also keeps Telegram's
sending limits, as Telegram answers them: past thirty messages in any second overall, or
twenty in any minute in one group, a 429 with the seconds to wait.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web

BOT = {"id": 7000001, "is_bot": True, "first_name": "Mesa", "username": "mesa_test_bot",
       "can_join_groups": True, "can_read_all_group_messages": False,
       "supports_inline_queries": False}


@dataclass
class Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


@dataclass(frozen=True)
class Upload:
    """A file a multipart request carried."""

    filename: str
    content_type: str
    content: bytes


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-TOKEN"
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    blocked_by: set[int] = field(default_factory=set)
    migrated: dict[int, int] = field(default_factory=dict)
    #: Answers queued per method; None answers normally (a failure after some successes).
    failures: dict[str, list[Failure | None]] = field(default_factory=dict)
    #: Methods that fail on every call until :meth:`recover` (a platform that is down).
    outages: dict[str, Failure] = field(default_factory=dict)
    webhook: dict[str, str] = field(default_factory=dict)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    #: Answer sends past Telegram's limits with 429 (a private chat's "about one a
    #: second" is left out: Telegram allows bursts there and names no number).
    enforce_limits: bool = False
    #: How many sends the limits refused.
    limited: int = 0

    def __post_init__(self) -> None:
        self._update_ids = itertools.count(100)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._bot_sent = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.base_url = ""
        self._sends: deque[float] = deque()
        self._group_sends: dict[int, deque[float]] = {}

    # the server

    async def start(self) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Telegram takes files up to 50 MB
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        self._closing = True
        self._new_update.set()  # release long polls still waiting
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        queued = self.failures.get(method)
        failure = queued.pop(0) if queued else self.outages.get(method)
        if failure is not None:
            return _error(failure.status, failure.description, failure.parameters)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        if self.enforce_limits and method in SENDS:
            wait = self._over_limit(int(params.get("chat_id", 0)))
            if wait is not None:
                self.limited += 1
                return _error(429, f"Too Many Requests: retry after {wait}",
                              {"retry_after": wait})
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    # Bot API methods

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {"url": params["url"], "secret": params.get("secret_token", "")}
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self.updates)}

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands[params.get("language_code", "")] = params["commands"]
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset", 0) or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + float(params.get("timeout", 0) or 0)
        while not self.updates and time.monotonic() < deadline and not self._closing:
            self._new_update.clear()
            try:
                async with asyncio.timeout(deadline - time.monotonic()):
                    await self._new_update.wait()
            except TimeoutError:
                break
        limit = int(params.get("limit", 100) or 100)
        return self.updates[:limit]

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        refused = self._refuse(chat_id)
        if refused is not None:
            return refused
        text = str(params["text"])
        if len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        message = {
            "message_id": next(self._message_ids), "from": BOT, "date": int(time.time()),
            "chat": self._chat(chat_id), "text": text,
        }
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram echoes inline keyboards only
        elif markup:
            message["_reply_markup"] = markup
        if params.get("parse_mode"):
            message["_parse_mode"] = params["parse_mode"]
        self.messages.setdefault(chat_id, []).append(message)
        self._bot_sent.set()
        return {k: v for k, v in message.items() if not k.startswith("_")}

    async def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        """A document uploaded as a file: its name, type and bytes are kept (in
        ``_content``, which Telegram does not echo) so tests can open it."""
        chat_id = int(params["chat_id"])
        refused = self._refuse(chat_id)
        if refused is not None:
            return refused
        upload = params.get("document")
        if not isinstance(upload, Upload):
            return _error(400, "Bad Request: there is no document in the request")
        number = next(self._message_ids)
        message = {"message_id": number, "from": BOT, "date": int(time.time()),
                   "chat": self._chat(chat_id),
                   "document": {"file_id": f"f{number}", "file_unique_id": f"u{number}",
                                "file_name": upload.filename, "mime_type": upload.content_type,
                                "file_size": len(upload.content)},
                   "_content": upload.content}
        if params.get("caption"):
            message["caption"] = params["caption"]
        self.messages.setdefault(chat_id, []).append(message)
        self._bot_sent.set()
        return {k: v for k, v in message.items() if not k.startswith("_")}

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        for message in self.messages.get(chat_id, []):
            if message["message_id"] == int(params["message_id"]):
                message["text"] = params["text"]
                message["reply_markup"] = params.get("reply_markup")
                self._bot_sent.set()
                return {k: v for k, v in message.items() if not k.startswith("_")}
        return _error(400, "Bad Request: message to edit not found")

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        for message in self.messages.get(chat_id, []):
            if message["message_id"] == int(params["message_id"]):
                message["reply_markup"] = params.get("reply_markup")
                return {k: v for k, v in message.items() if not k.startswith("_")}
        return _error(400, "Bad Request: message to edit not found")

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        self._bot_sent.set()
        return True

    # what tests do: people, chats, typing, pressing

    @staticmethod
    def person(user_id: int, first_name: str, language_code: str = "es",
               username: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name,
                                "language_code": language_code}
        if username:
            user["username"] = username
        return user

    @staticmethod
    def group(chat_id: int, title: str) -> dict[str, Any]:
        return {"id": chat_id, "type": "group", "title": title}

    @staticmethod
    def private(user: dict[str, Any]) -> dict[str, Any]:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    def type(self, user: dict[str, Any], chat: dict[str, Any], text: str,
             reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """Queue a message as if ``user`` typed ``text`` in ``chat``."""
        if reply_to is not None:
            reply_to = {k: v for k, v in reply_to.items() if not k.startswith("_")}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "from": user, "chat": chat,
            "date": int(time.time()), "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0]) if text.split() else 1
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self.messages.setdefault(chat["id"], []).append(message)
        return self._queue({"message": message})

    def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> dict[str, Any]:
        """Queue a callback query: ``user`` pressed the button ``data`` under ``message``."""
        query = {"id": str(next(self._callback_ids)), "from": user, "message": message,
                 "chat_instance": f"ci{message['chat']['id']}", "data": data}
        return self._queue({"callback_query": query})

    def _queue(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **body}
        self.updates.append(update)
        self._new_update.set()
        return update

    def redeliver(self, update: dict[str, Any]) -> None:
        """Hand the same update out again, as Telegram does when a confirmation is lost."""
        self.updates.append(update)
        self._new_update.set()

    async def push_webhook(self, update: dict[str, Any], secret: str | None = None) -> int:
        """POST an update to the registered webhook; returns the HTTP status."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret if secret is not None
                   else self.webhook.get("secret", "")}
        async with ClientSession() as http, http.post(
            self.webhook["url"], json=update, headers=headers
        ) as response:
            return response.status

    def fail_next(self, method: str, status: int, description: str,
                  parameters: dict[str, Any] | None = None, times: int = 1,
                  after: int = 0) -> None:
        """The next ``times`` calls of ``method`` fail, once ``after`` calls succeeded."""
        self.failures.setdefault(method, []).extend(
            [None] * after + [Failure(status, description, parameters)] * times
        )

    def go_down(self, method: str, status: int, description: str,
                parameters: dict[str, Any] | None = None) -> None:
        """Every call of ``method`` fails until :meth:`recover`."""
        self.outages[method] = Failure(status, description, parameters)

    def recover(self, method: str) -> None:
        self.outages.pop(method, None)

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """What the bot sent to a chat, oldest first."""
        return [m for m in self.messages.get(chat_id, []) if m["from"]["id"] == BOT["id"]]

    async def wait_for_messages(self, chat_id: int, count: int) -> list[dict[str, Any]]:
        """The bot's messages to a chat once there are ``count``; fails after 10 s."""
        try:
            async with asyncio.timeout(10):
                while len(self.sent(chat_id)) < count:
                    self._bot_sent.clear()
                    await self._bot_sent.wait()
        except TimeoutError:
            raise AssertionError(
                f"chat {chat_id}: wanted {count} messages, got {self.sent(chat_id)}"
            ) from None
        return self.sent(chat_id)

    async def wait_for_text(self, chat_id: int, fragment: str) -> dict[str, Any]:
        """The first message the bot sent to a chat containing ``fragment``."""
        try:
            async with asyncio.timeout(10):
                while True:
                    for message in self.sent(chat_id):
                        if fragment in message.get("text", ""):
                            return message
                    self._bot_sent.clear()
                    await self._bot_sent.wait()
        except TimeoutError:
            texts = [m.get("text", "") for m in self.sent(chat_id)]
            raise AssertionError(f"chat {chat_id}: no {fragment!r} in {texts}") from None

    def documents(self, chat_id: int) -> list[dict[str, Any]]:
        """The documents the bot sent to a chat, oldest first: each message's
        ``document`` with its ``content`` (the bytes uploaded)."""
        return [{**m["document"], "content": m["_content"]} for m in self.sent(chat_id)
                if "document" in m]

    def answers(self) -> list[dict[str, Any]]:
        """Every answerCallbackQuery the bot made."""
        return [params for method, params in self.calls if method == "answerCallbackQuery"]

    async def wait_for_answers(self, count: int) -> list[dict[str, Any]]:
        """The bot's answers to button presses once there are ``count``; fails after 10 s."""
        async with asyncio.timeout(10):
            while len(self.answers()) < count:
                self._bot_sent.clear()
                await self._bot_sent.wait()
        return self.answers()

    def _over_limit(self, chat_id: int) -> int | None:
        """Seconds to wait if this send breaks a limit, else None (and it is counted)."""
        now = time.monotonic()
        windows = [(self._sends, 1.0, 30)]
        if chat_id < 0:
            windows.append((self._group_sends.setdefault(chat_id, deque()), 60.0, 20))
        for sends, seconds, most in windows:
            while sends and sends[0] <= now - seconds:
                sends.popleft()
            if len(sends) >= most:
                return max(1, math.ceil(sends[0] + seconds - now))
        for sends, _, _ in windows:
            sends.append(now)
        return None

    def _chat(self, chat_id: int) -> dict[str, Any]:
        for message in self.messages.get(chat_id, []):
            return dict(message["chat"])
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "?"}
        return {"id": chat_id, "type": "group", "title": "?"}

    def _refuse(self, chat_id: int) -> web.Response | None:
        if chat_id in self.blocked_by:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.migrated:
            return _error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                          {"migrate_to_chat_id": self.migrated[chat_id]})
        return None


#: The methods that send a message, which Telegram's limits count.
SENDS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage"})


def _error(status: int, description: str,
           parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        raw = await request.json()
    else:
        raw = dict(await request.post())
    raw.update(request.query)
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, web.FileField):
            params[key] = Upload(value.filename, value.content_type, value.file.read())
            continue
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[key] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        params[key] = value
    return params
