"""Jorge, on Telegram in the Mesa Forestal, starts using Slack: he asks for a code on
Telegram, types it on Slack, and is the same member there, with his actions and roles,
through the real python-telegram-bot and slack-bolt against the local platforms. And
Rosa, on Slack, adds Telegram the same way."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler

from bot.core.services import Services
from bot.handlers.slack.face import SlackFace
from bot.handlers.telegram.face import TelegramFace
from tests.builders import Cast
from tests.handlers.telegram.conftest import TELEGRAM_IDS
from tests.slack_requests import SIGNING_SECRET, SlackRequests
from tests.slack_server import FakeSlack, text_of
from tests.telegram_server import FakeTelegram

JORGE_SLACK, ROSA_SLACK, LUCIA_SLACK = "U0JORGE", "U0ROSA", "U0LUCIA"
CODE = re.compile(r"(?:unirme|/start) ([A-Z2-9]{8})")


@pytest.fixture
async def faces(services: Services, cast: Cast, slack: FakeSlack
                ) -> AsyncIterator[tuple[FakeTelegram, SlackFace, httpx.AsyncClient]]:
    """Jorge on Telegram only, Rosa on Slack only, Lucía on Slack only."""
    await services.members.link_identity(handle="jorge", telegram_user_id=TELEGRAM_IDS["jorge"])
    await services.members.link_identity(handle="rosa", slack_user_id=ROSA_SLACK)
    await services.members.link_identity(handle="lucia", slack_user_id=LUCIA_SLACK)
    for user, name in ((JORGE_SLACK, "Jorge Salas"), (ROSA_SLACK, "Rosa Díaz"),
                       (LUCIA_SLACK, "Lucía Torres")):
        slack.add_user(user, name, locale="es-LA")
    fake = FakeTelegram()
    await fake.start()
    telegram = TelegramFace(services, token=fake.token, api_base_url=fake.base_url,
                            clock=services.clock, poll_timeout=1)
    await telegram.start()
    face = SlackFace(services, token=slack.token, signing_secret=SIGNING_SECRET,
                     api_url=slack.base_url, clock=services.clock)
    await face.start()
    transport = httpx.ASGITransport(app=AsyncSlackRequestHandler(face.front))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://slack.test") as app:
        yield fake, face, app
    await face.stop()
    await telegram.stop()
    await fake.stop()


async def test_jorge_links_his_slack_account_from_telegram(
    faces: tuple[FakeTelegram, SlackFace, httpx.AsyncClient], slack: FakeSlack,
    services: Services,
) -> None:
    fake, _, app = faces
    jorge = fake.person(TELEGRAM_IDS["jorge"], "Jorge", "es-PE")
    chat = fake.private(jorge)
    fake.type(jorge, chat, "/canal slack")
    offer = await fake.wait_for_text(TELEGRAM_IDS["jorge"], "En Slack, escriba: /mesa unirme")
    code = CODE.search(offer["text"])
    assert code is not None

    send = SlackRequests(fake=slack)
    dm = slack.dm(JORGE_SLACK)["id"]
    await send.command(JORGE_SLACK, dm, f"unirme {code.group(1)}").send(app)
    await slack.wait_for_text(dm, "su cuenta de Slack quedó vinculada a Jorge Salas")
    # told on Telegram, where he already was
    await fake.wait_for_text(TELEGRAM_IDS["jorge"], "Se vinculó una cuenta de Slack a su "
                                                    "nombre (Jorge Salas)")
    # the same member on Slack: his mesa and role came with him
    await send.message(JORGE_SLACK, dm, "mis_tareas").send(app)
    await slack.wait_for_messages(dm, 2)
    identity = await services.members.identify(slack_user_id=JORGE_SLACK)
    assert identity.handle == "jorge" and [m.role for m in identity.mesas] == [
        "public_official"]

    # the code is spent: Lucía cannot use it for her account, nor Jorge again
    await send.command(LUCIA_SLACK, slack.dm(LUCIA_SLACK)["id"],
                       f"unirme {code.group(1)}").send(app)
    await slack.wait_for_text(slack.dm(LUCIA_SLACK)["id"], "Este código no es válido")
    assert (await services.members.identify(slack_user_id=LUCIA_SLACK)).handle == "lucia"


async def test_rosa_links_telegram_from_slack_and_an_account_of_another_is_refused(
    faces: tuple[FakeTelegram, SlackFace, httpx.AsyncClient], slack: FakeSlack,
    services: Services,
) -> None:
    fake, _, app = faces
    send = SlackRequests(fake=slack)
    dm = slack.dm(ROSA_SLACK)["id"]
    await send.command(ROSA_SLACK, dm, "canal telegram").send(app)
    offer = await slack.wait_for_text(dm, "En Telegram, escriba al bot de la mesa: /start")
    code = CODE.search(text_of(offer))
    assert code is not None and "/mesa start" not in text_of(offer)

    # typed by Jorge's Telegram (already his): refused, nothing changes
    jorge = fake.person(TELEGRAM_IDS["jorge"], "Jorge", "es-PE")
    fake.type(jorge, fake.private(jorge), f"/start {code.group(1)}")
    await fake.wait_for_text(TELEGRAM_IDS["jorge"], "ya pertenece a otra persona")
    assert (await services.members.identify(handle="rosa")).member_id != (
        await services.members.identify(telegram_user_id=TELEGRAM_IDS["jorge"])).member_id

    rosa = fake.person(TELEGRAM_IDS["rosa"], "Rosa", "es-PE")
    fake.type(rosa, fake.private(rosa), f"/start {code.group(1)}")
    await fake.wait_for_text(TELEGRAM_IDS["rosa"], "su cuenta de Telegram quedó vinculada a "
                                                   "Rosa Díaz")
    identity = await services.members.identify(telegram_user_id=TELEGRAM_IDS["rosa"])
    assert identity.handle == "rosa" and identity.mesas[0].role == "coordinator"
    await slack.wait_for_text(ROSA_SLACK, "Se vinculó una cuenta de Telegram a su nombre")
