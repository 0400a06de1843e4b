"""Joining from Telegram: invitation deep links, approval of roles that speak for an
institution, and codes reused or forged."""

from __future__ import annotations

import re
from typing import Any

from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import TEAM, TELEGRAM_IDS
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram

CARLA, PEDRO = 2001, 2002


LINK = re.compile(r"https://t\.me/mesa_test_bot\?start=([\w-]+)")


async def _invite(fake: FakeTelegram, people: dict[str, Any], team: dict[str, Any],
                  words: str) -> str:
    """Rosa asks for a link in the team's group: the group reads that it was sent, and
    the link itself arrives in her private chat only."""
    rosa = TELEGRAM_IDS["rosa"]
    before, before_private = len(fake.sent(TEAM)), len(fake.sent(rosa))
    fake.type(people["rosa"], team, f"/invitar {words}")
    await fake.wait_for_messages(rosa, before_private + 1)
    await fake.wait_for_messages(TEAM, before + 1)
    group = fake.sent(TEAM)[before]["text"]
    assert "privado" in group and not LINK.search(group), group
    text = fake.sent(rosa)[before_private]["text"]
    match = LINK.search(text)
    assert match, text
    return match.group(1)


async def test_an_official_joins_by_link_and_acts_once_approved(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    _, team = await _linked(fake, people)
    code = await _invite(fake, people, team, "funcionario SERFOR")
    carla = fake.person(CARLA, "Carla Mendoza", "es-PE")
    fake.type(carla, fake.private(carla), f"/start {code}")
    await fake.wait_for_text(CARLA, "queda pendiente: un coordinador debe aprobarlo")
    waiting = await fake.wait_for_text(TEAM, "Carla Mendoza se unió como funcionario público")
    approve = waiting["reply_markup"]["inline_keyboard"][0][0]
    assert approve["text"] == "Aprobar"

    fake.type(carla, fake.private(carla), "/matriz")
    await fake.wait_for_text(CARLA, "espera la aprobación de un coordinador")

    fake.press(people["maria"], waiting, approve["callback_data"])
    fake.press(people["rosa"], waiting, approve["callback_data"])
    await fake.wait_for_text(TEAM, "Carla Mendoza ya actúa como funcionario público")
    refused = [a for a in fake.answers() if a.get("show_alert")]
    assert len(refused) == 1 and "no puede" in refused[0]["text"]
    await fake.wait_for_text(CARLA, "fue aprobado")

    fake.type(carla, fake.private(carla), "/problema Las guías tardan")
    await fake.wait_for_text(CARLA, "Registrado como P-1")


async def test_a_code_reused_or_forged_lets_nobody_in(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    _, team = await _linked(fake, people)
    code = await _invite(fake, people, team, "representante")
    carla, pedro = fake.person(CARLA, "Carla"), fake.person(PEDRO, "Pedro")
    fake.type(carla, fake.private(carla), f"/start {code}")
    await fake.wait_for_text(CARLA, "Bienvenido/a a la Mesa Forestal como representante privado")
    fake.type(pedro, fake.private(pedro), f"/start {code}")
    await fake.wait_for_text(PEDRO, "no es válido, ya se usó o venció")
    fake.type(pedro, fake.private(pedro), "/start forged-code-123")
    await fake.wait_for_messages(PEDRO, 2)
    assert "no es válido" in fake.sent(PEDRO)[-1]["text"]
    assert (await face.services.members.identify(telegram_user_id=CARLA)).mesas
    fake.type(pedro, fake.private(pedro), "/matriz")
    await fake.wait_for_text(PEDRO, "Aún no lo tengo registrado")


async def test_only_coordinators_invite(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    jorge = fake.private(people["jorge"])
    fake.type(people["jorge"], jorge, "/invitar funcionario SERFOR")
    await fake.wait_for_text(TELEGRAM_IDS["jorge"], "no puede")


async def test_start_greets_a_member_by_name_and_a_stranger_with_how_to_join(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    maria = people["maria"]
    fake.type(maria, fake.private(maria), "/start")
    greeted = await fake.wait_for_text(TELEGRAM_IDS["maria"], "Hola, María Quispe.")
    assert "Ya participa en: Mesa Forestal" in greeted["text"]
    assert "enlace de invitación" not in greeted["text"]
    stranger = fake.person(PEDRO, "Pedro", "es")
    fake.type(stranger, fake.private(stranger), "/start")
    await fake.wait_for_text(PEDRO, "use el enlace de invitación")
