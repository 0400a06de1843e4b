"""Rules of the method that several use cases and views share."""

from __future__ import annotations

from bot.core.enums import BottleneckStatus, OwnerClass, RequestKind
from bot.storage.tables import Bottleneck


def not_prioritizable_reason(row: Bottleneck) -> str | None:
    """Why the method keeps this out of the prioritized few, if it does."""
    if row.status == BottleneckStatus.REPORTED:
        return "untriaged"
    if row.request_kind != RequestKind.PRODUCTIVITY:
        return row.request_kind
    if row.owner_class != OwnerClass.MP:
        return row.owner_class
    return None
