"""Many people writing to one mesa at the same moment: nothing lost, nothing doubled,
no deadlock, and the audit chain still whole."""

from __future__ import annotations

import asyncio

from bot.core import audit
from bot.core.enums import OwnerClass, RootCause
from bot.core.errors import DomainError
from bot.core.services import Services
from tests.builders import Cast


async def test_mixed_writers_on_one_mesa(services: Services, cast: Cast) -> None:
    b, a = services.bottlenecks, services.actions
    for i in range(1, 4):
        await b.log(actor=cast.maria, text=f"Problema {i}")
        await b.triage(actor=cast.rosa, ref=f"P-{i}", owner_class=OwnerClass.MP,
                       root_cause=RootCause.LAW, impact=3, ease=3, responsible_entity="SERFOR")
        await a.propose(actor=cast.rosa, bottleneck_ref=f"P-{i}", text=f"Acción {i}")
        await a.claim(actor=cast.jorge, ref=f"A-{i}")

    work = [
        *(b.log(actor=cast.andres, text=f"Nuevo {n}") for n in range(12)),
        *(b.prioritize(actor=cast.rosa, ref=f"P-{i}") for i in range(1, 4)),
        *(a.confirm(actor=cast.jorge, ref=f"A-{i}", due="viernes") for i in range(1, 4)),
        *(services.progress.post(actor=cast.lucia, ref="P-1", text=f"nota {n}")
          for n in range(6)),
        *(a.propose(actor=cast.rosa, bottleneck_ref="P-2", text=f"Otra {n}") for n in range(4)),
    ]
    results = await asyncio.gather(*work, return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, BaseException)
                  and not isinstance(r, DomainError)]
    assert [repr(u)[:200] for u in unexpected] == []  # e.g. no deadlock

    matrix = await services.reading.matrix(actor=cast.rosa)
    refs = sorted(int(v.ref[2:]) for v in matrix.awaiting_triage + matrix.prioritized)
    assert refs == list(range(1, 16))  # 3 + 12, no gap, no duplicate
    assert {v.status for v in matrix.prioritized} == {"in_progress"}
    assert sorted(x.ref for x in matrix.actions["P-2"]) == ["A-2", "A-4", "A-5", "A-6", "A-7"]
    detail = await services.reading.bottleneck(actor=cast.rosa, ref="P-1")
    assert len(detail.progress) == 6
    async with services.db.read() as s:
        report = await audit.verify(s)
    assert report.ok, report.problems


async def test_two_bottlenecks_marked_duplicates_of_each_other_at_once(
    services: Services, cast: Cast
) -> None:
    """"/duplicado P-a P-b" and "/duplicado P-b P-a" at the same moment: one wins, the
    other is refused, and never is each left a duplicate of the other."""
    b = services.bottlenecks
    rounds = 20
    for _ in range(2 * rounds):
        await b.log(actor=cast.maria, text="Registro lento")
    for n in range(rounds):
        first, second = f"P-{2 * n + 1}", f"P-{2 * n + 2}"
        results = await asyncio.gather(
            b.mark_duplicate(actor=cast.rosa, ref=first, of_ref=second),
            b.mark_duplicate(actor=cast.rosa, ref=second, of_ref=first),
            return_exceptions=True,
        )
        assert sorted(type(r).__name__ for r in results) == ["BottleneckView", "InvalidState"]
    matrix = await services.reading.matrix(actor=cast.rosa)
    duplicates = {v.ref: v.duplicate_of for v in matrix.closed}
    assert len(duplicates) == rounds
    assert [ref for ref, of in duplicates.items() if duplicates.get(of or "") == ref] == []
