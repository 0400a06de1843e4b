"""The lists the matrix and the agenda are made of, each read in SQL as the first few
rows in its order with a count of the rest.

A mesa of any size is then read in about the same time (the database filters, sorts
and counts; Python only turns the rows shown into views), and what a list leaves out
is counted for its reader, never silently dropped.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, not_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.enums import (
    CLOSED_BOTTLENECK,
    IN_FOCUS,
    BottleneckStatus,
    OwnerClass,
    RequestKind,
)
from bot.storage.tables import Bottleneck

#: Items each list of the matrix, and of the whole agenda (its documents), names; the
#: rest are counted. Well above what a working mesa holds in any one list.
LIST_LIMIT = 200

FOCUS = col(Bottleneck.status).in_([s.value for s in IN_FOCUS])
CLOSED = col(Bottleneck.status).in_([s.value for s in CLOSED_BOTTLENECK])
TRIAGE = col(Bottleneck.status) == BottleneckStatus.REPORTED.value
#: Triaged, open and not in focus: waiting their turn, or kept out of focus.
WAITING = col(Bottleneck.status).not_in(
    [s.value for s in (*IN_FOCUS, *CLOSED_BOTTLENECK, BottleneckStatus.REPORTED)])
#: What the method may prioritize (see :func:`bot.core.rules.not_prioritizable_reason`).
PRIORITIZABLE = and_(col(Bottleneck.request_kind) == RequestKind.PRODUCTIVITY.value,
                     col(Bottleneck.owner_class) == OwnerClass.MP.value)
QUEUE = and_(WAITING, PRIORITIZABLE)
OUT_OF_FOCUS = and_(WAITING, not_(PRIORITIZABLE))

#: :func:`bot.core.reading.by_priority` in SQL: impact times ease, highest first (no
#: score counts as 0), then the oldest.
BY_PRIORITY = (
    (func.coalesce(col(Bottleneck.impact), 0) * func.coalesce(col(Bottleneck.ease), 0)).desc(),
    col(Bottleneck.created_at), col(Bottleneck.number),
)
BY_NUMBER = (col(Bottleneck.number),)


async def first(s: AsyncSession, query: Any) -> tuple[list[Any], int]:
    """The first :data:`LIST_LIMIT` rows of ``query`` and how many it holds in all
    (counted only when the first rows fill the list)."""
    limit = LIST_LIMIT
    rows = list(await s.exec(query.limit(limit)))
    if len(rows) < limit:
        return rows, len(rows)
    total = (await s.exec(
        select(func.count()).select_from(query.order_by(None).subquery()))).one()
    return rows, int(total)


def columns(model: Any) -> Any:
    """A query for ``model``'s rows as plain columns: read-only rows whose attributes
    are named as the model's, several times cheaper to load than ORM objects, for the
    lists that turn thousands of rows into views and change none."""
    return select(*model.__table__.columns)


async def bottlenecks(s: AsyncSession, mesa_id: int, where: Any, order: tuple[Any, ...]
                      ) -> tuple[list[Any], int]:
    """The first bottlenecks of ``mesa_id`` that meet ``where`` (as :func:`columns`),
    and how many there are."""
    return await first(
        s, columns(Bottleneck).where(Bottleneck.mesa_id == mesa_id, where).order_by(*order))
