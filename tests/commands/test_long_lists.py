"""A mesa whose lists outgrow what one reading shows: the matrix and the agenda name
the first of each list and say how many more there are, never dropping them silently.

The limit is lowered here so a few hundred bottlenecks outgrow it; a working mesa's
lists stay under the real one (bot.core.sections.LIST_LIMIT)."""

from __future__ import annotations

import re

import pytest

from bot.commands.present import Presenter
from bot.core import sections
from bot.core.clock import ManualClock
from bot.core.services import Services
from tests.builders import Cast
from tests.conftest import LIMA
from tests.handlers.telegram.test_agenda_fits import _big_mesa


@pytest.fixture
def limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sections, "LIST_LIMIT", 50)
    return 50


async def test_the_matrix_names_the_first_of_each_list_and_counts_the_rest(
    services: Services, cast: Cast, clock: ManualClock, limit: int
) -> None:
    """400 bottlenecks: 12 prioritized, 120 untriaged, 80 subsidy requests, 188 queued."""
    await _big_mesa(services, cast, clock)
    matrix = await services.reading.matrix(actor=cast.maria)
    assert len(matrix.prioritized) == 12 and len(matrix.queue) == limit
    assert [v.ref for v in matrix.awaiting_triage] == [f"P-{n}" for n in range(13, 63)]
    assert matrix.more == {"queue": 188 - limit, "awaiting_triage": 120 - limit,
                           "filtered": 80 - limit}
    # The prioritized few keep their open actions (all 240 of them; the rest are
    # spread over the listed and the counted bottlenecks).
    assert sum(len(matrix.actions[v.ref]) for v in matrix.prioritized) == 240
    reply = Presenter("es", LIMA).matrix(matrix)
    text = "\n".join(line.text for line in reply.lines)
    for left_out in (138, 70, 30):
        assert f"y {left_out} más" in text
    assert "P-63 " not in text  # the 51st untriaged is counted, not named


async def test_the_agenda_and_its_documents_count_what_their_lists_leave_out(
    services: Services, cast: Cast, clock: ManualClock, limit: int
) -> None:
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await _big_mesa(services, cast, clock)
    agenda = await services.agendas.compile(actor=cast.rosa)
    assert len(agenda.awaiting_triage) == limit and agenda.more["awaiting_triage"] == 70
    reply = Presenter("es", LIMA).agenda(agenda)
    text = "\n".join(line.text for line in reply.lines)
    assert "y 115 más" in text  # the phone shows five of the 120 untriaged
    markdown = next(a for a in reply.attachments if a.filename.endswith(".md"))
    document = markdown.content.decode()
    section = document.split("## 5. Por clasificar")[1].split("\n## ")[0]
    assert len(re.findall(r"P-(\d+) «", section)) == limit
    assert "y 70 más" in section
