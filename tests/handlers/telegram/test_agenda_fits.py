"""The agenda of a big mesa still reads on a phone: three Telegram messages at most."""

from __future__ import annotations

from datetime import date, timedelta

from bot.commands.present import Presenter
from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.handlers.telegram.render import MAX_MESSAGE, render
from bot.storage.tables import Action, Bottleneck, ProgressUpdate
from tests.builders import Cast
from tests.conftest import LIMA

LONG = "Demora en la aprobación de planes de manejo forestal en la región " * 3


async def _big_mesa(services: Services, cast: Cast, clock: ManualClock) -> None:
    """400 bottlenecks (12 prioritized, 120 untriaged, 80 subsidy requests), 600
    actions (overdue, blocked, claimed, due this week) and 240 progress updates, in bulk."""
    now = clock.now()
    mesa = cast.rosa.mesa_id
    reporters = [cast.maria.member_id, cast.jorge.member_id, cast.lucia.member_id]
    async with services.db.write() as s:
        rows = []
        for n in range(1, 401):
            kind = "prioritized" if n <= 12 else "reported" if n <= 132 else "accepted"
            rows.append(Bottleneck(
                mesa_id=mesa, number=n, title=f"{LONG[:180]} {n}", reporter_id=reporters[n % 3],
                owner_class="unclassified" if kind == "reported" else "mp",
                request_kind="subsidy" if 132 < n <= 212 else "productivity",
                root_cause=None if kind == "reported" else "regulation",
                impact=None if kind == "reported" else 4, ease=None if kind == "reported" else 3,
                status=kind, created_at=now, updated_at=now))
        s.add_all(rows)
        await s.flush()
        actions = []
        for n in range(1, 601):
            bottleneck = rows[(n - 1) % 12] if n <= 240 else rows[12 + n % 380]
            status = ("confirmed", "blocked", "claimed")[n % 3]
            actions.append(Action(
                mesa_id=mesa, number=n, bottleneck_id=bottleneck.id or 0,
                text=f"{LONG[:400]} {n}", proposer_id=cast.rosa.member_id,
                owner_id=reporters[n % 3], due_on=date(2027, 1, 4 + n % 11), status=status,
                blocked_reason="budget" if status == "blocked" else None,
                blocked_detail=LONG[:300] if status == "blocked" else "",
                created_at=now, updated_at=now))
        s.add_all(actions)
        await s.flush()
        s.add_all([ProgressUpdate(
            mesa_id=mesa, action_id=actions[n % 240].id,
            bottleneck_id=rows[n % 12].id, author_id=reporters[n % 3],
            text=f"{LONG} avance {n}", at=now - timedelta(hours=n))
            for n in range(1, 241)])


async def test_the_agenda_of_a_big_mesa_fits_three_telegram_messages(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await _big_mesa(services, cast, clock)
    agenda = await services.agendas.compile(actor=cast.rosa)
    chunks = render(Presenter("es", LIMA).agenda(agenda))
    assert len(chunks) <= 3
    assert all(len(c.html) <= MAX_MESSAGE for c in chunks)
    text = "\n".join(c.html for c in chunks)
    assert "y 115 más" in text  # untriaged: 120, five shown
    assert "y 75 más" in text  # subsidy requests kept out of focus: 80, five shown
    assert "y 7 más" in text  # prioritized: 12, five in full
