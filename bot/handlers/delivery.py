"""Delivers the outbox on one platform: each notice to the mesa's linked chat of its
audience or to the member's private chat, in the reader's language.

What the platform answers decides what comes next, and each face says what its errors
mean (:meth:`Delivery.attempt`): ``sent``; ``failed`` at once for a chat that is gone or
a person who blocked the bot (never retried forever); ``retry`` for a passing failure (a
rate limit that persists, a 5xx, a timeout), tried again with a backoff (2 s doubling to
5 min, at least the platform's retry-after) until the notice's delivery window ends, then
recorded as failed with an ERROR line. Any other error on one notice is logged with its id
and retried the same way a few times only (:data:`bot.core.notices.MAX_ATTEMPTS`), and the
round goes on with the next notice (if the database fails around it, the notice is taken
again when its delivery lease lapses); :class:`~bot.handlers.health.Fatal` (a token the
platform refuses) stops the process.

A notice of several messages is sent one message at a time, and each accepted one is
recorded before the next is sent, so a retry or a restart sends only the rest: the one
message that can be repeated is the one in flight when the process died (or whose answer
was lost), since neither Telegram nor Slack has an idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.commands.present import Presenter
from bot.commands.reply import Reply
from bot.core.enums import Audience
from bot.core.notices import DELIVERY_WINDOW, MAX_ATTEMPTS, Pending
from bot.core.services import Services
from bot.handlers.health import Fatal
from bot.i18n import lang_of
from bot.storage.backlog import outbox_backlog

log = logging.getLogger(__name__)

#: What an attempt came to: a status for :meth:`bot.core.notices.Outbox.record`, a detail
#: for the log, and the platform's own wait before a retry, if it gave one.
Outcome = tuple[str, str, timedelta | None]
Accepted = Callable[[int], Awaitable[None]]
#: Notices read at a time.
BATCH = 100


class Delivery:
    """The outbox loop of one face; a subclass addresses and sends on its platform."""

    platform = ""
    #: The platform's name in log lines.
    label = ""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def member_chat(self, notice: Pending) -> str | None:
        """The member's private chat on this platform, if they have one."""
        raise NotImplementedError

    async def attempt(self, notice: Pending, chat_id: str, reply: Reply, skip: int,
                      accepted: Accepted) -> Outcome:
        """Send ``reply`` to ``chat_id``, its first ``skip`` parts left out, awaiting
        ``accepted(k)`` once part ``k`` is accepted; the platform's answer as an outcome.
        Raises :class:`Fatal` when the platform refuses the bot itself."""
        raise NotImplementedError

    async def target(self, notice: Pending) -> str | None:
        if notice.audience == Audience.MEMBER:
            return await self.member_chat(notice)
        return notice.chat_id  # read with the notice

    async def deliver(self, notice: Pending) -> str:
        """Deliver one notice; returns what was recorded ("taken" if another has it)."""
        claim = await self.services.outbox.claim(platform=self.platform, outbox_id=notice.id)
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
            log.exception("notice %s on %s: delivery failed", notice.id, self.label)
            status, detail = "error", type(error).__name__
        recorded = await self.services.outbox.record(
            platform=self.platform, outbox_id=notice.id, status=status, detail=detail,
            wait=wait)
        if recorded == "failed" and status in ("retry", "error"):
            log.error("notice %s on %s: given up after %s (%s)", notice.id, self.label,
                      f"{MAX_ATTEMPTS} errors" if status == "error"
                      else f"{DELIVERY_WINDOW.days} days of failures", detail)
        elif recorded != "sent":
            log.info("notice %s on %s: %s (%s)", notice.id, self.label, recorded, detail)
        return recorded

    async def _send(self, notice: Pending, skip: int) -> Outcome:
        chat_id = await self.target(notice)
        if chat_id is None:
            return "skipped", f"no {self.label} chat for it", None
        if notice.source.startswith(f"{self.platform}:{chat_id}:"):
            return "skipped", "the change was made in this chat", None
        say = Presenter(lang_of(notice.language), ZoneInfo(notice.mesa_timezone))
        reply = say.notice(notice.kind, notice.params)

        async def accepted(parts: int) -> None:
            await self.services.outbox.accepted(platform=self.platform, outbox_id=notice.id,
                                                parts=parts)

        return await self.attempt(notice, chat_id, reply, skip, accepted)

    async def run_once(self) -> int:
        """Deliver what is pending now, a batch at most; returns how many notices were
        pending and went their way (the database failing around a notice does not
        count)."""
        pending = await self.services.outbox.pending(platform=self.platform, limit=BATCH)
        handled = 0
        for notice in pending:
            try:
                await self.deliver(notice)
            except Fatal:
                raise
            except Exception:
                # The database failed around it (the claim, the record): the notice is
                # taken again when its delivery lease lapses; the others go on.
                log.exception("notice %s on %s: not delivered; retried later",
                              notice.id, self.label)
            else:
                handled += 1
        return handled

    async def run_round(self, *, idle_seconds: float = 2.0) -> None:
        """Deliver what is pending, then wait for a wake-up or ``idle_seconds``; after a
        full batch, go on at once (a fan-out of thousands must not pause between
        batches), unless the database failed around some of it (no busy loop then)."""
        self._wake.clear()
        if await self.run_once() >= BATCH:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(idle_seconds):
                await self._wake.wait()

    async def backlog(self, now: datetime) -> tuple[int, datetime | None]:
        """Notices still to deliver on this platform, and when the oldest was written."""
        return await outbox_backlog(self.services.db, platform=self.platform,
                                    since=now - DELIVERY_WINDOW)
