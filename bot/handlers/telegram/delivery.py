"""Delivers the outbox on Telegram: each notice to the mesa's linked chat or the
member's private chat, in the reader's language, within Telegram's limits.

A 429 waits and retries; a network failure is retried on the next round; a bot blocked
by the person or a chat that is gone is recorded as failed, not retried forever; a group
that became a supergroup is followed to its new id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.commands.present import Presenter
from bot.core.enums import Audience
from bot.core.notices import Pending
from bot.i18n import lang_of

if TYPE_CHECKING:
    from bot.handlers.telegram.face import TelegramFace

log = logging.getLogger(__name__)
PLATFORM = "telegram"


class TelegramDelivery:
    def __init__(self, face: TelegramFace) -> None:
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
        if not await self.services.outbox.claim(platform=PLATFORM, outbox_id=notice.id):
            return "taken"
        chat_id = await self._target(notice)
        if chat_id is None:
            status, detail = "skipped", "no Telegram chat for it"
        elif notice.source.startswith(f"{PLATFORM}:{chat_id}:"):
            status, detail = "skipped", "the change was made in this chat"
        else:
            say = Presenter(lang_of(notice.language), ZoneInfo(notice.mesa_timezone))
            reply = say.notice(notice.kind, notice.params)
            status, detail = "sent", ""
            try:
                await self.face.send(chat_id, reply, mesa_id=notice.mesa_id)
            except ChatMigrated as error:
                await self.services.chats.migrate(
                    platform=PLATFORM, old_chat_id=str(chat_id),
                    new_chat_id=str(error.new_chat_id),
                )
                status, detail = "retry", "group moved to a supergroup"
            except Forbidden as error:
                status, detail = "failed", error.message
            except BadRequest as error:
                status, detail = "failed", error.message
            except (RetryAfter, NetworkError) as error:
                status, detail = "retry", str(error)
        await self.services.outbox.record(
            platform=PLATFORM, outbox_id=notice.id, status=status, detail=detail
        )
        if status != "sent":
            log.info("notice %s on Telegram: %s (%s)", notice.id, status, detail)
        return status

    async def run_once(self) -> int:
        pending = await self.services.outbox.pending(platform=PLATFORM)
        for notice in pending:
            await self.deliver(notice)
        return len(pending)

    async def run_forever(self, *, idle_seconds: float = 2.0) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox delivery round failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(idle_seconds):
                    await self._wake.wait()
