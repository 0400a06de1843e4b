"""Many messages at once (the pings before a session, for every mesa): they go at
Telegram's pace, which a server keeping Telegram's limits never refuses."""

from __future__ import annotations

import asyncio

from bot.commands.reply import Reply
from bot.handlers.telegram.face import TelegramFace
from tests.telegram_server import FakeTelegram


async def test_a_burst_to_many_chats_stays_within_telegrams_limits(
    fake: FakeTelegram, face: TelegramFace,
) -> None:
    fake.enforce_limits = True
    chats = range(5_000_001, 5_000_071)  # seventy people, one message each
    await asyncio.gather(*(face.send(chat, Reply().add("Recordatorio")) for chat in chats))
    assert fake.limited == 0
    assert all(len(fake.sent(chat)) == 1 for chat in chats)
