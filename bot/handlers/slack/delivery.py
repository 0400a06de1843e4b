"""Delivers the outbox on Slack (the loop is :class:`bot.handlers.delivery.Delivery`).

What Slack's answers mean: a 429 waits ``Retry-After`` and retries within the call (the
face's :meth:`send`), and one that persists is retried later with at least that wait; a
5xx, a timeout or a lost connection is retried later; a channel that is gone or archived,
a bot removed from the channel, a person who left the workspace fail the notice at once;
a token Slack refuses (revoked, uninstalled) stops the process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.commands.reply import Reply
from bot.core.notices import Pending
from bot.core.services import Services
from bot.handlers.delivery import Accepted, Delivery, Outcome
from bot.handlers.health import Fatal
from bot.handlers.slack.limits import retry_after

PLATFORM = "slack"
#: Slack's answers that mean the bot itself is refused: no retry helps.
REFUSED = ("invalid_auth", "not_authed", "token_revoked", "token_expired",
           "account_inactive", "no_permission", "missing_scope", "team_access_not_granted")
#: Slack's answers that mean "later": the platform is busy or down.
PASSING = ("ratelimited", "internal_error", "fatal_error", "service_unavailable",
           "request_timeout")


class Sender(Protocol):
    services: Services

    async def send(self, channel: str, reply: Reply, *, mesa_id: int | None = None,
                   skip: int = 0, on_part: Callable[[int], Awaitable[None]] | None = None,
                   ) -> object: ...


def refused(error: SlackApiError) -> Fatal | None:
    """The stop for an answer that refuses the bot itself, else None."""
    code = str(error.response.get("error") or "")
    if code in REFUSED:
        return Fatal(f"Slack refused the bot token ({code}); check SLACK_BOT_TOKEN and "
                     "the app's scopes")
    return None


class SlackDelivery(Delivery):
    platform = PLATFORM
    label = "Slack"

    def __init__(self, face: Sender) -> None:
        super().__init__(face.services)
        self.face = face

    async def member_chat(self, notice: Pending) -> str | None:
        # A person's id is a channel for chat.postMessage: their messages with the bot.
        return notice.member_slack_id

    async def attempt(self, notice: Pending, chat_id: str, reply: Reply, skip: int,
                      accepted: Accepted) -> Outcome:
        try:
            await self.face.send(chat_id, reply, mesa_id=notice.mesa_id, skip=skip,
                                 on_part=accepted)
        except SlackApiError as error:
            stop = refused(error)
            if stop is not None:
                raise stop from error
            code = str(error.response.get("error") or "")
            status = error.response.status_code
            if status == 429:
                return "retry", "ratelimited", timedelta(
                    seconds=retry_after(error.response.headers))
            if status >= 500 or code in PASSING:
                return "retry", code or f"HTTP {status}", None
            return "failed", code or f"HTTP {status}", None
        except (TimeoutError, aiohttp.ClientError) as error:
            return "retry", type(error).__name__, None
        return "sent", "", None
