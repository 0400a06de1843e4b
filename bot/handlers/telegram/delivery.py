"""Delivers the outbox on Telegram (the loop is :class:`bot.handlers.delivery.Delivery`).

What Telegram's answers mean: a 429 waits and retries within the call (the face's
:meth:`send`), and one that persists is retried later with at least Telegram's
retry-after; a 5xx, a timeout or a network failure is retried later; a bot blocked by
the person or a chat that is gone fails the notice at once; a group that became a
supergroup is followed to its new id and sent to there at once; a token Telegram refuses
stops the process.

It sends through a :class:`Sender` (the face) and does not import the face: the face
builds its delivery, not the other way round.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from bot.commands.reply import Reply
from bot.core.notices import Pending
from bot.core.services import Services
from bot.handlers.delivery import Accepted, Delivery, Outcome
from bot.handlers.health import Fatal
from bot.handlers.telegram.limits import retry_seconds

PLATFORM = "telegram"


class Sender(Protocol):
    """What delivery needs of the face: the services, and sending within the limits."""

    services: Services

    async def send(self, chat_id: int, reply: Reply, *, mesa_id: int | None = None,
                   skip: int = 0, on_part: Callable[[int], Awaitable[None]] | None = None,
                   ) -> object: ...


class TelegramDelivery(Delivery):
    platform = PLATFORM
    label = "Telegram"

    def __init__(self, face: Sender) -> None:
        super().__init__(face.services)
        self.face = face

    async def member_chat(self, notice: Pending) -> str | None:
        member = notice.member_telegram_id
        return str(member) if member is not None else None

    async def attempt(self, notice: Pending, chat_id: str, reply: Reply, skip: int,
                      accepted: Accepted, *, moved: bool = False) -> Outcome:
        done = skip

        async def counted(parts: int) -> None:
            nonlocal done
            await accepted(parts)
            done = parts

        try:
            await self.face.send(int(chat_id), reply, mesa_id=notice.mesa_id, skip=skip,
                                 on_part=counted)
        except ChatMigrated as error:
            new_chat_id = str(error.new_chat_id)
            await self.services.chats.migrate(platform=PLATFORM, old_chat_id=chat_id,
                                              new_chat_id=new_chat_id)
            if moved:  # a supergroup does not move again; never loop on it
                return "retry", "group moved to a supergroup", None
            return await self.attempt(notice, new_chat_id, reply, done, accepted, moved=True)
        except (Forbidden, BadRequest) as error:
            return "failed", error.message, None
        except RetryAfter as error:
            return "retry", str(error), timedelta(seconds=retry_seconds(error.retry_after))
        except NetworkError as error:  # 5xx, timeouts, no connection
            return "retry", str(error), None
        except InvalidToken as error:
            raise Fatal(f"Telegram refused the bot token ({error.message}); "
                        "check TELEGRAM_BOT_TOKEN") from error
        return "sent", "", None
