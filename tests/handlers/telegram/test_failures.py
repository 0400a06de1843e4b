"""What Telegram throws at a bot: the same update twice, 429s, people who blocked the
bot, groups that became supergroups, and very long messages."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import select

from bot.handlers.telegram.face import TelegramFace
from bot.storage.tables import OutboxDelivery
from tests.handlers.telegram.conftest import GROUP, TEAM, TELEGRAM_IDS
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram


def _texts(fake: FakeTelegram, chat_id: int, fragment: str) -> list[str]:
    return [m["text"] for m in fake.sent(chat_id) if fragment in m.get("text", "")]


async def test_the_same_update_twice_changes_nothing_twice(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    update = fake.type(people["maria"], group, "/problema Registro lento")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    fake.redeliver(update)
    fake.type(people["maria"], group, "/matriz")  # after the duplicate, in the same chat
    await fake.wait_for_text(GROUP, "Matriz de la Mesa Forestal")
    assert len(_texts(fake, GROUP, "Registrado como")) == 1
    matrix = await face.services.reading.matrix(
        actor=(await face.services.members.identify(handle="rosa")).actor()
    )
    assert [b.ref for b in matrix.awaiting_triage] == ["P-1"]


async def test_a_429_delays_the_reply_and_loses_nothing(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1},
                   times=2)
    fake.type(people["maria"], group, "/problema Registro lento")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    await fake.wait_for_text(TEAM, "Nuevo problema P-1")
    assert len(_texts(fake, GROUP, "Registrado como P-1")) == 1


async def test_a_person_who_blocked_the_bot_is_not_retried_forever(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, team = await _linked(fake, people)
    fake.blocked_by.add(TELEGRAM_IDS["maria"])
    fake.type(people["maria"], group, "/problema Registro lento")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    fake.type(people["rosa"], team, "/clasificar P-1 MP ley 3 3")
    await fake.wait_for_text(TEAM, "P-1 clasificado")
    # The face's own delivery loop may hold the notice mid-send ("sending"): deliver
    # until every delivery has settled, not a fixed number of rounds.
    async with asyncio.timeout(30):
        while True:
            await face.delivery.run_once()
            async with face.services.db.read() as s:
                statuses = {(d.status, d.detail) for d in await s.exec(
                    select(OutboxDelivery).where(OutboxDelivery.platform == "telegram"))}
            if all(status != "sending" for status, _ in statuses):
                break
            await asyncio.sleep(0.05)
    assert ("failed", "Forbidden: bot was blocked by the user") in statuses
    tries = [p for m, p in fake.calls
             if m == "sendMessage" and int(p["chat_id"]) == TELEGRAM_IDS["maria"]]
    assert len(tries) == 1


async def test_a_group_that_became_a_supergroup_keeps_its_link(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    _, team = await _linked(fake, people)
    supergroup = -1009999
    fake.migrated[GROUP] = supergroup
    fake.type(people["maria"], fake.private(people["maria"]), "/problema Registro lento")
    await fake.wait_for_text(TELEGRAM_IDS["maria"], "Registrado como P-1")
    fake.type(people["rosa"], team, "/clasificar P-1 MP ley 3 3")
    fake.type(people["rosa"], team, "/priorizar P-1")
    await fake.wait_for_text(supergroup, "P-1 entra en los priorizados")
    linked = await face.services.chats.linked(platform="telegram", chat_id=str(supergroup))
    assert linked is not None and linked.mesa_slug == "forestal"


async def test_a_5000_character_bottleneck_is_kept_whole_and_shown_in_parts(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    words = " ".join(f"palabra{i} <&>" for i in range(600))[:5000]
    fake.type(people["maria"], group, "/problema " + words)
    logged = await fake.wait_for_text(GROUP, "Registrado como P-1")
    assert "palabra0 &lt;&amp;&gt;" in logged["text"]
    before = len(fake.sent(GROUP))
    fake.type(people["maria"], group, "/ver P-1")
    await fake.wait_for_text(GROUP, "Historial")
    await asyncio.sleep(0.1)
    parts = fake.sent(GROUP)[before:]
    assert len(parts) >= 2
    assert all(len(p["text"]) <= 4096 for p in parts)
    shown = "".join(p["text"] for p in parts)
    last_word = [w for w in words.split() if w.startswith("palabra")][-1]
    assert f"{last_word} " in shown or shown.count("palabra") >= words.count("palabra")
