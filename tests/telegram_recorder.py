"""A python-telegram-bot request that records every Bot API call and answers it with a
canned reply, for fast handler tests without a server (updates go straight to
``Application.process_update``)."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from telegram.request import BaseRequest, RequestData

from tests.telegram_server import BOT


class RecordingRequest(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(1)

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((name, params))
        result: Any = True
        if name == "getMe":
            result = BOT
        elif name in ("sendMessage", "editMessageText"):
            chat_id = int(params["chat_id"])
            result = {"message_id": next(self._ids), "date": int(time.time()), "from": BOT,
                      "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                      "text": params["text"]}
        elif name == "getUpdates":
            result = []
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def sent(self) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == "sendMessage"]
