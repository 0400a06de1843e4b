"""What people mistype is answered with what they meant: an unknown command gets the
nearest commands, in either language, never a message key."""

from __future__ import annotations

import pytest

from bot.commands.dispatch import Dispatcher
from bot.core.services import Services
from tests.builders import Cast


async def _answer(services: Services, handle: str, text: str) -> str:
    identity = await services.members.identify(handle=handle)
    reply = await Dispatcher(services).handle(identity, text, mesa="forestal")
    return "\n".join(line.text for line in reply.lines)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("/problma Guías lentas", "¿Quiso decir /problema o /problemas?"),
        ("/tomr A-1", "¿Quiso decir /tomar?"),
        ("/confirmr A-1 viernes", "¿Quiso decir /confirmar?"),
        ("/agneda", "¿Quiso decir /agenda?"),
        ("/clasifcar P-1 MP", "¿Quiso decir /clasificar?"),
        ("/priorisar P-1", "¿Quiso decir /priorizar o /despriorizar?"),
        ("/avanse A-1 listo", "¿Quiso decir /avance?"),
        ("/calim A-1", "¿Quiso decir /claim?"),  # the English word she was typing
    ],
)
async def test_an_unknown_command_is_answered_with_the_nearest(
    services: Services, cast: Cast, typed: str, said: str
) -> None:
    answer = await _answer(services, "maria", typed)
    assert answer == f"No conozco el comando «{typed.split()[0]}». {said}"


async def test_nothing_near_is_answered_with_the_help(services: Services, cast: Cast) -> None:
    assert await _answer(services, "maria", "/volar P-1") == \
        "No conozco el comando «/volar». Escriba /ayuda para ver los comandos."
    assert await _answer(services, "tom", "/hlep") == \
        "I do not know the command “/hlep”. Did you mean /help?"
