"""``mesabot run`` killed (SIGKILL) in the middle of a burst of Slack events and
restarted, in HTTP mode (signed requests) and in Socket Mode (envelopes on the socket):
every event is processed exactly once and answered.

Slack's side is played as Slack plays it: a request that got a 200 is not sent again
(except the few Slack retries anyway, as when an answer took too long), and a request
that got no 200 (refused connection, reset, a 500 while the process died) is sent again
with the same body and ``X-Slack-Retry-Num``, until it gets its 200.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.storage.database import Database
from tests.builders import forestry_mesa
from tests.conftest import AUDIT_KEY
from tests.handlers.slack.conftest import SLACK_IDS
from tests.slack_requests import SIGNING_SECRET, SignedRequest, SlackRequests
from tests.slack_server import FakeSlack, text_of

ROOT = Path(__file__).resolve().parents[3]
BURST = 40
WRITERS = ["maria", "jorge", "lucia", "rosa", "andres"]
#: Every how many delivered events Slack retries one anyway (its 3 s ran out).
RETRIED_ANYWAY = 6


def _title(k: int) -> str:
    return f"Nota de campo {k}"


async def _titles(db: Database) -> dict[str, int]:
    async with db.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT title, count(*) FROM bottleneck WHERE title LIKE 'Nota de campo %' "
            "GROUP BY title"))
        return {str(title): int(n) for title, n in rows.all()}


async def _bot(url: str, fake: FakeSlack, port: int, *, socket: bool = False
               ) -> asyncio.subprocess.Process:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MESABOT_DATABASE_URL": url,
           "MESABOT_AUDIT_KEY": AUDIT_KEY, "MESABOT_HTTP_PORT": str(port),
           "SLACK_BOT_TOKEN": fake.token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": fake.base_url, "MESABOT_LOG_LEVEL": "WARNING",
           # what the killed process held is taken over after this (10 s by default)
           "MESABOT_INBOX_LEASE_SECONDS": "2"}
    if socket:
        env["SLACK_APP_TOKEN"] = fake.app_token
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def _listening(http: httpx.AsyncClient) -> None:
    async with asyncio.timeout(30):
        while True:
            try:
                if (await http.get("/healthz")).status_code in (200, 503):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)


class Slack:
    """Slack's delivery of events to the app: what got no 200 is owed a retry."""

    def __init__(self, requests: SlackRequests, http: httpx.AsyncClient) -> None:
        self.requests = requests
        self.http = http
        self.owed: dict[int, tuple[SignedRequest, int]] = {}  # k -> (request, retries)
        self.delivered: set[int] = set()

    async def deliver(self, k: int, request: SignedRequest, retries: int = 0) -> None:
        if retries:
            request = self.requests.retry(request, number=retries)
        try:
            status = (await request.send(self.http)).status_code
        except httpx.TransportError:
            status = 0
        if status == 200:
            self.owed.pop(k, None)
            self.delivered.add(k)
        else:
            self.owed[k] = (request, retries + 1)

    async def settle(self) -> None:
        """Send again what is owed, as Slack retries, until each got its 200."""
        async with asyncio.timeout(60):
            while self.owed:
                for k, (request, retries) in list(self.owed.items()):
                    await self.deliver(k, request, retries)
                await asyncio.sleep(0.05)


@pytest.mark.timeout(180)
async def test_killed_mid_burst_and_restarted_processes_each_event_once(
    db: Database, unused_tcp_port: int,
) -> None:
    services = Services.build(db=db, clock=SystemClock())
    await forestry_mesa(services)
    fake = FakeSlack()
    await fake.start()
    for handle in WRITERS:
        fake.add_user(SLACK_IDS[handle], handle.capitalize())
        await services.members.link_identity(handle=handle, slack_user_id=SLACK_IDS[handle])
    requests = SlackRequests(fake=fake)
    burst: list[tuple[str, SignedRequest]] = []
    for k in range(BURST):  # from five people's messages with the bot, interleaved
        user = SLACK_IDS[WRITERS[k % len(WRITERS)]]
        burst.append((user, requests.message(user, fake.dm(user)["id"],
                                             f"problema {_title(k)}")))
    url = db.url
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{unused_tcp_port}", timeout=5)
    slack = Slack(requests, http)
    first = await _bot(url, fake, unused_tcp_port)
    second: asyncio.subprocess.Process | None = None
    try:
        await _listening(http)

        async def send_burst() -> None:
            for k, (_, request) in enumerate(burst):
                await slack.deliver(k, request)
                if k in slack.delivered and k % RETRIED_ANYWAY == 0:
                    await slack.deliver(k, request, retries=1)  # Slack's 3 s ran out
                await asyncio.sleep(0.03)

        sending = asyncio.create_task(send_burst())
        async with asyncio.timeout(60):
            while sum((await _titles(db)).values()) < 5:  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        await sending
        killed_at = sum((await _titles(db)).values())
        assert 0 < killed_at < BURST, "the kill should land in the middle of the burst"
        assert slack.owed, "some events should have found the process dead"

        second = await _bot(url, fake, unused_tcp_port)
        await _listening(http)
        await slack.settle()
        async with asyncio.timeout(90):
            while len(await _titles(db)) < BURST:  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.05)
        await _answered(fake, burst, await _refs(db))
        await asyncio.sleep(0.5)  # anything processed twice would show by now
        assert await _titles(db) == {_title(k): 1 for k in range(BURST)}
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 20) == 0
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGKILL)
                await process.wait()
        await http.aclose()
        await fake.stop()


