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


async def test_mesa_typed_in_a_group_answers_privately(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    await face.services.members.grant_role(mesa="acuicola", handle="jorge",
                                           role="public_official", entity="SERFOR")
    fake.type(people["jorge"], group, "/mesa")
    public = await fake.wait_for_text(GROUP, "Le escribí en privado con sus mesas")
    assert "Acuícola" not in public["text"] and "reply_markup" not in public
    await fake.wait_for_text(TELEGRAM_IDS["jorge"], "Mesa Acuícola")


async def test_a_refused_press_in_a_group_alerts_and_tells_only_the_presser(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    await face.services.members.link_identity(handle="pedro", telegram_user_id=PEDRO)
    pedro = fake.person(PEDRO, "Pedro", "es-PE")
    before = len(fake.sent(GROUP))
    fake.press(pedro, _bot_message(group), "/matriz")
    (alert,) = await fake.wait_for_answers(1)
    assert alert["show_alert"] and "acuicola" not in alert["text"].lower()
    await fake.wait_for_text(PEDRO, "Sus mesas")
    assert len(fake.sent(GROUP)) == before


async def test_a_coordinator_of_one_mesa_links_a_new_group_without_choosing(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    await face.services.members.grant_role(mesa="acuicola", handle="rosa", role="observer",
                                           entity="PRODUCE")
    group = fake.group(GROUP, "Mesa Forestal")
    fake.type(people["rosa"], group, "/vincular grupo")
    await fake.wait_for_text(GROUP, "queda vinculado a la Mesa Forestal")


async def test_an_invitation_code_typed_in_a_group_is_not_taken(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    fake.type(people["maria"], group, "/start abc123")
    await fake.wait_for_text(GROUP, "Abra el enlace de invitación en un chat privado")


async def test_a_button_acts_in_the_mesa_it_was_sent_for(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    """Andrés sits in two mesas, each with an A-1: the button under his forestry tasks
    marks the forestry A-1 done, whichever mesa he has chosen since."""
    services = face.services
    await services.members.grant_role(mesa="acuicola", handle="andres", role="private_rep",
                                      entity="CONAFOR")
    for slug in ("forestal", "acuicola"):
        andres = (await services.members.identify(handle="andres")).actor(slug)
        await services.bottlenecks.log(actor=andres, text=f"Problema en {slug}")
        await services.actions.propose(actor=andres, bottleneck_ref="P-1", text="Hacerlo")
        await services.actions.claim(actor=andres, ref="A-1")
    chat = fake.private(people["andres"])
    fake.type(people["andres"], chat, "/mesa forestal")
    await fake.wait_for_text(chat["id"], "actúa en la Mesa Forestal")
    fake.type(people["andres"], chat, "/mis_tareas")
    tasks = await fake.wait_for_text(chat["id"], "A-1")
    fake.type(people["andres"], chat, "/mesa acuicola")
    await fake.wait_for_text(chat["id"], "actúa en la Mesa Acuícola")
    fake.press(people["andres"], tasks, "/done A-1")
    await fake.wait_for_answers(1)
    await fake.wait_for_text(chat["id"], "hecha")
    forestal = (await services.members.identify(handle="andres")).actor("forestal")
    acuicola = (await services.members.identify(handle="andres")).actor("acuicola")
    assert [a.status for a in await services.reading.my_actions(actor=acuicola)] == ["claimed"]
    assert await services.reading.my_actions(actor=forestal) == []
