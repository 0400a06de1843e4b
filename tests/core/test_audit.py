"""The audit trail verifies after a scenario, and notices an edited or deleted row."""

from __future__ import annotations

from sqlalchemy import text

from bot.core import audit
from bot.core.enums import OwnerClass, RootCause
from bot.core.services import Services
from tests.builders import Cast


async def _scenario(services: Services, cast: Cast) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.bottlenecks.triage(
        actor=cast.rosa, ref="P-1", owner_class=OwnerClass.MP, root_cause=RootCause.LAW,
        impact=4, ease=4,
    )
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")


async def _verify(services: Services) -> audit.ChainReport:
    async with services.db.read() as s:
        return await audit.verify(s)


async def test_the_chain_verifies_after_a_scenario(services: Services, cast: Cast) -> None:
    await _scenario(services, cast)
    report = await _verify(services)
    assert report.ok, report.problems
    assert report.events >= 4


async def test_an_edited_row_is_detected(services: Services, cast: Cast) -> None:
    await _scenario(services, cast)
    async with services.db.write() as s:
        await s.exec(text(  # type: ignore[call-overload]
            "UPDATE audit_event SET actor_id = NULL WHERE kind = 'action.claimed'"
        ))
    report = await _verify(services)
    assert not report.ok
    assert any("contents changed" in p for p in report.problems)


async def test_a_deleted_row_is_detected(services: Services, cast: Cast) -> None:
    await _scenario(services, cast)
    async with services.db.write() as s:
        await s.exec(text(  # type: ignore[call-overload]
            "DELETE FROM audit_event WHERE kind = 'bottleneck.triaged'"
        ))
    report = await _verify(services)
    assert any("missing" in p for p in report.problems)
