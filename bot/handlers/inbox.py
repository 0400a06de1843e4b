"""Runs stored updates through a face: one chat's updates in order, chats side by side.

Each update is marked done inside the first writing transaction its handling opens
(:func:`bot.storage.database.with_each_write`), so its effects and its done mark commit
together; an update that wrote nothing is marked done after it was answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock
from bot.storage.database import with_each_write
from bot.storage.inbox import Inbox, Incoming

log = logging.getLogger(__name__)
#: How long a process may hold an update before another may take it over (a process
#: that died holds nothing longer than this).
DEFAULT_LEASE = timedelta(seconds=60)

Handle = Callable[[Incoming], Awaitable[None]]


class InboxRunner:
    def __init__(self, inbox: Inbox, handle: Handle, clock: Clock,
                 lease: timedelta = DEFAULT_LEASE) -> None:
        self.inbox = inbox
        self.handle = handle
        self.clock = clock
        self.lease = lease
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_pending(self) -> int:
        """Process what is stored now; returns how many updates were taken."""
        pending = await self.inbox.pending(now=self.clock.now())
        by_chat: dict[str, list[Incoming]] = {}
        for item in pending:
            by_chat.setdefault(item.chat_key, []).append(item)
        await asyncio.gather(*(self._run_chat(items) for items in by_chat.values()))
        return len(pending)

    async def _run_chat(self, items: list[Incoming]) -> None:
        for item in items:
            if not await self._run_one(item):
                return  # keep this chat's order: the rest waits for the next round

    async def _run_one(self, item: Incoming) -> bool:
        if not await self.inbox.claim(item.update_id, now=self.clock.now(), lease=self.lease):
            return False  # another process has it: it keeps this chat's order
        marked = False

        async def mark(session: AsyncSession) -> None:
            nonlocal marked
            if not marked:
                await self.inbox.mark_done(session, item.update_id, now=self.clock.now())
                marked = True

        try:
            with with_each_write(mark):
                await self.handle(item)
        except Exception:
            log.exception("update %s failed", item.update_id)
            await self.inbox.failed_attempt(item.update_id)
            return False
        # Also when the hook marked it: if that transaction failed to commit, the update
        # was answered with an apology and must not be retried forever.
        await self.inbox.finish(item.update_id, now=self.clock.now())
        return True

    async def run_forever(self, *, idle_seconds: float = 5.0) -> None:
        """Process as updates arrive (``wake``), and retry failed ones every so often."""
        while True:
            self._wake.clear()
            taken = await self.run_pending()
            if taken == 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(idle_seconds):
                        await self._wake.wait()
