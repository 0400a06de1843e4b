"""What people type and get wrong today: an unknown command gets the nearest commands,
in either language; ``/ver A-12`` shows the action."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.commands.dispatch import Dispatcher
from bot.commands.present import Presenter
from bot.core.services import Services
from bot.storage.tables import OutboxMessage
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


async def test_ver_a_12_shows_one_action_whole(services: Services, cast: Cast) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro de plantaciones demora")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1",
                                   text="Publicar el procedimiento")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    await services.actions.confirm(actor=cast.jorge, ref="A-1", due="viernes 15")
    await services.actions.move_due(actor=cast.jorge, ref="A-1", due="el 29",
                                    reason="falta la firma del jefe")
    await services.progress.post(actor=cast.jorge, ref="A-1", text="Borrador listo")
    shown = await _answer(services, "maria", "/ver a-1")
    assert shown.splitlines()[:4] == [
        "A-1 · Publicar el procedimiento",
        "Sobre P-1 «Registro de plantaciones demora».",
        "Estado: confirmada. Responsable: Jorge Salas (SERFOR). Propuesta por Rosa Díaz "
        "(PRODUCE).",
        "Fecha: viernes 29 de enero de 2027.",
    ]
    assert "· Jorge Salas · prometida para el viernes 15 de enero de 2027" in shown
    assert "· Jorge Salas · del viernes 15 de enero de 2027 al viernes 29 de enero de 2027: " \
           "falta la firma del jefe" in shown
    assert "Borrador listo" in shown and "confirmó A-1" in shown
    assert "no es una referencia" not in shown
    mine = await _answer(services, "jorge", "/mis_tareas")
    assert "fecha cambiada una vez" in mine and "vez/veces" not in mine
    await services.actions.move_due(actor=cast.jorge, ref="A-1", due="el 30",
                                    reason="otra vez la firma")
    assert "fecha cambiada 2 veces" in await _answer(services, "jorge", "/mis_tareas")
    assert await _answer(services, "maria", "/ver A-9") == \
        "No existe A-9 en esta mesa. Vea la matriz con /matriz."


async def test_blocking_again_says_what_it_was_and_a_notice_never_ends_empty(
    services: Services, cast: Cast
) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    assert await _answer(services, "jorge", "/bloqueado A-1 presupuesto") == \
        "A-1 bloqueada por presupuesto. El equipo lo verá en la agenda."
    assert await _answer(services, "jorge", "/bloqueado A-1 presupuesto") == \
        "A-1 ya está bloqueada por presupuesto. Para cambiar el motivo, escriba otro: " \
        "/bloqueado A-1 <motivo>."
    assert await _answer(services, "jorge", "/bloqueado A-1 falta la firma") == \
        "A-1 ya estaba bloqueada por presupuesto; ahora el motivo es otro motivo (falta la " \
        "firma). El equipo lo verá en la agenda."
    say = Presenter("es", ZoneInfo("America/Lima"))
    async with services.db.read() as s:
        notices = (await s.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "action_blocked"))).all()
    texts = [say.notice(n.kind, n.params).lines[0].text for n in notices]
    assert texts == ["A-1 bloqueada por presupuesto (Jorge Salas).",
                     "A-1 bloqueada por otro motivo (Jorge Salas): falta la firma"]


@pytest.mark.parametrize(("typed", "said"), [
    ("/plazo A-1 el 29 falta la firma",
     "Separe la nueva fecha del motivo con una coma: /plazo A-1 el 29, falta la firma"),
    ("/plazo a1 el 29",
     "¿Por qué cambia la fecha? Escríbalo después de una coma: /plazo A-1 el 29, <motivo>"),
    ("/plazo A-1",
     "Escriba la nueva fecha y, tras una coma, el motivo: /plazo A-1 <nueva fecha>, <motivo>"),
])
async def test_a_date_moved_without_the_comma_says_what_it_needs(
    services: Services, cast: Cast, typed: str, said: str
) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    await services.actions.confirm(actor=cast.jorge, ref="A-1", due="viernes")
    assert await _answer(services, "jorge", typed) == said
    assert (await services.reading.action(actor=cast.jorge, ref="A-1")).moves[-1].reason == ""


async def test_language_alone_shows_the_choices(services: Services, cast: Cast) -> None:
    assert await _answer(services, "maria", "/idioma") == \
        "Le hablo en español. Para cambiarlo: /idioma en (English) o /idioma es (español)."
    identity = await services.members.identify(handle="tom")
    reply = await Dispatcher(services).handle(identity, "/language", mesa="forestal")
    assert [b.command for b in reply.buttons] == ["/language es", "/language en"]
    assert (await services.members.identify(handle="tom")).language == "en"  # unchanged


async def test_the_reporter_of_a_request_kept_out_of_focus_is_told_why_and_where(
    services: Services, cast: Cast
) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Exoneración del IGV")
    await _answer(services, "rosa", "/clasificar P-1 MP financiamiento 3 2 subsidio")
    async with services.db.read() as s:
        [notice] = (await s.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "bottleneck_triaged"))).all()
    told = [line.text for line in Presenter("es", ZoneInfo("America/Lima"))
            .notice(notice.kind, notice.params).lines]
    assert told[1] == (
        "Queda fuera de los priorizados porque es un pedido de subsidio o exoneración; la "
        "mesa trabaja en productividad. Sigue a la vista en la matriz (/matriz) y en la "
        "agenda, entre los pedidos fuera de foco; si algo cambia, el equipo puede "
        "clasificarlo de nuevo.")
    agenda = await services.agendas.compile(actor=cast.maria)
    assert [b.ref for b in agenda.out_of_focus] == ["P-1"]  # where it says it is


async def test_resolving_with_open_actions_asks_what_becomes_of_them(
    services: Services, cast: Cast
) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.bottlenecks.log(actor=cast.maria, text="Guías en papel")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Capacitar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    identity = await services.members.identify(handle="rosa")
    asked = await Dispatcher(services).handle(identity, "/resuelto P-1 SERFOR", mesa="forestal")
    assert asked.lines[0].text.startswith(
        "P-1 tiene acciones abiertas: A-1, A-2. ¿Qué se hace con ellas?")
    assert [b.command for b in asked.buttons] == ["/resolve P-1 SERFOR close",
                                                  "/resolve P-1 SERFOR keep"]
    detail = await services.reading.bottleneck(actor=cast.maria, ref="P-1")
    assert detail.bottleneck.status == "reported"  # nothing written yet
    assert await _answer(services, "rosa", "/resuelto P-1 SERFOR mover P-2") == (
        "P-1 resuelto: «Registro lento».\nLogro de SERFOR.\nPasan a P-2: A-1, A-2.")
    moved = await services.reading.bottleneck(actor=cast.maria, ref="P-2")
    assert [(a.ref, a.status) for a in moved.actions] == [("A-1", "claimed"),
                                                          ("A-2", "proposed")]
    async with services.db.read() as s:
        [notice] = (await s.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "bottleneck_resolved"))).all()
        [told] = (await s.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "action_moved_by_resolution"))).all()
    say = Presenter("es", ZoneInfo("America/Lima"))
    assert say.notice(notice.kind, notice.params).lines[-1].text == "Pasan a P-2: A-1, A-2."
    assert told.member_id == cast.jorge.member_id  # his promise, moved: he hears of it
    assert say.notice(told.kind, told.params).lines[0].text == (
        "Rosa Díaz dio por resuelto P-1; su acción A-1 «Publicar» sigue abierta, ahora en P-2.")


async def test_a_reporter_may_keep_but_not_close_or_move_promises_of_others(
    services: Services, cast: Cast
) -> None:
    """María reported P-1; Jorge (SERFOR) promised A-1 on it. That she calls it solved
    must not drop his promise or carry it elsewhere: that is his, his entity's or a
    coordinator's to decide, as with /anular."""
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    identity = await services.members.identify(handle="maria")
    asked = await Dispatcher(services).handle(identity, "/resuelto P-1", mesa="forestal")
    assert asked.lines[0].text.startswith(
        "P-1 tiene acciones abiertas: A-1. Cerrar o pasar a otro problema A-1 le toca a su "
        "responsable, a un funcionario de su entidad o a un coordinador.")
    assert [b.command for b in asked.buttons] == ["/resolve P-1 keep"]
    for typed in ("/resuelto P-1 cerrar", "/resuelto P-1 mover P-1"):
        assert await _answer(services, "maria", typed) == (
            "A-1: solo su responsable, un funcionario de su entidad o un coordinador puede "
            "cerrarlas o pasarlas a otro problema. Puede darlo por resuelto manteniéndolas: "
            "/resuelto P-1 mantener")
    detail = await services.reading.bottleneck(actor=cast.maria, ref="P-1")
    assert (detail.bottleneck.status, [a.status for a in detail.actions]) == (
        "reported", ["claimed"])
    assert (await _answer(services, "maria", "/resuelto P-1 mantener")).endswith(
        "Siguen abiertas: A-1.")


