"""/canal (/channel): where private notices reach someone on Telegram and on Slack, in
Spanish and English, as a person would type it from either platform."""

from __future__ import annotations

from bot.commands.dispatch import Dispatcher
from bot.commands.reply import Reply
from bot.core.chats import ChatRef
from bot.core.services import Services
from bot.handlers.console import render
from tests.builders import Cast

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
        "  To get them on Slack, ask a coordinator of your mesa to link your Slack account.")
    assert await _read(services, "tom", "/channel slack", TELEGRAM) == (
        "⚠ You have no Slack account linked, so I cannot write to you there; your notices "
        "keep going where you get them now. Ask a coordinator of your mesa to link it (the "
        "administrator types: mesabot member link tom --slack-id <id>).")
    assert await _read(services, "tom", "/channel whatsapp", TELEGRAM) == (
        "⚠ “whatsapp” is not valid. Options: telegram, slack.")


async def test_refusals_in_spanish_change_nothing(services: Services, cast: Cast) -> None:
    await services.members.link_identity(handle="maria", slack_user_id="U1")
    assert await _read(services, "maria", "/canal telegram", SLACK) == (
        "⚠ No tiene una cuenta de Telegram vinculada, así que no puedo escribirle allí; sus "
        "avisos siguen por donde ya los recibe. Pida a un coordinador de su mesa que la "
        "vincule (el administrador escribe: mesabot member link maria --telegram-id <id>).")
    shown = await _read(services, "maria", "/canal", SLACK)
    assert shown.startswith("Sus avisos privados le llegan por Slack, la única cuenta")
    assert "/canal telegram" not in shown


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
