"""Telegram answering 429 and then 500 for an hour while pings and the agenda come due:
every notice arrives once it is back, each exactly once; and an agenda of three messages
whose second one fails is resumed, not sent again from the start."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.notices import DELIVERY_WINDOW, LAST_RETRY
from bot.handlers.telegram.face import SEND_TRIES, TelegramFace
from bot.storage.tables import OutboxDelivery
from tests.builders import Cast
from tests.conftest import LIMA
from tests.handlers.telegram.conftest import GROUP, TEAM, TELEGRAM_IDS
from tests.handlers.telegram.test_agenda_fits import _big_mesa
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram

AGENDA = "Agenda de la Mesa Forestal · sesión 1"
PING = "Recordatorio: la sesión 1"


def _clock(face: TelegramFace) -> ManualClock:
    clock = face.services.clock
    assert isinstance(clock, ManualClock)
    return clock


async def _rounds_by_hand(face: TelegramFace) -> None:
    """Stop the face's own delivery loop: these tests run the rounds, and the held clock
    jumps minutes between them, which would lapse a lease that loop holds mid-send."""
    for task in face._tasks:
        if task.get_name() == "telegram.outbox":
            task.cancel()


async def _statuses(face: TelegramFace) -> Counter[str]:
    async with face.services.db.read() as s:
        return Counter(d.status for d in await s.exec(
            select(OutboxDelivery).where(OutboxDelivery.platform == "telegram")))


async def _drain(face: TelegramFace) -> None:
    """Deliver until nothing waits (the face's own loop may deliver some meanwhile)."""
    for _ in range(50):
        await face.delivery.run_once()
        if (await face.delivery.backlog(_clock(face).now()))[0] == 0:
            return
        _clock(face).advance(LAST_RETRY)
    raise AssertionError(f"still waiting: {await _statuses(face)}")


def _received(fake: FakeTelegram, chats: list[int], fragment: str) -> Counter[tuple[int, str]]:
    return Counter((chat, m["text"]) for chat in chats for m in fake.sent(chat)
                   if fragment in m.get("text", ""))


async def test_an_hour_of_429_and_500_delays_the_pings_and_the_agenda_and_loses_none(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any], cast: Cast
) -> None:
    services, clock = face.services, _clock(face)
    await _rounds_by_hand(face)
    await _linked(fake, people)
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    for owner, text in ((cast.jorge, "Publicar"), (cast.lucia, "Supervisar")):
        action = await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1",
                                                text=text)
        await services.actions.claim(actor=owner, ref=action.ref)
        await services.actions.confirm(actor=owner, ref=action.ref, due="el viernes")
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")  # 15 Jan
    await _drain(face)

    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1",
                   {"retry_after": 1}, times=SEND_TRIES)
    fake.go_down("sendMessage", 500, "Internal Server Error")
    clock.set(datetime(2027, 1, 14, 10, 0, tzinfo=LIMA))  # the 24-hour pings
    assert await services.reminders.tick() == 2
    clock.set(datetime(2027, 1, 15, 8, 0, tzinfo=LIMA))  # the agenda
    assert await services.agenda_delivery.tick() == 2
    for _ in range(60):  # an hour of rounds, every notice refused each time it is due
        await face.delivery.run_once()
        clock.advance(timedelta(minutes=1))
    owners = [TELEGRAM_IDS["jorge"], TELEGRAM_IDS["lucia"]]
    assert _received(fake, owners, PING) + _received(fake, [TEAM, GROUP], AGENDA) == Counter()
    refused = sum(1 for method, params in fake.calls if method == "sendMessage"
                  and int(params["chat_id"]) in (*owners, TEAM, GROUP))
    assert refused > 4 * 8  # each of the four was refused more than eight times
    waiting, oldest = await face.delivery.backlog(clock.now())
    assert waiting == 4 and oldest is not None  # /healthz reports them, and their age
    assert (await _statuses(face))["failed"] == 0

    fake.recover("sendMessage")
    await _drain(face)
    assert _received(fake, owners, PING) == Counter(
        {(chat, text): 1 for chat, text in _received(fake, owners, PING)})
    assert sorted(chat for chat, _ in _received(fake, owners, PING)) == sorted(owners)
    agendas = _received(fake, [TEAM, GROUP], AGENDA)
    assert sorted(agendas.values()) == [1, 1] and {c for c, _ in agendas} == {TEAM, GROUP}
    assert set(await _statuses(face)) == {"sent"}


async def test_an_agenda_in_three_messages_resumes_after_the_one_that_went_out(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any], cast: Cast
) -> None:
    services, clock = face.services, _clock(face)
    await _rounds_by_hand(face)
    await _linked(fake, people)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await _big_mesa(services, cast, clock)
    await _drain(face)
    before = {chat: len(fake.sent(chat)) for chat in (TEAM, GROUP)}

    fake.fail_next("sendMessage", 500, "Internal Server Error", after=1)  # the 2nd message
    clock.set(datetime(2027, 1, 15, 8, 0, tzinfo=LIMA))
    assert await services.agenda_delivery.tick() == 2
    await _drain(face)
    assert fake.failures["sendMessage"] == []  # the second message did fail

    for chat in (TEAM, GROUP):
        sent = fake.sent(chat)[before[chat]:]
        parts = [m["text"] for m in sent if "text" in m]
        assert len(parts) == 3, parts
        assert len(set(parts)) == 3  # none repeated
        assert AGENDA in parts[0]
        files = [m["document"]["file_name"] for m in sent if "document" in m]
        assert sorted(files) == sorted(set(files)) and len(files) == 3  # each file once
    assert set(await _statuses(face)) == {"sent"}


async def test_a_notice_refused_for_three_days_is_given_up_with_an_error_line(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any], cast: Cast,
    caplog: pytest.LogCaptureFixture,
) -> None:
    services, clock = face.services, _clock(face)
    await _rounds_by_hand(face)
    await _linked(fake, people)
    await _drain(face)
    fake.go_down("sendMessage", 502, "Bad Gateway")
    written = clock.now()
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await face.delivery.run_once()
    clock.set(written + timedelta(days=2))
    await face.delivery.run_once()
    assert (await _statuses(face))["retry"] == 1  # two days on, still to be tried
    clock.set(written + DELIVERY_WINDOW - timedelta(seconds=1))  # its next try: too late
    await face.delivery.run_once()
    assert (await _statuses(face))["failed"] == 1
    (line,) = [r for r in caplog.records if "given up" in r.getMessage()]
    assert line.levelname == "ERROR"
    assert "given up after 3 days of failures (Bad Gateway)" in line.getMessage()
