"""Webhook mode: Telegram posts updates to our HTTP listener. Each is stored before the
200 goes back, and a request without the right secret header is refused."""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.handlers.telegram.face import TelegramFace

log = logging.getLogger(__name__)
PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def routes(face: TelegramFace, secret: str) -> list[web.RouteDef]:
    expected = secret.encode("utf-8")

    async def receive(request: web.Request) -> web.Response:
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError,
        # so a 500), and any header anyone sends must get a plain 401.
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not secret or not hmac.compare_digest(given, expected):
            return web.Response(status=401)
        try:
            payload = await request.json()
            update_id = int(payload["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400)
        await face.receive([payload])
        log.debug("update %s stored", update_id)
        return web.Response(status=200)

    return [web.post(PATH, receive)]
