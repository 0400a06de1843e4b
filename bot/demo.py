"""``mesabot demo``: a week of the Mesa Forestal, played through the console face.

A fresh temporary SQLite database, migrated from empty; a held clock that the story moves
from Monday to Friday; every exchange printed as the person typed it and as the bot
answered, with the notifications each one caused. No tokens, no network.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.core import audit
from bot.core.chats import ChatRef
from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.handlers.console import Console
from bot.storage.database import Database
from bot.storage.migrate import upgrade

LIMA = ZoneInfo("America/Lima")
START = datetime(2027, 1, 11, 9, 0, tzinfo=LIMA)  # Monday, the week of SCENARIOS.md

ENTITIES = [
    ("SERFOR", "Servicio Nacional Forestal y de Fauna Silvestre", True),
    ("OSINFOR", "Organismo de Supervisión de los Recursos Forestales y de Fauna Silvestre", True),
    ("PRODUCE", "Ministerio de la Producción", True),
    ("APFU", "Asociación de Productores Forestales de Ucayali", False),
    ("CONAFOR", "Confederación Nacional Forestal del Perú", False),
    ("GIZ", "Cooperación alemana al desarrollo", False),
]
CAST = [
    ("maria", "María Quispe", "APFU", "private_rep", "es"),
    ("jorge", "Jorge Salas", "SERFOR", "public_official", "es"),
    ("lucia", "Lucía Ramos", "OSINFOR", "public_official", "es"),
    ("rosa", "Rosa Díaz", "PRODUCE", "coordinator", "es"),
    ("andres", "Andrés Paredes", "CONAFOR", "private_rep", "es"),
    ("ministra", "Ministra de la Producción", "PRODUCE", "high_level", "es"),
    ("tom", "Tom Becker", "GIZ", "observer", "en"),
]


@dataclass(frozen=True)
class Scene:
    """A moment of the week: the clock moves to ``day`` and ``time``, then people type."""

    title: str
    day: int
    time: str
    lines: list[tuple[str, str]]
    #: Rosa links the ministers' chat before the clock's tick (the console has no group
    #: to type ``/vincular despacho`` in, so the demo links it as that command would).
    link_ministers: bool = False


SCENES = [
    Scene("Lunes: problemas desde el campo", 0, "09:00", [
        ("rosa", "/sesion viernes 10:00"),
        ("maria", "/problema El registro de plantaciones en SERFOR demora de 6 a 12 meses"),
        ("andres", "/problema Exoneración del IGV para pequeños productores forestales"),
        ("lucia", "/problema Las guías de transporte forestal solo se emiten en Lima"),
        ("rosa", "/clasificar P-1 MP implementación impacto 5 facilidad 4 SERFOR"),
        ("rosa", "/clasificar P-2 MP financiamiento impacto 3 facilidad 2 subsidio"),
        ("rosa", "/clasificar P-3 MP regulación impacto 4 facilidad 3 OSINFOR"),
        ("rosa", "/priorizar P-1"),
        ("rosa", "/priorizar P-3"),
        ("andres", "/priorizar P-2"),
    ]),
    Scene("Martes: promesas con fecha", 1, "11:00", [
        ("rosa", "/accion P-1 Publicar el procedimiento de registro en 3 días"),
        ("rosa", "/asignar A-1 SERFOR"),
        ("jorge", "/tomar A-1"),
        ("jorge", "/confirmar A-1 para el viernes 15"),
        ("rosa", "/accion P-3 Emitir guías de transporte en las oficinas regionales"),
        ("lucia", "/tomar A-2"),
        ("andres", "/tomar A-2"),
        ("lucia", "/confirmar A-2 el día del juicio"),
        ("lucia", "/confirmar A-2 mañana"),
        ("maria", "/confirmar A-9 el viernes"),
    ]),
    Scene("Miércoles 10:00: 48 horas antes, el bot recuerda por su cuenta", 2, "10:00", []),
    Scene("Miércoles: avances entre sesiones", 2, "16:30", [
        ("jorge", "/avance A-1 Borrador listo, falta firma de la jefatura"),
        ("maria", "/problema <b>Multas</b> & *sanciones* _duplicadas_ entre OSINFOR y SERFOR"),
    ]),
    Scene("Jueves: lo que se atasca", 3, "10:00", [
        ("lucia", "/vencidas"),
        ("lucia", "/bloqueado A-2 presupuesto no hay partida para las oficinas regionales"),
        ("tom", "/matrix"),
    ]),
    Scene("Viernes 08:00: la agenda llega sola al equipo y al grupo", 4, "08:00", []),
    Scene("Viernes 11:00: después de la sesión", 4, "11:00", [
        ("rosa", "/sesion 1 realizada"),
        ("jorge", "/hecho A-1 Procedimiento publicado en el diario oficial"),
        ("maria", "/resuelto P-1"),
        ("maria", "/ver P-1"),
    ]),
    Scene("Lunes siguiente 08:00: lo atascado sube a la Ministra", 7, "08:00", [
        ("ministra", "/escalada A-2 reunion"),
    ], link_ministers=True),
]


async def setup(services: Services) -> None:
    members = services.members
    for name, full_name, public in ENTITIES:
        await members.create_entity(name=name, full_name=full_name, is_public=public)
    await members.create_mesa(slug="forestal", name="Mesa Forestal", convener="PRODUCE",
                              region="Ucayali")
    for handle, name, entity, role, language in CAST:
        await members.add_member(handle=handle, name=name, language=language)
        await members.grant_role(mesa="forestal", handle=handle, role=role, entity=entity)


async def link_ministers(services: Services) -> None:
    """The ministers' chat, linked by Rosa as ``/vincular despacho`` typed there would."""
    rosa = (await services.members.identify(handle="rosa")).actor()
    await services.chats.link(actor=rosa, purpose="high_level",
                              chat=ChatRef(platform="console", chat_id="despacho",
                                           title="Despacho ministerial"))