@pytest.mark.parametrize(("choice", "said", "statuses"), [
    ("cerrar", "Acciones cerradas, ya no hacen falta: A-1.", ["dropped"]),
    ("mantener", "Siguen abiertas: A-1.", ["proposed"]),
])
async def test_closing_or_keeping_the_open_actions(
    services: Services, cast: Cast, choice: str, said: str, statuses: list[str]
) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.actions.propose(actor=cast.maria, bottleneck_ref="P-1", text="Publicar")
    answer = await _answer(services, "maria", f"/resuelto P-1 {choice}")
    assert answer.splitlines()[-1] == said
    detail = await services.reading.bottleneck(actor=cast.maria, ref="P-1")
    assert detail.bottleneck.status == "resolved"
    assert [a.status for a in detail.actions] == statuses


async def test_confirming_again_or_before_taking_says_what_to_type_instead(
    services: Services, cast: Cast
) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Capacitar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    await services.actions.confirm(actor=cast.jorge, ref="A-1", due="el viernes")
    assert await _answer(services, "jorge", "/confirmar A-1 el 22 de enero") == (
        "A-1 ya está confirmada. Para cambiar su fecha: /plazo A-1 <nueva fecha>, <motivo>")
    assert await _answer(services, "jorge", "/confirmar A-2 el viernes") == (
        "A-2 aún no tiene responsable. Primero tómela: /tomar A-2; luego confírmela con su "
        "fecha.")
    assert await _answer(services, "maria", "/hecho A-1") == (
        "Como representante privado, no puede actualizar esta acción. Pueden hacerlo: "
        "responsable de la acción, funcionario de la entidad responsable, coordinador.")
