"""Confirming an action through the console: the reminder sentence speaks to the one who
will be reminded, and says so when no session is scheduled; an owner whose promise a
colleague dated is told privately, and how to move the date."""

from __future__ import annotations

import re

import pytest

from bot.commands.reply import Reply
from bot.core.services import Services
from bot.handlers.console import Console, render
from tests.builders import Cast


@pytest.fixture
async def console(services: Services, cast: Cast) -> Console:
    """The forestry mesa, with Ana Torres as a second SERFOR official."""
    await services.members.add_member(handle="ana", name="Ana Torres")
    await services.members.grant_role(mesa="forestal", handle="ana", role="public_official",
                                      entity="SERFOR")
    return Console(services)


async def say(console: Console, handle: str, text: str) -> str:
    return render(await console.say(handle, text))


async def _claimed_by_jorge(console: Console, *, session: bool) -> None:
    if session:
        assert "Sesión 1 programada" in await say(console, "rosa", "/sesion viernes 10:00")
    await say(console, "maria", "/problema Guías de transporte lentas")
    assert "A-1" in await say(console, "rosa", "/accion P-1 Digitalizar las guías")
    assert "Jorge Salas (SERFOR)" in await say(console, "jorge", "/tomar A-1")
    await console.deliver()  # the news so far, out of the way


def _private(notices: list[str], name: str) -> list[str]:
    return [n for n in notices if f"mensaje privado para {name}" in n
            or f"private message to {name}" in n]


async def test_the_owner_confirming_is_told_they_will_be_reminded(console: Console) -> None:
    await _claimed_by_jorge(console, session=True)
    reply = await say(console, "jorge", "/confirmar A-1 el viernes")
    assert "A-1 confirmada: Jorge Salas (SERFOR) se compromete para el viernes 15 de enero" \
        in reply
    assert reply.endswith("Se le recordará antes de cada sesión.")
    assert _private(await console.deliver(), "Jorge Salas") == []


async def test_a_colleague_confirming_names_the_owner_who_is_told_privately(
    console: Console,
) -> None:
    await _claimed_by_jorge(console, session=True)
    reply = await say(console, "ana", "/confirmar A-1 el viernes")
    assert "A-1 confirmada: Jorge Salas (SERFOR) se compromete para el viernes 15 de enero" \
        in reply
    assert "Se le recordará a Jorge Salas antes de cada sesión." in reply
    assert "Se le recordará antes" not in reply

    (notice,) = _private(await console.deliver(), "Jorge Salas")
    assert ("Ana Torres confirmó a su nombre A-1 «Digitalizar las guías» para el viernes 15 "
            "de enero de 2027") in notice
    assert "cámbiela con /plazo A-1 <nueva fecha>, <motivo>" in notice
    assert _private(await console.deliver(), "Ana Torres") == []

    # What the notice says to type works, for Jorge.
    moved = await say(console, "jorge", "/plazo A-1 viernes 22 de enero, la guía necesita firma")
    assert "A-1: nueva fecha viernes 22 de enero de 2027" in moved


async def test_a_coordinator_confirming_a_private_owners_action_tells_the_owner(
    console: Console,
) -> None:
    assert "Sesión 1" in await say(console, "rosa", "/sesion viernes 10:00")
    await say(console, "maria", "/problema Guías de transporte lentas")
    await say(console, "rosa", "/accion P-1 Reunir a los transportistas")
    await say(console, "maria", "/tomar A-1")
    await console.deliver()
    reply = await say(console, "rosa", "/confirmar A-1 en 2 semanas")
    assert "Se le recordará a María Quispe antes de cada sesión." in reply
    (notice,) = _private(await console.deliver(), "María Quispe")
    assert "Rosa Díaz confirmó a su nombre A-1 «Reunir a los transportistas»" in notice


async def test_with_no_session_scheduled_the_reminder_sentence_says_so(
    console: Console,
) -> None:
    await _claimed_by_jorge(console, session=False)
    reply = await say(console, "jorge", "/confirmar A-1 el viernes")
    assert reply.endswith(
        "Se le recordará antes de cada sesión; la mesa aún no tiene ninguna programada.")

    await say(console, "rosa", "/accion P-1 Publicar el procedimiento")
    await say(console, "jorge", "/tomar A-2")
    reply = await say(console, "ana", "/confirmar A-2 el viernes")
    assert reply.endswith("Se le recordará a Jorge Salas antes de cada sesión; la mesa aún "
                          "no tiene ninguna programada.")


def _date_button(reply: Reply, label: str) -> str:
    (command,) = [b.command for b in reply.buttons if b.label == label]
    return command


async def test_the_date_buttons_path_names_the_owner_too(console: Console) -> None:
    """"Confirmar" without a date offers dates as buttons; the one a colleague taps runs
    the same confirmation, and says the same."""
    await _claimed_by_jorge(console, session=True)
    step = await console.say("ana", "/confirmar A-1")
    assert "¿Para cuándo se compromete con A-1?" in render(step)
    reply = await say(console, "ana", _date_button(step, "El viernes"))
    assert "Se le recordará a Jorge Salas antes de cada sesión." in reply
    (notice,) = _private(await console.deliver(), "Jorge Salas")
    assert "Ana Torres confirmó a su nombre A-1" in notice


async def test_in_english(console: Console) -> None:
    assert "English" in await say(console, "ana", "/language en")
    assert "English" in await say(console, "jorge", "/language en")
    await _claimed_by_jorge(console, session=False)
    reply = await say(console, "ana", "/confirm A-1 friday")
    assert "A-1 confirmed: Jorge Salas (SERFOR) commits to Friday 15 January 2027." in reply
    assert reply.endswith(
        "Jorge Salas will be reminded before each session; the mesa has none scheduled yet.")
    (notice,) = _private(await console.deliver(), "Jorge Salas")
    assert re.search(r"Ana Torres confirmed A-1 “Digitalizar las guías” in your name, due "
                     r"Friday 15 January 2027\. .*change it with /deadline A-1 <new date>, "
                     r"<reason>", notice)

    assert "Sesión 1" in await say(console, "rosa", "/sesion viernes 10:00")
    await say(console, "rosa", "/accion P-1 Publicar el procedimiento")
    await say(console, "jorge", "/claim A-2")
    reply = await say(console, "jorge", "/confirm A-2 friday")
    assert reply.endswith("You will be reminded before each session.")
    reply_ana = await say(console, "rosa", "/accion P-1 Capacitar")
    assert "A-3" in reply_ana
    await say(console, "jorge", "/claim A-3")
    assert "Jorge Salas will be reminded before each session." in await say(
        console, "ana", "/confirm A-3 friday")