@pytest.mark.timeout(180)
async def test_killed_mid_burst_in_socket_mode_and_restarted_processes_each_event_once(
    db: Database, unused_tcp_port: int,
) -> None:
    """The same over Socket Mode: what the dead process never acknowledged, Slack sends
    again on the next connection (``retry_attempt`` 1), and the inbox counts it once."""
    services = Services.build(db=db, clock=SystemClock())
    await forestry_mesa(services)
    fake = FakeSlack()
    await fake.start()
    for handle in WRITERS:
        fake.add_user(SLACK_IDS[handle], handle.capitalize())
        await services.members.link_identity(handle=handle, slack_user_id=SLACK_IDS[handle])
    requests = SlackRequests(fake=fake)
    burst: list[tuple[str, SignedRequest]] = []
    for k in range(BURST):
        user = SLACK_IDS[WRITERS[k % len(WRITERS)]]
        burst.append((user, requests.message(user, fake.dm(user)["id"],
                                             f"problema {_title(k)}")))
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{unused_tcp_port}", timeout=5)
    first = await _bot(db.url, fake, unused_tcp_port, socket=True)
    second: asyncio.subprocess.Process | None = None
    try:
        await _listening(http)
        async with asyncio.timeout(30):
            while not fake.connections:  # noqa: ASYNC110 - another process connects
                await asyncio.sleep(0.05)

        async def send_burst() -> None:
            for _, request in burst:
                await fake.deliver("events_api", request.data)
                await asyncio.sleep(0.03)

        sending = asyncio.create_task(send_burst())
        async with asyncio.timeout(60):
            while sum((await _titles(db)).values()) < 5:  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        await sending
        killed_at = sum((await _titles(db)).values())
        assert 0 < killed_at < BURST, "the kill should land in the middle of the burst"
        assert len(fake.acks) < BURST, "some envelopes should have found the process dead"

        second = await _bot(db.url, fake, unused_tcp_port, socket=True)
        async with asyncio.timeout(90):
            while len(await _titles(db)) < BURST:  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.05)
        await _answered(fake, burst, await _refs(db))
        async with asyncio.timeout(30):
            while len(fake.acks) < BURST:  # noqa: ASYNC110 - every envelope acknowledged
                await asyncio.sleep(0.05)
        assert any(e["retry_attempt"] for e in fake.envelopes.values())
        await asyncio.sleep(0.5)  # anything processed twice would show by now
        assert await _titles(db) == {_title(k): 1 for k in range(BURST)}
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 20) == 0
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGKILL)
                await process.wait()
        await http.aclose()
        await fake.stop()


async def _refs(db: Database) -> dict[str, str]:
    async with db.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT title, number FROM bottleneck WHERE title LIKE 'Nota de campo %'"))
        return {str(title): f"P-{number}" for title, number in rows.all()}


async def _answered(fake: FakeSlack, burst: list[tuple[str, Any]], refs: dict[str, str]
                    ) -> None:
    """Each event answered in the person's messages with the bot, at least once: with
    its title, or, when the process died between the commit and the answer, with the
    answer given again, which names its reference."""
    def said(user: str, k: int) -> bool:
        again = f"ya quedó registrado ({refs[_title(k)]})"
        return any(f"«{_title(k)}»" in text_of(m) or again in text_of(m)
                   for m in fake.sent(user))

    def missing() -> list[int]:
        return [k for k, (user, _) in enumerate(burst) if not said(user, k)]

    try:
        async with asyncio.timeout(60):
            while missing():  # noqa: ASYNC110 - another process posts
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"never answered: {missing()}: "
                             f"{[[text_of(m) for m in fake.sent(burst[k][0])] for k in missing()]}"
                             ) from None
