"""Runs stored updates through a face: one chat's updates in order, chats side by side.

Each update is marked done inside the first writing transaction its handling opens
(:func:`bot.storage.database.with_each_write`), so its effects and its done mark commit
together; an update that wrote nothing is marked done after it was answered.

A process claims each update for a short lease and renews the claims it holds while it
lives (:meth:`InboxRunner.renew_claims`), so a long update keeps its chat and a crashed
process's chats resume within seconds. An error on one update (the handler's or the
database's) is logged with its id and leaves the others going.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock
from bot.storage.database import redoing, with_each_write
from bot.storage.inbox import Inbox, Incoming

log = logging.getLogger(__name__)
#: How long a claim lasts unless renewed: a process that died holds its chats no longer
#: than this; a live one renews every third of it.
DEFAULT_LEASE = timedelta(seconds=10)
#: How long an idle runner waits for a wake-up before looking again (for chats whose
#: claims lapsed, and failed updates to retry).
IDLE_SECONDS = 3.0

Handle = Callable[[Incoming], Awaitable[None]]


class InboxRunner:
    def __init__(self, inbox: Inbox, handle: Handle, clock: Clock,
                 lease: timedelta = DEFAULT_LEASE) -> None:
        self.inbox = inbox
        self.handle = handle
        self.clock = clock
        self.lease = lease
        self._wake = asyncio.Event()
        #: The updates this process has claimed and not yet finished.
        self._held: set[int] = set()

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
        try:
            return await self._claim_and_handle(item)
        except Exception:
            # The database failed around the update (its claim, its failed attempt): the
            # claim lapses and the update is taken again; the other chats go on.
            log.exception("update %s: not processed; it is retried", item.update_id)
            return False
        finally:
            self._held.discard(item.update_id)

    async def _claim_and_handle(self, item: Incoming) -> bool:
        if not await self.inbox.claim(item.update_id, now=self.clock.now(), lease=self.lease):
            return False  # another process has it: it keeps this chat's order
        self._held.add(item.update_id)
        marked = False

        async def mark(session: AsyncSession) -> None:
            nonlocal marked
            if not marked:
                await self.inbox.mark_done(session, item.update_id, now=self.clock.now())
                marked = True

        try:
            with with_each_write(mark), redoing(item.answering):
                await self.handle(item)
        except Exception:
            log.exception("update %s failed", item.update_id)
            await self.inbox.failed_attempt(item.update_id)
            return False
        # Also when the hook marked it: if that transaction failed to commit, the update
        # was answered with an apology and must not be retried forever.
        await self.inbox.finish(item.update_id, now=self.clock.now())
        return True

    async def renew_claims(self) -> None:
        """Extend the claims this process holds (the lease heartbeat)."""
        held = sorted(self._held)
        renewed = await self.inbox.renew(held, now=self.clock.now(), lease=self.lease)
        still = [update_id for update_id in held if update_id in self._held]
        if renewed < len(still):  # not those that finished meanwhile
            log.warning("claims had lapsed before renewal (a stalled process?): %s of %s",
                        len(still) - renewed, still)

    async def run_round(self, *, idle_seconds: float = IDLE_SECONDS) -> None:
        """Process what is stored; if nothing was, wait for a wake-up or ``idle_seconds``
        (to retry failed updates and take over chats whose claims lapsed)."""
        self._wake.clear()
        if await self.run_pending() == 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(idle_seconds):
                    await self._wake.wait()

    async def renew_round(self) -> None:
        """Renew the held claims, then wait a third of the lease."""
        await self.renew_claims()
        await asyncio.sleep(self.lease.total_seconds() / 3)
