"""Trust on Telegram: a pressed button passes the same gate as a typed command, a group
never reads about anyone's other mesas, and people leave with their promises handed on."""

from __future__ import annotations

from typing import Any

from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import GROUP, TEAM, TELEGRAM_IDS
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import BOT, FakeTelegram

UNLINKED = -100999
PEDRO = 2500


def _bot_message(chat: dict[str, Any]) -> dict[str, Any]:
    """A message of the bot's in ``chat`` to hang a button press on."""
    return {"message_id": 1, "from": BOT, "chat": chat, "date": 0, "text": "…"}


async def test_a_button_pressed_in_an_unlinked_group_does_nothing_there(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    stray = fake.group(UNLINKED, "Otro grupo")
    fake.press(people["rosa"], _bot_message(stray), "/matriz")
    fake.press(people["maria"], _bot_message(stray), "/problema Registro lento")
    alerts = await fake.wait_for_answers(2)
    assert fake.sent(UNLINKED) == []
    assert all(a.get("show_alert") and "no está vinculado" in a["text"] for a in alerts)
    rosa = (await face.services.members.identify(handle="rosa")).actor()
    assert (await face.services.reading.matrix(actor=rosa)).awaiting_triage == []


async def test_a_refusal_in_a_group_keeps_the_persons_other_mesas_private(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    await face.services.members.link_identity(handle="pedro", telegram_user_id=PEDRO)
    pedro = fake.person(PEDRO, "Pedro", "es-PE")
    fake.type(pedro, group, "/matriz")
    public = await fake.wait_for_text(GROUP, "No tiene un rol en la mesa de este grupo")
    assert "acuicola" not in public["text"].lower() and "Acuícola" not in public["text"]
    private = await fake.wait_for_text(PEDRO, "Sus mesas")
    assert "acuicola" in private["text"]


async def test_a_coordinator_removes_someone_and_their_promise_goes_back(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, team = await _linked(fake, people)
    fake.type(people["maria"], group, "/problema Guías de transporte lentas")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    fake.type(people["rosa"], team, "/accion P-1 Digitalizar las guías")
    await fake.wait_for_text(TEAM, "A-1")
    fake.type(people["andres"], group, "/tomar A-1")
    await fake.wait_for_text(GROUP, "A-1 la asume Andrés Paredes")

    fake.type(people["rosa"], team, "/quitar andres")
    await fake.wait_for_text(TEAM, "Andrés Paredes ya no participa en la Mesa Forestal")
    await fake.wait_for_text(TEAM, "A-1 vuelven a la mesa como propuestas")
    await fake.wait_for_text(TELEGRAM_IDS["andres"], "Su participación en la Mesa Forestal terminó")

    before = len(fake.sent(GROUP))
    fake.type(people["andres"], group, "/hecho A-1")
    await fake.wait_for_messages(GROUP, before + 1)
    assert "No tiene un rol" in fake.sent(GROUP)[before]["text"]
    fake.type(people["lucia"], group, "/tomar A-1")
    await fake.wait_for_text(GROUP, "A-1 la asume Lucía Ramos")


async def test_a_forged_invitation_code_with_control_characters_is_just_invalid(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    stranger = fake.person(2600, "Ana\u202e\x00", "es-PE")
    fake.type(stranger, fake.private(stranger), "/start abc\x00\u200bdef")
    await fake.wait_for_text(2600, "no es válido")
