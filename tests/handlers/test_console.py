"""The console face, end to end through the shared command language and the real core.

What a person would check: the answer they read, in their language, and that a refused
command wrote nothing.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from bot.core import audit
from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.handlers.console import Console, render, repl
from tests.builders import Cast


@pytest.fixture
def console(services: Services, cast: Cast) -> Console:
    return Console(services)


async def say(console: Console, handle: str, text: str) -> str:
    return render(await console.say(handle, text))


async def test_a_week_in_spanish(console: Console, clock: ManualClock) -> None:
    assert "Sesión 1 programada: viernes 15 de enero de 2027, 10:00" in await say(
        console, "rosa", "/sesion viernes 10:00")
    logged = await say(console, "maria", "/problema El registro de plantaciones demora mucho")
    assert "Registrado como P-1" in logged
    assert "antes de la sesión del viernes 15 de enero de 2027" in logged
    notices = await console.deliver()
    assert any("para el equipo" in n and "P-1" in n for n in notices)

    triaged = await say(console, "rosa", "/clasificar P-1 MP implementación 5 4 SERFOR")
    assert "prioridad 20" in triaged
    assert "1 de 4" in await say(console, "rosa", "/priorizar P-1")
    assert "A-1" in await say(console, "rosa", "/accion P-1 Publicar el procedimiento")
    assert "la asume Jorge Salas (SERFOR)" in await say(console, "jorge", "/tomar A-1")
    assert "viernes 15 de enero de 2027" in await say(console, "jorge", "/confirmar A-1 el viernes")
    clock.advance(timedelta(days=1))
    assert "Avance registrado en A-1" in await say(console, "jorge", "/avance A-1 Borrador listo")

    agenda = await say(console, "rosa", "/agenda")
    assert "sesión 1, viernes 15 de enero de 2027, 10:00" in agenda
    assert "A-1 «Publicar el procedimiento» · confirmada · Jorge Salas (SERFOR)" in agenda
    assert "Borrador listo" in agenda

    assert "A-1" in await say(console, "jorge", "/mis_tareas")
    assert "No hay acciones vencidas" in await say(console, "maria", "/vencidas")


async def test_english_for_a_member_whose_language_is_english(console: Console) -> None:
    await say(console, "maria", "/problema Registro lento")
    matrix = await say(console, "tom", "/matrix")
    assert "Matrix of the Mesa Forestal" in matrix
    assert "Awaiting triage" in matrix
    refused = await say(console, "tom", "/bottleneck I see a problem")
    assert "As observer, you cannot log bottlenecks" in refused
    assert "Done: I will write to you in English." in await say(console, "maria", "/idioma en")
    assert "Logged as P-2" in await say(console, "maria", "/problema Otro")


async def _events(services: Services) -> int:
    async with services.db.read() as s:
        return (await audit.verify(s)).events


@pytest.mark.parametrize(
    ("handle", "typed", "expected"),
    [
        ("maria", "/volar P-1", "No conozco el comando «/volar»"),
        ("maria", "hola, ¿qué tal?", "empiece con un comando"),
        ("maria", "/tomar A-77", "No existe A-77 en esta mesa"),
        ("maria", "/tomar P-1", "no es una referencia"),
        ("maria", "/problema " + "x" * 10_000, "tiene 10000 caracteres y el máximo aquí es 5000"),
        ("maria", "/clasificar P-1 MP ley 3 3", "Como representante privado, no puede clasificar"),
        ("andres", "/tomar", "Falta información. Uso: /tomar A-12"),
        ("rosa", "/clasificar P-1 MP cosa 3 3 SERFOR", "No entendí «SERFOR»"),
        ("tom", "/claim A-1", "As observer, you cannot claim actions"),
    ],
)
async def test_bad_input_is_answered_and_writes_nothing(
    console: Console, services: Services, handle: str, typed: str, expected: str
) -> None:
    await say(console, "maria", "/problema Registro lento")
    before = await _events(services)
    answer = await say(console, handle, typed)
    assert expected in answer
    assert answer.startswith("⚠")
    assert await _events(services) == before


async def test_a_reference_of_another_mesa_is_not_found(console: Console) -> None:
    await say(console, "pedro", "/problema Secreto de la mesa acuícola")
    await say(console, "pedro", "/accion P-1 Algo acuícola")
    answer = await say(console, "jorge", "/tomar A-1")
    assert "No existe A-1 en esta mesa" in answer
    matrix = await say(console, "jorge", "/matriz")
    assert "acuícola" not in matrix.lower() and "Acuícola" not in matrix


async def test_unreadable_and_past_dates_are_echoed_with_what_to_type(console: Console) -> None:
    await say(console, "maria", "/problema Registro lento")
    await say(console, "rosa", "/accion P-1 Publicar")
    await say(console, "jorge", "/tomar A-1")
    unreadable = await say(console, "jorge", "/confirmar A-1 cuando se pueda")
    assert "No entendí la fecha «cuando se pueda»" in unreadable
    past = await say(console, "jorge", "/confirmar A-1 5 de enero de 2027")
    assert "sería el martes 5 de enero de 2027, que ya pasó" in past
    assert "tomada, falta confirmar" in await say(console, "jorge", "/mis_tareas")


async def test_markup_is_kept_as_plain_text(console: Console) -> None:
    answer = await say(console, "maria", "/problema <b>Guías</b> & *ya* _no_")
    assert "«<b>Guías</b> & *ya* _no_»" in answer


async def test_the_console_reads_standard_input(services: Services, cast: Cast) -> None:
    out = io.StringIO()
    await repl(services, handle="maria", mesa=None,
               stdin=io.StringIO("/problema Registro lento\n\n/matriz\n"), stdout=out)
    text = out.getvalue()
    assert "Registrado como P-1" in text
    assert "Matriz de la Mesa Forestal" in text


async def test_a_member_of_two_mesas_is_asked_which(
    console: Console, services: Services
) -> None:
    await services.members.grant_role(mesa="acuicola", handle="jorge", role="public_official",
                                          entity="SERFOR")
    asked = await say(console, "jorge", "/matriz")
    assert "varias mesas: acuicola (Mesa Acuícola), forestal (Mesa Forestal)" in asked
    chosen = render(await console.say("jorge", "/matriz", mesa="acuicola"))
    assert "Matriz de la Mesa Acuícola" in chosen


async def test_sessions_cannot_be_held_before_they_happen(console: Console) -> None:
    await say(console, "rosa", "/sesion viernes 10:00")
    early = await say(console, "rosa", "/sesion 1 realizada")
    assert "La sesión 1 es el viernes 15 de enero de 2027, 10:00" in early
    assert "No existe la sesión 7" in await say(console, "rosa", "/agenda 7")
    assert "Sesión 1 cancelada" in await say(console, "rosa", "/sesion 1 cancelada")
    assert "La sesión 1 ya está cancelada" in await say(console, "rosa", "/sesion 1 realizada")


async def test_a_resolution_is_credited_only_when_an_entity_delivered_it(
    console: Console,
) -> None:
    await say(console, "maria", "/problema Se resolvió solo")
    await console.deliver()
    assert "Logro" not in await say(console, "maria", "/resuelto P-1")
    assert [n for n in await console.deliver() if "Logro" in n] == []
    await say(console, "maria", "/problema Registro lento")
    answer = await say(console, "maria", "/resuelto P-2 SERFOR")
    assert "Logro de SERFOR." in answer
    assert any("Logro de SERFOR" in n for n in await console.deliver())


async def test_whatever_is_typed_gets_an_answer_not_a_failure(console: Console) -> None:
    import random

    from bot.commands.words import COMMANDS

    await say(console, "maria", "/problema Registro lento")
    await say(console, "rosa", "/accion P-1 Publicar")
    junk = ["", "P-1", "A-1", "P-99999999", "A-0", "S-1", "<b>", "&amp;", "*_`", "🌳", "\x00",
            "impacto 9", "MP", "ley", "5 4", "el viernes", "ayer", "99:99", "en -3 días",
            "9" * 40, "@rosa", "@nadie", "SERFOR", "en lugar de", ",", "realizada", "es", "fr"]
    rng = random.Random(7)
    words = [w for c in COMMANDS for w in (c.es, c.en)]
    for handle in ("maria", "rosa", "jorge", "tom"):
        for _ in range(60):
            line = "/" + rng.choice(words) + " " + " ".join(rng.sample(junk, rng.randint(0, 4)))
            answer = await say(console, handle, line)
            assert answer.strip(), line
            assert "Algo falló" not in answer and "Something failed" not in answer, line


async def test_control_characters_are_dropped_not_fatal(console: Console) -> None:
    answer = await say(console, "maria", "/problema hola\x00 mundo\x07")
    assert "Registrado como P-1: «hola mundo»." in answer
