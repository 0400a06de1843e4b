"""The bot process killed (SIGKILL) at random moments while it delivers a burst of
scheduled notices, and restarted each time: every notice arrives, whole, and a kill
repeats at most the one message in flight (Telegram has no idempotency key)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands.present import Presenter
from bot.core.clock import SystemClock
from bot.core.enums import Audience
from bot.core.notices import notify
from bot.core.services import Services
from bot.handlers.telegram.render import render
from bot.i18n import lang_of
from bot.storage.database import Database
from bot.storage.migrate import upgrade
from tests.builders import forestry_mesa, free_port
from tests.conftest import AUDIT_KEY, AUDIT_KEYS
from tests.handlers.telegram.conftest import TELEGRAM_IDS
from tests.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[3]
FILLER = "Publicar la guía de transporte forestal revisada con las observaciones " * 3


@dataclass
class Outcome:
    expected: Counter[tuple[int, str]]
    received: Counter[tuple[int, str]]
    kills: int

    @property
    def missing(self) -> Counter[tuple[int, str]]:
        return self.expected - self.received

    @property
    def repeated(self) -> int:
        return sum((self.received - self.expected).values())


def _ping(number: int, actions: int) -> dict[str, Any]:
    """A ping for session ``number``; with many actions it is sent in several messages."""
    return {"session": number, "starts_at": datetime(2027, 1, 15, 15, 0, tzinfo=ZoneInfo("UTC")),
            "hours": 24, "late": False,
            "actions": [{"ref": f"A-{j}", "text": f"acción {number}.{j} {FILLER}",
                         "due_on": "2027-01-20", "status": "confirmed"}
                        for j in range(1, actions + 1)]}


async def _queue(services: Services, notices: int) -> Counter[tuple[int, str]]:
    """Queue the pings (one in ten in two or three messages), spread over the members'
    private chats; returns every message they should make, by chat and text."""
    cast = await forestry_mesa(services)
    for handle, user_id in TELEGRAM_IDS.items():
        await services.members.link_identity(handle=handle, telegram_user_id=user_id)
    owners = [cast.maria, cast.jorge, cast.lucia, cast.rosa, cast.andres]
    now = services.clock.now()
    async with services.db.write() as s:
        for k in range(notices):
            owner = owners[k % len(owners)]
            actions = (40, 75)[k // 10 % 2] if k % 10 == 0 else 1
            notify(s, at=now, mesa_id=owner.mesa_id, audience=Audience.MEMBER,
                   member_id=owner.member_id, kind="session_ping",
                   params=_ping(k + 1, actions), source="scheduler")
    expected: Counter[tuple[int, str]] = Counter()
    for notice in await services.outbox.pending(platform="telegram", limit=notices):
        assert notice.member_telegram_id is not None
        say = Presenter(lang_of(notice.language), ZoneInfo(notice.mesa_timezone))
        for chunk in render(say.notice(notice.kind, notice.params)):
            expected[(notice.member_telegram_id, chunk.html)] += 1
    return expected


def _received(fake: FakeTelegram, chats: set[int]) -> Counter[tuple[int, str]]:
    return Counter((chat, m["text"]) for chat in chats for m in fake.sent(chat))


async def _bot(url: str, fake: FakeTelegram) -> asyncio.subprocess.Process:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MESABOT_DATABASE_URL": url,
           "MESABOT_AUDIT_KEY": AUDIT_KEY,
           "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
           "MESABOT_LOG_LEVEL": "WARNING", "MESABOT_HTTP_PORT": str(free_port()),
           "MESABOT_INBOX_LEASE_SECONDS": "2",
           # the notice a killed process was sending is taken over after this
           "MESABOT_OUTBOX_LEASE_SECONDS": "1"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )


async def _until(fake: FakeTelegram, chats: set[int], count: int, seconds: float = 60) -> None:
    async with asyncio.timeout(seconds):
        while sum(_received(fake, chats).values()) < count:  # noqa: ASYNC110 - another process sends
            await asyncio.sleep(0.005)


async def kill_during_delivery(tmp_path: Path, *, notices: int, kills: int,
                               rng: random.Random) -> Outcome:
    """Queue ``notices`` pings, then run ``mesabot run`` and SIGKILL it ``kills`` times at
    random numbers of messages received, restarting it each time, until all arrived."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'mesa.db'}"
    db = Database(url, audit_keys=AUDIT_KEYS)
    await upgrade(db)
    services = Services.build(db=db, clock=SystemClock())
    fake = FakeTelegram()
    await fake.start()
    try:
        expected = await _queue(services, notices)
        chats = {chat for chat, _ in expected}
        total = sum(expected.values())
        for at in sorted(rng.sample(range(1, total - 1), kills)):
            process = await _bot(url, fake)
            try:
                await _until(fake, chats, at)
                await asyncio.sleep(rng.uniform(0, 0.05))  # mid-send, or between two
            finally:
                process.send_signal(signal.SIGKILL)
                await process.wait()
        last = await _bot(url, fake)
        try:
            async with asyncio.timeout(60):
                while not expected <= _received(fake, chats):  # noqa: ASYNC110 - another process
                    await asyncio.sleep(0.01)
            await asyncio.sleep(1.5)  # past the lease: a repeat would show by now
        finally:
            last.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(last.wait(), 20) == 0
        return Outcome(expected, _received(fake, chats), kills)
    finally:
        await fake.stop()
        await db.dispose()


async def test_killed_four_times_while_delivering_60_notices_loses_none_and_repeats_few(
    tmp_path: Path,
) -> None:
    seed = random.randrange(1_000_000)
    outcome = await kill_during_delivery(tmp_path, notices=60, kills=4,
                                         rng=random.Random(seed))
    assert sum(outcome.expected.values()) > 60  # some notices are in several messages
    assert outcome.missing == Counter(), f"seed {seed}"
    assert outcome.repeated <= outcome.kills, f"seed {seed}: {outcome.received - outcome.expected}"


def test_the_bound_counts_repeats_only() -> None:
    """The measure itself: a message sent twice is one repeat, a missing one is missing."""
    a, b = (1, "a"), (1, "b")
    outcome = Outcome(Counter([a, b]), Counter([a, a]), kills=1)
    assert outcome.repeated == 1 and outcome.missing == Counter([b])
