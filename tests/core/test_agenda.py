"""The agenda the team takes into the session: every section a coordinator looks for."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.enums import BlockedReason, OwnerClass, RootCause, SessionStatus
from bot.core.services import Services
from bot.storage.tables import MesaSession
from tests.builders import Cast


async def test_the_agenda_has_every_section(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    b, a = services.bottlenecks, services.actions
    await services.sessions.schedule(actor=cast.rosa, when="hoy 11:00")
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    for text in ("Registro lento", "Guías solo en Lima", "Multas duplicadas"):
        await b.log(actor=cast.maria, text=text)
    for ref, entity in (("P-1", "SERFOR"), ("P-2", "OSINFOR")):
        await b.triage(actor=cast.rosa, ref=ref, owner_class=OwnerClass.MP,
                       root_cause=RootCause.IMPLEMENTATION, impact=4, ease=4,
                       responsible_entity=entity)
        await b.prioritize(actor=cast.rosa, ref=ref)
    await a.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar procedimiento")
    await a.propose(actor=cast.rosa, bottleneck_ref="P-2", text="Guías regionales")
    await a.propose(actor=cast.rosa, bottleneck_ref="P-2", text="Capacitar oficinas")
    await a.claim(actor=cast.jorge, ref="A-1")
    await a.confirm(actor=cast.jorge, ref="A-1", due="jueves")
    await a.claim(actor=cast.lucia, ref="A-2")
    await a.confirm(actor=cast.lucia, ref="A-2", due="mañana")
    await a.claim(actor=cast.andres, ref="A-3")
    await services.progress.post(actor=cast.jorge, ref="A-1", text="Antes de la sesión 1")

    clock.advance(timedelta(hours=3))  # session 1 at 11:00 is over
    await services.sessions.set_status(actor=cast.rosa, number=1, status=SessionStatus.HELD)
    clock.advance(timedelta(days=2))  # Wednesday: A-2 (due Tuesday) is one day overdue
    await a.mark_blocked(actor=cast.lucia, ref="A-2", reason=BlockedReason.BUDGET)
    await a.mark_done(actor=cast.jorge, ref="A-1", note="Publicado")

    agenda = await services.agendas.compile(actor=cast.rosa)

    assert agenda.session is not None and agenda.session.number == 2
    assert [i.bottleneck.ref for i in agenda.prioritized] == ["P-1", "P-2"]
    p1 = agenda.prioritized[0]
    assert [p.text for p in p1.progress] == ["Publicado"]  # only since session 1
    assert {x.ref: x.status for x in agenda.due} == {"A-1": "done", "A-2": "blocked"}
    assert [(x.ref, x.days_overdue) for x in agenda.overdue] == [("A-2", 1)]
    assert [(x.ref, x.blocked_reason) for x in agenda.blocked] == [("A-2", "budget")]
    assert [x.ref for x in agenda.awaiting_triage] == ["P-3"]
    assert [x.ref for x in agenda.awaiting_confirmation] == ["A-3"]
    assert agenda.momentum.held_last_90_days == 1

    async with services.db.read() as s:
        stored = (await s.exec(select(MesaSession).where(MesaSession.number == 2))).one()
    assert stored.agenda is not None
    assert [i["bottleneck"]["ref"] for i in stored.agenda["prioritized"]] == ["P-1", "P-2"]


async def test_anyone_reads_the_agenda_but_only_coordinators_store_it(
    services: Services, cast: Cast
) -> None:
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    agenda = await services.agendas.compile(actor=cast.tom)
    assert agenda.session is not None
    async with services.db.read() as s:
        stored = (await s.exec(select(MesaSession))).one()
    assert stored.agenda is None


async def test_the_agenda_is_compiled_while_another_writer_holds_the_database(
    services: Services, cast: Cast
) -> None:
    """Compiling reads in a reading transaction: a member asking for the agenda does not
    wait for (nor make wait) the writes of every other mesa; a coordinator's compiled
    agenda is stored in a short write of its own afterwards."""
    import asyncio

    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    async with services.db.write() as held:  # another update's write, still open
        await held.exec(select(MesaSession))
        if services.db.is_sqlite:  # (PostgreSQL readers never wait for writers)
            agenda = await asyncio.wait_for(services.agendas.compile(actor=cast.maria), 5)
            assert [b.ref for b in agenda.awaiting_triage] == ["P-1"]
    await services.agendas.compile(actor=cast.rosa)
    async with services.db.read() as s:
        session = (await s.exec(select(MesaSession))).one()
    assert session.agenda_compiled_at is not None
