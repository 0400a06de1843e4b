"""One deployment, two faces: the Telegram face and the Slack face on the same services
and database. A bottleneck logged in the mesa's Telegram group is claimed from its Slack
channel; what the mesa's ground is told reaches the linked chat of each platform; one
person with both identities is the same member on both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.core.services import Services
from bot.handlers.slack.face import SlackFace
from bot.handlers.telegram.face import TelegramFace
from tests.builders import PEOPLE, Cast
from tests.handlers.slack.conftest import GROUND, TEAM_CHANNEL
from tests.handlers.slack.test_scenario import _button
from tests.handlers.telegram.conftest import GROUP, TELEGRAM_IDS
from tests.slack_requests import SlackRequests
from tests.slack_server import FakeSlack, text_of
from tests.telegram_server import FakeTelegram


@pytest.fixture
async def telegram(services: Services, cast: Cast, slack_face: SlackFace
                   ) -> AsyncIterator[tuple[FakeTelegram, TelegramFace]]:
    """The Telegram face beside the Slack one; each person also has a Telegram account
    (the Slack fixture linked their Slack ids first)."""
    fake = FakeTelegram()
    await fake.start()
    for handle, user_id in TELEGRAM_IDS.items():
        await services.members.link_identity(handle=handle, telegram_user_id=user_id)
    face = TelegramFace(services, token=fake.token, api_base_url=fake.base_url,
                        clock=services.clock, poll_timeout=1)
    await face.start()
    yield fake, face
    await face.stop()
    await fake.stop()


def _users(fake: FakeTelegram) -> dict[str, dict[str, Any]]:
    return {handle: fake.person(TELEGRAM_IDS[handle], name.split()[0],
                                "en" if handle == "tom" else "es-PE")
            for handle, name, *_ in PEOPLE}


async def test_logged_on_telegram_claimed_on_slack_and_told_on_both(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
    telegram: tuple[FakeTelegram, TelegramFace],
) -> None:
    fake, _ = telegram
    tg = _users(fake)
    group = fake.group(GROUP, "Mesa Forestal")
    # The mesa's ground on both platforms, the team on Slack only.
    fake.type(tg["rosa"], group, "/vincular grupo")
    await fake.wait_for_text(GROUP, "como grupo de la mesa")
    await slack_requests.command(people["rosa"], GROUND, "vincular grupo").send(app)
    await slack.wait_for_answer(GROUND, "como grupo de la mesa")
    await slack_requests.command(people["rosa"], TEAM_CHANNEL, "vincular equipo").send(app)
    await slack.wait_for_answer(TEAM_CHANNEL, "como chat del equipo")

    fake.type(tg["maria"], group, "/problema Guías de transporte forestal demoran semanas")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    await slack.wait_for_text(TEAM_CHANNEL, "Nuevo problema P-1 de María Quispe")

    await slack_requests.command(people["rosa"], TEAM_CHANNEL,
                                 "accion P-1 Simplificar la guía de transporte").send(app)
    on_slack = await slack.wait_for_text(GROUND, "Acción A-1 propuesta sobre P-1")
    on_telegram = await fake.wait_for_text(GROUP, "Acción A-1 propuesta sobre P-1")
    assert on_telegram["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/claim A-1"

    _, action_id = _button(on_slack, "/claim A-1")
    await slack_requests.block_action(people["jorge"], GROUND, on_slack, action_id,
                                      "/claim A-1").send(app)
    await slack.wait_for_text(GROUND, "A-1 la asume Jorge Salas (SERFOR)")
    await fake.wait_for_text(GROUP, "Jorge Salas (SERFOR) asume A-1")

    # Too late on Telegram: Lucía, of another entity, finds it taken.
    fake.press(tg["lucia"], on_telegram, "/claim A-1")
    (taken,) = await fake.wait_for_answers(1)
    assert "Jorge Salas" in taken["text"], taken

    # Jorge confirms on Telegram, in his private chat, what he claimed on Slack...
    fake.type(tg["jorge"], fake.private(tg["jorge"]), "/confirmar A-1 viernes")
    await fake.wait_for_text(TELEGRAM_IDS["jorge"], "viernes 15 de enero de 2027")
    # ...and sees it among his actions on Slack: one member, two identities.
    dm = slack.dm(people["jorge"])["id"]
    await slack_requests.message(people["jorge"], dm, "mis_tareas").send(app)
    mine = await slack.wait_for_text(dm, "Sus acciones")
    assert "A-1" in text_of(mine) and "confirmada" in text_of(mine)
    claims = [text_of(m) for m in slack.sent(GROUND)
              if "A-1 la asume" in text_of(m) or "asume A-1" in text_of(m)]
    assert len(claims) == 1, claims  # the channel that saw the claim is not told again
