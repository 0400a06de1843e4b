"""Delivers the outbox on Telegram: each notice to the mesa's linked chat or the
member's private chat, in the reader's language, within Telegram's limits.

What Telegram answers decides what comes next. A 429 waits and retries within the call;
a 429 that persists, a 5xx, a timeout or a network failure is retried with a backoff
(2 s doubling to 5 min, at least Telegram's retry-after) until the notice's delivery
window ends, then recorded as failed with an ERROR line. A bot blocked by the person or
a chat that is gone is failed at once, not retried forever; a group that became a
supergroup is followed to its new id and sent to there at once. Any other error on one
notice is logged with its id and retried the same way a few times only
(:data:`MAX_ATTEMPTS`), and the round goes on with the next notice (if the database
fails around it, the notice is taken again when its delivery lease lapses); a token
Telegram refuses stops the process.

A notice of several messages is sent one message at a time, and each accepted one is
recorded before the next is sent, so a retry or a restart sends only the rest: the one
message that can be repeated is the one in flight when the process died (or whose
answer was lost), since Telegram has no idempotency key.

It sends through a :class:`Sender` (the face) and does not import the face: the face
builds its delivery, not the other way round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from bot.commands.present import Presenter
from bot.commands.reply import Reply
from bot.core.enums import Audience
from bot.core.notices import DELIVERY_WINDOW, MAX_ATTEMPTS, Pending
from bot.core.services import Services
from bot.handlers.health import Fatal
from bot.handlers.telegram.limits import retry_seconds
from bot.i18n import lang_of
from bot.storage.backlog import outbox_backlog

log = logging.getLogger(__name__)
PLATFORM = "telegram"


class Sender(Protocol):
    """What delivery needs of the face: the services, and sending within the limits."""

    services: Services

    async def send(self, chat_id: int, reply: Reply, *, mesa_id: int | None = None,
                   skip: int = 0, on_part: Callable[[int], Awaitable[None]] | None = None,
                   ) -> object: ...


class TelegramDelivery:
    def __init__(self, face: Sender) -> None:
        self.face = face
        self.services = face.services
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def _target(self, notice: Pending) -> int | None:
        if notice.audience == Audience.MEMBER:
            return notice.member_telegram_id
        chat_id = await self.services.chats.target(
            platform=PLATFORM, mesa_id=notice.mesa_id, purpose=notice.audience
        )
        return int(chat_id) if chat_id is not None else None

    async def deliver(self, notice: Pending) -> str:
        """Deliver one notice; returns what was recorded ("taken" if another has it)."""
        claim = await self.services.outbox.claim(platform=PLATFORM, outbox_id=notice.id)
        if claim is None:
            return "taken"
        wait: timedelta | None = None
        try:
            status, detail, wait = await self._send(notice, claim.parts)
        except Fatal:
            raise
        except Exception as error:
            # Counted, so a notice that always fails is set aside after a few tries
            # instead of blocking or looping.
            log.exception("notice %s on Telegram: delivery failed", notice.id)
            status, detail = "error", type(error).__name__
        recorded = await self.services.outbox.record(
            platform=PLATFORM, outbox_id=notice.id, status=status, detail=detail, wait=wait
        )
        if recorded == "failed" and status in ("retry", "error"):
            log.error("notice %s on Telegram: given up after %s (%s)", notice.id,
                      f"{MAX_ATTEMPTS} errors" if status == "error"
                      else f"{DELIVERY_WINDOW.days} days of failures", detail)
        elif recorded != "sent":
            log.info("notice %s on Telegram: %s (%s)", notice.id, recorded, detail)
        return recorded

    async def _send(self, notice: Pending, skip: int, *, moved: bool = False
                    ) -> tuple[str, str, timedelta | None]:
        chat_id = await self._target(notice)
        if chat_id is None:
            return "skipped", "no Telegram chat for it", None
        if notice.source.startswith(f"{PLATFORM}:{chat_id}:"):
            return "skipped", "the change was made in this chat", None
        say = Presenter(lang_of(notice.language), ZoneInfo(notice.mesa_timezone))
        reply = say.notice(notice.kind, notice.params)
        done = skip

        async def accepted(parts: int) -> None:
            nonlocal done
            await self.services.outbox.accepted(platform=PLATFORM, outbox_id=notice.id,
                                                parts=parts)
            done = parts

        try:
            await self.face.send(chat_id, reply, mesa_id=notice.mesa_id, skip=skip,
                                 on_part=accepted)
        except ChatMigrated as error:
            await self.services.chats.migrate(
                platform=PLATFORM, old_chat_id=str(chat_id), new_chat_id=str(error.new_chat_id),
            )
            if moved:  # a supergroup does not move again; never loop on it
                return "retry", "group moved to a supergroup", None
            return await self._send(notice, done, moved=True)
        except (Forbidden, BadRequest) as error:
            return "failed", error.message, None
        except RetryAfter as error:
            return "retry", str(error), timedelta(seconds=retry_seconds(error.retry_after))
        except NetworkError as error:  # 5xx, timeouts, no connection
            return "retry", str(error), None
        except InvalidToken as error:
            raise Fatal(f"Telegram refused the bot token ({error.message}); "
                        "check TELEGRAM_BOT_TOKEN") from error
        return "sent", "", None

    async def run_once(self) -> int:
        """Deliver what is pending now; returns how many notices were pending."""
        pending = await self.services.outbox.pending(platform=PLATFORM)
        for notice in pending:
            try:
                await self.deliver(notice)
            except Fatal:
                raise
            except Exception:
                # The database failed around it (the claim, the record): the notice is
                # taken again when its delivery lease lapses; the others go on.
                log.exception("notice %s on Telegram: not delivered; retried later",
                              notice.id)
        return len(pending)

    async def run_round(self, *, idle_seconds: float = 2.0) -> None:
        """Deliver what is pending, then wait for a wake-up or ``idle_seconds``."""
        self._wake.clear()
        await self.run_once()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(idle_seconds):
                await self._wake.wait()

    async def backlog(self, now: datetime) -> tuple[int, datetime | None]:
        """Notices still to deliver on Telegram, and when the oldest was written."""
        return await outbox_backlog(self.services.db, platform=PLATFORM,
                                    since=now - DELIVERY_WINDOW)

