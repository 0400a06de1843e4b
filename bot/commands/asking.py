"""What a command answers when part of it is missing: what it needs, in the person's
own words where it can."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.parse import Usage
from bot.commands.reply import Reply
from bot.core.errors import DomainError

if TYPE_CHECKING:
    from bot.commands.run import Call


async def deadline_step(c: Call, ref: str, rest: str) -> Reply:
    """``/plazo A-1`` without the comma between the date and the reason: what it needs,
    in the person's own words where a date starts them ("el 29 falta la firma" becomes
    "/plazo A-1 el 29, falta la firma")."""
    words = rest.split()
    for k in range(min(len(words), 8), 0, -1):
        date_words, reason = " ".join(words[:k]), " ".join(words[k:])
        try:
            await c.services.actions.read_due(c.actor, date_words)
        except DomainError:
            continue
        if reason:
            return c.say.error("deadline_needs_comma", ref=ref, date=date_words,
                               reason=reason)
        return c.say.error("deadline_needs_reason", ref=ref, date=date_words)
    if not words:
        return c.say.error("deadline_needs_both", ref=ref)
    raise Usage()
