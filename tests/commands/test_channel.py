"""/canal (/channel): where private notices reach someone on Telegram and on Slack, in
Spanish and English, as a person would type it from either platform."""

from __future__ import annotations

import re

from bot.commands.dispatch import Dispatcher
from bot.commands.present import Presenter
from bot.commands.reply import Reply
from bot.core.chats import ChatRef
from bot.core.services import Services
from bot.handlers.console import render
from tests.builders import Cast
from tests.conftest import LIMA

TELEGRAM = ChatRef(platform="telegram", chat_id="111", is_private=True)
SLACK = ChatRef(platform="slack", chat_id="D1", is_private=True)


async def _say(services: Services, handle: str, text: str, chat: ChatRef | None = None
               ) -> Reply:
    identity = await services.members.identify(handle=handle)
    return await Dispatcher(services).handle(identity, text, chat=chat, source="t:1")


async def _read(services: Services, handle: str, text: str, chat: ChatRef | None = None
                ) -> str:
    return render(await _say(services, handle, text, chat))


async def _both(services: Services, handle: str) -> None:
    await services.members.link_identity(handle=handle, telegram_user_id=111,
                                         slack_user_id="U1")


async def test_it_says_where_notices_go_and_follows_the_platform_written_from(
    services: Services, cast: Cast
) -> None:
    await _both(services, "maria")
    assert await _read(services, "maria", "/canal", SLACK) == (
        "Sus avisos privados le llegan por Slack, donde escribió por última vez; mientras no "
        "elija, siguen a la plataforma desde la que escriba.\n"
        "  Para recibirlos por Telegram: /canal telegram\n"
        "  [Telegram: /channel telegram]")
    assert (await _read(services, "maria", "/canal", TELEGRAM)).startswith(
        "Sus avisos privados le llegan por Telegram, donde escribió por última vez")


async def test_choosing_in_spanish_holds_wherever_they_write_from(
    services: Services, cast: Cast
) -> None:
    await _both(services, "maria")
    chosen = await _read(services, "maria", "/canal Slack", TELEGRAM)
    assert chosen.startswith(
        "Listo: sus avisos privados irán por Slack, escriba desde donde escriba.")
    assert await _read(services, "maria", "/canal", TELEGRAM) == (
        "Sus avisos privados le llegan por Slack, como usted eligió.\n"
        "  Para recibirlos por Telegram: /canal telegram\n"
        "  [Telegram: /channel telegram]")
    # The button's command works too, and puts them back.
    assert "irán por Telegram" in await _read(services, "maria", "/channel telegram", SLACK)


async def test_in_english(services: Services, cast: Cast) -> None:
    await services.members.link_identity(handle="tom", telegram_user_id=333)
    assert await _read(services, "tom", "/channel", TELEGRAM) == (
        "Your private notices reach you on Telegram, the only chat account you have linked.\n"
        "  To use Slack too, link your account: /channel slack gives you a one-time code.")
    offer = (await _say(services, "tom", "/channel slack", TELEGRAM)).lines
    assert offer[0].text == (
        "To use the mesa from Slack too, as the same person, with your actions and notices, "
        "use this one-time code (valid for 30 minutes):")
    assert re.fullmatch(r"On Slack, type: /mesa unirme [A-Z2-9]{8}", offer[1].text)
    assert await _read(services, "tom", "/channel whatsapp", TELEGRAM) == (
        "⚠ “whatsapp” is not valid. Options: telegram, slack.")


async def test_a_code_to_link_telegram_asked_on_slack_in_spanish(
    services: Services, cast: Cast
) -> None:
    await services.members.link_identity(handle="maria", slack_user_id="U1")
    offer = await _read(services, "maria", "/canal telegram", SLACK)
    assert offer.startswith("Para usar la mesa también desde Telegram, como la misma persona")
    code = re.search(r"En Telegram, escriba al bot de la mesa: /start ([A-Z2-9]{8})", offer)
    assert code is not None
    assert "No comparta el código" in offer
    shown = await _read(services, "maria", "/canal", SLACK)
    assert shown.startswith("Sus avisos privados le llegan por Slack, la única cuenta")
    linked = await services.invitations.accept(code=code.group(1), name="María",
                                               language="es", telegram_user_id=555)
    assert render(Presenter("es", LIMA).joined(linked)) == (
        "Listo: su cuenta de Telegram quedó vinculada a María Quispe. Aquí tiene sus mesas, "
        "sus acciones y sus avisos; /canal dice por dónde le llegan.")


async def test_asked_in_a_group_the_code_goes_privately(services: Services, cast: Cast) -> None:
    await services.members.link_identity(handle="maria", telegram_user_id=111)
    group = ChatRef(platform="telegram", chat_id="-100", is_private=False)
    reply = await _say(services, "maria", "/canal slack", group)
    assert render(Reply(lines=reply.lines)) == "Le escribí en privado."
    assert reply.private is not None and "/mesa unirme" in render(reply.private)


async def test_someone_with_no_chat_account_is_told_so(services: Services, cast: Cast) -> None:
    """On the console nobody has written from a platform that delivers."""
    assert await _read(services, "maria", "/canal") == (
        "No tiene una cuenta de Telegram ni de Slack vinculada, así que sus avisos privados "
        "no pueden llegarle. Pida a un coordinador de su mesa que vincule la suya.")


async def test_help_lists_it(services: Services, cast: Cast) -> None:
    assert "/canal telegram|slack: por dónde le llegan sus avisos privados" in await _read(
        services, "maria", "/ayuda")
    assert "/channel telegram|slack: where your private notices reach you" in await _read(
        services, "tom", "/help")
