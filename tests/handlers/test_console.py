"""The console face, end to end through the shared command language and the real core.

What a person would check: the answer they read, in their language, and that a refused
command wrote nothing.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.core import audit
from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.handlers.console import Console, render, repl
from bot.i18n import t
from bot.storage.tables import AuditEvent, DueDateChange
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


class _Terminal(io.StringIO):
    """Standard input as a person typing at a terminal."""

    def isatty(self) -> bool:
        return True


async def test_a_bottleneck_s_detail_goes_on_the_lines_under_its_title(
    services: Services, cast: Cast
) -> None:
    piped = io.StringIO()
    await repl(services, handle="maria", mesa=None, stdout=piped, stdin=io.StringIO(
        "/problema El registro de plantaciones demora\n"
        "En Ucayali tarda de 6 a 12 meses.\n"
        "\n"
        "Sin registro no hay guía de transporte.\n"
        "/ver P-1\n"))
    shown = piped.getvalue().split("maria", 1)[-1]
    assert "Registrado como P-1: «El registro de plantaciones demora»" in piped.getvalue()
    assert "En Ucayali tarda de 6 a 12 meses." in shown
    assert "Sin registro no hay guía de transporte." in shown
    assert "Para usar el bot, empiece con un comando" not in piped.getvalue()

    typed = io.StringIO()
    await repl(services, handle="maria", mesa=None, stdout=typed, stdin=_Terminal(
        "/problema Las guías se emiten en Lima \\\n"
        "y el viaje toma dos días\n"
        "Y esto va suelto\n"
        "/ver P-2\n"))
    text = typed.getvalue()
    # The prompt shows the message goes on; the title is the first line.
    assert "maria> … Registrado como P-2: «Las guías se emiten en Lima»." in text
    assert "y el viaje toma dos días" in text.split("Historial")[0].split("Reportado")[0]
    # A line with no command, typed alone, is answered, and told how lines go on.
    assert "Para usar el bot, empiece con un comando" in text
    assert "termine una línea con \\ para seguir" in text


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


#: What people (and broken clients) send: numbers too large for any column, characters
#: no database stores or no reader sees, a title of only invisible characters, dates
#: past the calendar's end, text far too long, and markup.
NASTY = [
    "99999999999999999999", "P-99999999999", "A-99999999999", "S-99999999999", "-1", "0",
    "²", "\x00", "hola\x00mundo", "\ud800", "\udfff mitad", "\u200b", "\u202e", "\u200b\u200b",
    "\u202etexto invertido\u202c", "x" * 10_000, "<b>negrita</b> & *x* _y_ `z`",
    "en 99999999 días hábiles, x", "viernes, 22 de enero, por la huelga", "31/12/9999, x",
    "en 99999999999 semanas", "MP ley 99999999999999999999 3", "representante " + "9" * 30,
]
_INVISIBLE = ("\x00", "\ud800", "\udfff", "\u200b", "\u202e", "\u202c")


async def _event_count(services: Services) -> int:
    async with services.db.read() as s:
        return (await s.exec(select(func.count()).select_from(AuditEvent))).one()


async def test_nasty_input_to_every_command_gets_a_clear_answer_and_writes_nothing_half(
    console: Console, services: Services
) -> None:
    """Every command, bare and after a reference, with each nasty argument: never the
    internal-error answer, a refusal writes nothing, and nothing invisible is stored."""
    from bot.commands.words import COMMANDS

    await say(console, "maria", "/problema Registro lento")
    await say(console, "rosa", "/accion P-1 Publicar")
    await say(console, "jorge", "/tomar A-1")
    await say(console, "jorge", "/confirmar A-1 el viernes")
    await say(console, "rosa", "/sesion viernes 10:00")
    internal = {t("es", "error.internal"), t("en", "error.internal")}
    for command in COMMANDS:
        ref = "A-1" if command.name in ("claim", "confirm", "assign", "done", "blocked",
                                        "deadline", "drop", "progress") else "P-1"
        for nasty in NASTY:
            for line in (f"/{command.es} {nasty}", f"/{command.es} {ref} {nasty}"):
                before = await _event_count(services)
                answer = await say(console, "rosa", line)
                assert answer.strip(), line[:80]
                assert not any(text in answer for text in internal), line[:80]
                if answer.startswith("⚠"):
                    assert await _event_count(services) == before, line[:80]
    stored = (await say(console, "rosa", "/matriz") + await say(console, "rosa", "/ver P-1")
              + await say(console, "rosa", "/mis_tareas"))
    assert [c for c in _INVISIBLE if c in stored] == []
    async with services.db.read() as s:
        assert (await audit.verify(s)).ok


async def test_a_deadline_that_reads_as_two_dates_is_asked_with_buttons(
    console: Console, services: Services
) -> None:
    await say(console, "maria", "/problema Registro lento")
    await say(console, "rosa", "/accion P-1 Publicar")
    await say(console, "jorge", "/tomar A-1")
    await say(console, "jorge", "/confirmar A-1 el viernes")
    before = await _event_count(services)
    reply = await console.say("jorge", "/plazo A-1 viernes, 22 de enero, por la huelga")
    text = render(reply)
    assert "2 fechas distintas para A-1; no cambié nada" in text
    assert "«viernes»: viernes 15 de enero de 2027" in text
    assert "«viernes, 22 de enero»: viernes 22 de enero de 2027" in text
    assert [(b.label, b.command) for b in reply.buttons] == [
        ("viernes 15 de enero de 2027", "/deadline A-1 15/01/2027, 22 de enero, por la huelga"),
        ("viernes 22 de enero de 2027", "/deadline A-1 22/01/2027, por la huelga"),
    ]
    assert await _event_count(services) == before
    moved = await say(console, "jorge", reply.buttons[1].command)
    assert "A-1: nueva fecha viernes 22 de enero de 2027 (antes viernes 15 de enero de 2027)" in (
        moved)
    async with services.db.read() as s:
        changes = (await s.exec(select(DueDateChange.new_due_on, DueDateChange.reason)
                                .where(DueDateChange.old_due_on.is_not(None)))).all()  # type: ignore[union-attr]
    assert [tuple(c) for c in changes] == [(date(2027, 1, 22), "por la huelga")]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/plazo A-1 viernes, 23 de enero, por la huelga",
         "El sábado 23 de enero de 2027 no cae en viernes"),
        ("/plazo A-1 en 99999999 días hábiles, x",
         "queda más allá del domingo 11 de enero de 2032"),
        ("/confirmar A-2 en 99999999999 semanas", "queda más allá del domingo 11 de enero de 2032"),
        ("/agenda 99999999999999999999", "No existe la sesión 99999999999999999999"),
        ("/sesion 99999999999999999999 realizada", "No existe la sesión 99999999999999999999"),
        ("/ver P-99999999999", "No existe P-99999999999 en esta mesa"),
        ("/tomar A-99999999999999999999999", "No existe A-99999999999999999999"),
        ("/problema \u200b\u200b", "Falta información. Uso: /problema"),
        ("/asignar A-1 \x00", "Falta información. Uso: /asignar"),
        ("/problema \ud800", "Falta información. Uso: /problema"),
    ],
)
async def test_nasty_input_is_answered_with_what_was_wrong(
    console: Console, services: Services, typed: str, expected: str
) -> None:
    await say(console, "maria", "/problema Registro lento")
    for n in (1, 2):
        await say(console, "rosa", f"/accion P-1 Publicar {n}")
        await say(console, "jorge", f"/tomar A-{n}")
    await say(console, "jorge", "/confirmar A-1 el viernes")
    before = await _event_count(services)
    answer = await say(console, "rosa" if "sesion" in typed or "agenda" in typed else "jorge",
                       typed)
    assert expected in answer
    assert await _event_count(services) == before


async def test_ajustes_shows_and_changes_the_mesas_schedule(
    console: Console, services: Services
) -> None:
    shown = await say(console, "maria", "/ajustes")
    assert "Recordatorios a los responsables: 48, 24 horas antes de cada sesión" in shown
    refused = await say(console, "maria", "/ajustes agenda 3")
    assert "no puede" in refused
    changed = await say(console, "rosa", "/ajustes agenda 3")
    assert "Agenda al equipo y al grupo: 3 horas antes" in changed
    assert "no entendí" not in (await say(console, "rosa", "/ajustes cadencia quincenal")).lower()
    bad = await say(console, "rosa", "/ajustes horario 21 7")
    assert "no es válido" in bad
    unknown = await say(console, "rosa", "/ajustes colores azul")
    assert "Uso: /ajustes" in unknown


async def test_settings_speak_the_coordinators_words_and_the_team_hears_who_changed_what(
    console: Console,
) -> None:
    """A monthly mesa says so (its lapse is then two months, not two weeks); what the
    team reads names who changed the setting and its new value in words, never the
    stored names (``day_hours``, ``biweekly``)."""
    changed = await say(console, "rosa", "/ajustes cadencia mensual")
    assert "Cadencia de sesiones: mensuales" in changed
    notices = "\n".join(await console.deliver())
    assert "Rosa Díaz cambió un ajuste de la mesa. Cadencia de sesiones: mensuales" in notices
    assert "monthly" not in notices
    await say(console, "rosa", "/ajustes horario 8 18")
    notices = "\n".join(await console.deliver())
    assert "El bot escribe a las personas entre las 8:00 y las 18:00" in notices
    assert "day_hours" not in notices
    bad = await say(console, "rosa", "/ajustes cadencia anual")
    assert "Opciones: semanal, quincenal, mensual." in bad
    backwards = await say(console, "rosa", "/ajustes horario 20 6")
    assert "la primera antes; por ejemplo /ajustes horario 7 21" in backwards


async def test_the_agenda_lists_its_documents_and_saves_them_where_asked(
    services: Services, cast: Cast, clock: ManualClock, tmp_path: Path
) -> None:
    console = Console(services, files=tmp_path / "docs")
    await console.say("rosa", "/sesion hoy 11:00")
    answer = await console.answer("tom", "/agenda")
    saved = tmp_path / "docs" / "agenda-forestal-session-1.html"
    size = f"{max(1, round(saved.stat().st_size / 1024))} KB"
    assert f"[attachment: agenda-forestal-session-1.html, {size}, saved in {saved}]" in answer
    assert "[attachment: agenda-forestal-session-1.ics, 1 KB, saved in" in answer
    assert "<h1>Agenda of the Mesa Forestal · session 1" in saved.read_text()
    assert "[adjunto: agenda-forestal-sesion-1.md" in render(
        await console.say("maria", "/agenda"))  # no folder: listed only

    # Session 1 is held; its agenda never went out, and the answer says so.
    clock.advance(timedelta(hours=3))
    await console.say("rosa", "/sesion 1 realizada")
    assert ("La agenda de la sesión 1 (realizada) no se envió: el bot no la mandó antes "
            "de esa sesión. La agenda de hoy: /agenda") in await say(console, "maria",
                                                                    "/agenda 1")
