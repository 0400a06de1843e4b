"""Bottlenecks through the core, as the team and the field would use them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.commands.present import Presenter
from bot.core.enums import OwnerClass, RequestKind, RootCause
from bot.core.errors import (
    EmptyText,
    Forbidden,
    InvalidState,
    NotFound,
    NotPrioritizable,
    NotReporter,
    NotTriaged,
    PriorityLimit,
    TooLong,
)
from bot.core.services import Services
from tests.builders import Cast


async def _triaged(services: Services, cast: Cast, title: str, impact: int = 5) -> str:
    logged = await services.bottlenecks.log(actor=cast.maria, text=title)
    await services.bottlenecks.triage(
        actor=cast.rosa, ref=logged.bottleneck.ref, owner_class=OwnerClass.MP,
        root_cause=RootCause.IMPLEMENTATION, impact=impact, ease=4,
        responsible_entity="SERFOR",
    )
    return logged.bottleneck.ref


async def test_logged_bottleneck_gets_the_next_reference(services: Services, cast: Cast) -> None:
    first = await services.bottlenecks.log(actor=cast.maria, text="Registro demora 6 a 12 meses")
    second = await services.bottlenecks.log(actor=cast.andres, text="Exoneración del IGV")
    assert (first.bottleneck.ref, second.bottleneck.ref) == ("P-1", "P-2")
    assert first.bottleneck.reporter.name == "María Quispe"
    assert first.bottleneck.status == "reported"


async def test_each_mesa_numbers_its_own_references(services: Services, cast: Cast) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Uno")
    other = await services.bottlenecks.log(actor=cast.other_mesa_rosa, text="Otro")
    assert other.bottleneck.ref == "P-1"


async def test_a_long_first_line_becomes_a_short_title_and_nothing_is_lost(
    services: Services, cast: Cast
) -> None:
    text = "palabra " * 500
    logged = await services.bottlenecks.log(actor=cast.maria, text=text)
    assert len(logged.bottleneck.title) <= 200
    assert logged.bottleneck.detail == text.strip()


async def test_a_10000_character_message_is_refused_and_nothing_written(
    services: Services, cast: Cast
) -> None:
    with pytest.raises(TooLong) as refused:
        await services.bottlenecks.log(actor=cast.maria, text="x" * 10_000)
    assert refused.value.params == {"length": 10_000, "limit": 5000}
    matrix = await services.reading.matrix(actor=cast.rosa)
    assert matrix.awaiting_triage == []


async def test_markup_is_stored_exactly_as_typed(services: Services, cast: Cast) -> None:
    logged = await services.bottlenecks.log(actor=cast.maria, text="<b>Guías</b> & *SERFOR* _ya_")
    assert logged.bottleneck.title == "<b>Guías</b> & *SERFOR* _ya_"


async def test_only_coordinators_triage(services: Services, cast: Cast) -> None:
    logged = await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    with pytest.raises(Forbidden) as refused:
        await services.bottlenecks.triage(
            actor=cast.jorge, ref=logged.bottleneck.ref, owner_class=OwnerClass.MP,
            root_cause=RootCause.LAW, impact=3, ease=3,
        )
    assert refused.value.params["allowed"] == ["coordinator"]


async def test_observers_only_read(services: Services, cast: Cast) -> None:
    with pytest.raises(Forbidden):
        await services.bottlenecks.log(actor=cast.tom, text="I have a concern")
    matrix = await services.reading.matrix(actor=cast.tom)
    assert matrix.mesa.name == "Mesa Forestal"


async def test_another_mesas_bottleneck_is_not_found(services: Services, cast: Cast) -> None:
    await services.bottlenecks.log(actor=cast.other_mesa_rosa, text="Secreto acuícola")
    with pytest.raises(NotFound):
        await services.reading.bottleneck(actor=cast.rosa, ref="P-1")


async def test_triage_tells_the_reporter_and_priority_is_impact_times_ease(
    services: Services, cast: Cast
) -> None:
    ref = await _triaged(services, cast, "Registro lento")
    detail = await services.reading.bottleneck(actor=cast.maria, ref=ref)
    assert detail.bottleneck.priority == 20
    assert detail.bottleneck.responsible_entity == "SERFOR"
    assert [h.kind for h in detail.history] == ["bottleneck.logged", "bottleneck.triaged"]


async def test_subsidy_requests_stay_visible_but_out_of_the_prioritized_few(
    services: Services, cast: Cast
) -> None:
    logged = await services.bottlenecks.log(actor=cast.andres, text="Exoneración tributaria")
    await services.bottlenecks.triage(
        actor=cast.rosa, ref="P-1", owner_class=OwnerClass.MP, root_cause=RootCause.FINANCING,
        impact=4, ease=2, request_kind=RequestKind.SUBSIDY,
    )
    with pytest.raises(NotPrioritizable) as refused:
        await services.bottlenecks.prioritize(actor=cast.rosa, ref=logged.bottleneck.ref)
    assert refused.value.params["reason"] == "subsidy"
    matrix = await services.reading.matrix(actor=cast.andres)
    assert [b.ref for b in matrix.filtered] == ["P-1"]


async def test_untriaged_bottlenecks_cannot_be_prioritized(services: Services, cast: Cast) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Sin clasificar")
    with pytest.raises(NotTriaged):
        await services.bottlenecks.prioritize(actor=cast.rosa, ref="P-1")


async def test_the_prioritized_few_have_a_limit_and_a_swap(services: Services, cast: Cast) -> None:
    refs = [await _triaged(services, cast, f"Problema {i}", impact=i) for i in range(1, 6)]
    for ref in refs[:4]:
        await services.bottlenecks.prioritize(actor=cast.rosa, ref=ref)
    with pytest.raises(PriorityLimit) as full:
        await services.bottlenecks.prioritize(actor=cast.rosa, ref=refs[4])
    assert [ref for ref, _ in full.value.params["current"]] == refs[:4]
    said = Presenter("es", ZoneInfo("America/Lima")).domain_error(full.value).lines[0].text
    assert said.endswith("Para cambiar uno: /priorizar P-5 en lugar de P-1")  # as typed
    swapped = await services.bottlenecks.prioritize(actor=cast.rosa, ref=refs[4], replacing="P-1")
    assert swapped.demoted is not None and swapped.demoted.ref == "P-1"
    matrix = await services.reading.matrix(actor=cast.maria)
    assert [b.ref for b in matrix.prioritized] == ["P-5", "P-4", "P-3", "P-2"]
    assert [b.ref for b in matrix.queue] == ["P-1"]


async def test_only_the_reporter_or_a_coordinator_may_call_it_solved(
    services: Services, cast: Cast
) -> None:
    ref = await _triaged(services, cast, "Registro lento")
    with pytest.raises(NotReporter) as refused:
        await services.bottlenecks.resolve(actor=cast.jorge, ref=ref)
    assert refused.value.params["reporter"] == "María Quispe"
    solved = (await services.bottlenecks.resolve(actor=cast.maria, ref=ref)).bottleneck
    assert (solved.status, solved.credited_entity) == ("resolved", "SERFOR")
    with pytest.raises(InvalidState):
        await services.bottlenecks.resolve(actor=cast.maria, ref=ref)


@pytest.mark.parametrize(
    "title", ["\u200b\u200b", "\u202e\u200b \u2800", "\x00\u2060\ufeff", "\u3164"]
)
async def test_a_title_nobody_could_read_is_refused(
    services: Services, cast: Cast, title: str
) -> None:
    with pytest.raises(EmptyText):
        await services.bottlenecks.log(actor=cast.maria, text=title)
    matrix = await services.reading.matrix(actor=cast.rosa)
    assert matrix.awaiting_triage == []


async def test_invisible_and_unstorable_characters_are_dropped_from_a_title(
    services: Services, cast: Cast
) -> None:
    logged = await services.bottlenecks.log(
        actor=cast.maria, text="Gu\u200bías\x00 \u202eforestales\u202c \ud800👩\u200d🌾"
    )
    assert logged.bottleneck.title == "Guías forestales 👩\u200d🌾"


@pytest.mark.parametrize("ref", ["P-99999999999", "P-2147483648", "p 000000000000000099999999999"])
async def test_a_reference_too_large_to_exist_is_not_found(
    services: Services, cast: Cast, ref: str
) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    with pytest.raises(NotFound):
        await services.reading.bottleneck(actor=cast.maria, ref=ref)
    with pytest.raises(NotFound):
        await services.bottlenecks.mark_duplicate(actor=cast.rosa, ref="P-1", of_ref=ref)