async def ticks(services: Services) -> int:
    """Every tick the scheduler's jobs run (``scheduler/jobs.py``), in the same calls:
    recurring sessions topped up, pings, the agenda, the ministers' digest, the weekly
    summary, the cadence watch and the nudges for what stalls."""
    await services.series.top_up()
    queued = await services.reminders.tick()
    queued += await services.agenda_delivery.tick()
    queued += await services.escalations.tick()
    queued += await services.cadence.tick()
    queued += await services.nudges.tick()
    return queued


async def play(out: TextIO, database_path: Path | None = None, files: Path | None = None
               ) -> bool:
    """Play the week; returns whether the audit chain verified at the end.

    The agenda's documents are written to ``files`` (by default a new folder under the
    system's temporary directory, kept after the demo so that they can be opened)."""
    files = files or Path(tempfile.mkdtemp(prefix="mesabot-demo-"))
    with tempfile.TemporaryDirectory() as folder:
        path = database_path or Path(folder) / "demo.db"
        db = Database(f"sqlite+aiosqlite:///{path}",
                      audit_keys=audit.parse_keys(audit.new_key()))  # a key for this week
        clock = ManualClock(START - timedelta(days=1))
        services = Services.build(db=db, clock=clock)
        try:
            await upgrade(db)
            await setup(services)
            names = {handle: name for handle, name, *_ in CAST}
            console = Console(services, files=files)
            out.write("Mesa Forestal: una semana con Mesa bot (demo, base de datos temporal)\n")
            for scene in SCENES:
                hour, minute = map(int, scene.time.split(":"))
                clock.set((START + timedelta(days=scene.day)).replace(hour=hour, minute=minute))
                out.write(f"\n=== {scene.title} ===\n")
                if scene.link_ministers:
                    await link_ministers(services)
                    out.write("(Rosa Díaz vinculó el chat del despacho ministerial: "
                              "/vincular despacho)\n")
                if await ticks(services):  # what the scheduler does each minute
                    for notice in await console.deliver():
                        out.write(notice + "\n")
                for handle, text in scene.lines:
                    out.write(f"\n{names[handle]} > {text}\n")
                    out.write(await console.answer(handle, text) + "\n")
                    for notice in await console.deliver():
                        out.write(notice + "\n")
            async with db.read() as s:
                report = await audit.verify(s)
            verdict = "íntegra" if report.ok else "ALTERADA: " + "; ".join(report.problems)
            out.write(f"\nRegistro de auditoría: {report.events} eventos, cadena {verdict}.\n")
            documents = sorted(files.glob("agenda-*"))
            if documents:
                out.write(f"\nLos documentos de la agenda quedaron en {files}:\n")
                for document in documents:
                    out.write(f"  {document}\n")
                out.write("Abra el .html en un navegador (se imprime bien), el .md en "
                          "cualquier editor, y el .ics en su calendario.\n")
            return report.ok
        finally:
            await db.dispose()
