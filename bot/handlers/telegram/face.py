"""The Telegram face: python-telegram-bot's Application, fed from the durable inbox.

Polling is ours, not PTB's Updater: an update is stored before the next ``getUpdates``
offset confirms it to Telegram, then processed from the database through
``Application.process_update``, and marked done in the same transaction as its effects.

Its loops (polling, the inbox, the lease heartbeat, outbox delivery) run under
:class:`bot.handlers.health.Health`: any error is logged and the loop goes on, except a
token Telegram refuses or another process polling the same token, which stop the process.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, BotCommand, InputFile, MaybeInaccessibleMessage, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.commands.dispatch import Dispatcher
from bot.commands.reply import Attachment, Reply
from bot.commands.words import COMMANDS
from bot.core.clock import Clock
from bot.core.services import Services
from bot.handlers.health import Fatal, Health
from bot.handlers.inbox import DEFAULT_LEASE, InboxRunner
from bot.handlers.telegram import handlers
from bot.handlers.telegram.delivery import TelegramDelivery
from bot.handlers.telegram.limits import Limiter, retry_seconds
from bot.handlers.telegram.render import Chunk, render
from bot.i18n import t
from bot.storage.inbox import Inbox, Incoming

log = logging.getLogger(__name__)
PLATFORM = "telegram"
POLL_TIMEOUT = 20
ALLOWED_UPDATES = ["message", "callback_query"]
SEND_TRIES = 4
#: How many step messages are remembered as replaceable (memory stays bounded).
STEPS_KEPT = 5_000
T = TypeVar("T")


def chat_key(payload: dict[str, Any]) -> str:
    """The chat an update belongs to, so one chat's updates run in order."""
    message = payload.get("message") or payload.get("edited_message") or {}
    if not message and "callback_query" in payload:
        message = payload["callback_query"].get("message") or {}
    chat = message.get("chat") or {}
    return str(chat.get("id", "none"))


class TelegramFace:
    def __init__(self, services: Services, *, token: str, api_base_url: str, clock: Clock,
                 poll_timeout: int = POLL_TIMEOUT, request: BaseRequest | None = None,
                 lease: timedelta = DEFAULT_LEASE, health: Health | None = None) -> None:
        self.services = services
        self.health = health or Health(clock)
        self.dispatcher = Dispatcher(services, invite_link=self.invite_link)
        self.clock = clock
        self.poll_timeout = poll_timeout
        base = api_base_url.rstrip("/")
        builder = (ApplicationBuilder().token(token).base_url(f"{base}/bot")
                   .base_file_url(f"{base}/file/bot").updater(None))
        if request is not None:  # tests: a recording request instead of HTTP
            builder = builder.request(request).get_updates_request(request)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        handlers.register(self.application, self)
        self.inbox = Inbox(services.db, PLATFORM)
        self.runner = InboxRunner(self.inbox, self.process, clock, lease)
        self.limiter = Limiter()
        self.delivery = TelegramDelivery(self)
        self.health.add_backlog("telegram.inbox", self.inbox.backlog)
        self.health.add_backlog("telegram.outbox", self.delivery.backlog)
        self._offset: int | None = None
        self._tasks: list[asyncio.Task[None]] = []
        #: Messages that show a step of a choice: the next step may replace them. Kept in
        #: memory only, the latest :data:`STEPS_KEPT`; after a restart (or for an old
        #: one) the next step is simply sent as a new message.
        self._steps: OrderedDict[tuple[int, int], None] = OrderedDict()

    def invite_link(self, code: str) -> str:
        """A deep link that opens the bot and sends ``/start <code>``."""
        return f"https://t.me/{self.bot.username}?start={code}"

    @property
    def bot(self) -> Bot:
        bot: Bot = self.application.bot
        return bot

    # lifecycle

    async def start(self, *, poll: bool = True) -> None:
        await self.application.initialize()
        await self.application.start()
        await self.set_commands()
        if poll:
            await self.bot.delete_webhook()
            self._tasks.append(self.health.start("telegram.poll", self.poll_round,
                                                    quiet=(NetworkError,)))
        self._tasks.append(self.health.start("telegram.inbox", self.runner.run_round))
        self._tasks.append(self.health.start("telegram.leases", self.runner.renew_round))
        self._tasks.append(self.health.start("telegram.outbox", self.delivery.run_round))

    async def stop(self) -> None:
        await self.health.stop_all(self._tasks)
        if self.application.running:  # not when the start failed (a refused token)
            await self.application.stop()
        await self.application.shutdown()

    async def set_commands(self) -> None:
        """The command menu, in Spanish (also the default) and English."""
        for language in ("es", "en"):
            commands = []
            for command in COMMANDS:
                usage = t(language, f"help.{command.name}")
                description = usage.split(": ", 1)[1] if ": " in usage else usage
                commands.append(BotCommand(command.word(language), description[:256]))
            await self.bot.set_my_commands(commands, language_code=language)
        await self.bot.set_my_commands(
            [BotCommand(c.es, t("es", f"help.{c.name}")[:256]) for c in COMMANDS]
        )

    # receiving

    async def poll_once(self, offset: int | None) -> int | None:
        """One ``getUpdates``: store what came, and return the offset that confirms it."""
        updates = await self.bot.get_updates(
            offset=offset, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
        if not updates:
            return offset
        try:
            await self.receive([u.to_dict() for u in updates])
        except Exception:
            # Not confirmed to Telegram: the next getUpdates hands them out again.
            log.error("updates %s to %s: not stored; polled again",
                      updates[0].update_id, updates[-1].update_id)
            raise
        return updates[-1].update_id + 1

    async def receive(self, payloads: list[dict[str, Any]]) -> None:
        """Store updates (polled or pushed to the webhook) and wake the processor."""
        incoming = [Incoming(int(p["update_id"]), chat_key(p), p) for p in payloads]
        await self.inbox.store(incoming, now=self.clock.now())
        self.runner.wake()

    async def poll_round(self) -> None:
        """One ``getUpdates`` and the storing of what came. An error goes to the
        supervisor (logged, backed off, retried from the same offset, so nothing is
        lost); a refused token or another poller of the same token stops the process."""
        try:
            self._offset = await self.poll_once(self._offset)
        except RetryAfter as error:
            await asyncio.sleep(retry_seconds(error.retry_after))
        except InvalidToken as error:
            raise Fatal(f"Telegram refused the bot token ({error.message}); "
                        "check TELEGRAM_BOT_TOKEN") from error
        except Conflict as error:
            raise Fatal(f"another process is polling with this token or a webhook is set "
                        f"({error.message}); run one poller, or use webhook mode") from error

    async def process(self, item: Incoming) -> None:
        await self.application.process_update(Update.de_json(item.payload, self.bot))
        self.delivery.wake()  # what the update caused is in the outbox now

    # sending

    async def send(self, chat_id: int, reply: Reply, *, mesa_id: int | None = None,
                   skip: int = 0, on_part: Callable[[int], Awaitable[None]] | None = None,
                   ) -> list[Message]:
        """Send a reply, split as needed, within the limits; a 429 waits and retries.

        A reply goes out as parts, one message each, one at a time. ``skip`` parts the
        platform already accepted are not sent again, and ``on_part(k)`` is awaited once
        it has accepted part ``k`` (from 1) and before the next is sent: a notice that
        fails halfway resumes where it stopped instead of repeating its first parts.
        """
        sent: list[Message] = []
        parts = self.parts(chat_id, reply)
        texts = len(parts) - len(reply.attachments)  # the files come after the text
        for k, part in enumerate(parts[skip:], start=skip + 1):
            message = await self.call(chat_id, part)
            if k <= texts:
                sent.append(message)
            if on_part is not None:
                await on_part(k)
        if reply.replaces and sent:
            self._steps[(chat_id, sent[-1].message_id)] = None
            while len(self._steps) > STEPS_KEPT:
                self._steps.popitem(last=False)
        if (reply.subject or reply.buttons) and sent and mesa_id is not None:
            # Its mesa, so a button pressed under it acts there even if the person has
            # chosen another mesa since; its subject, so a reply to it is progress.
            await self.services.chats.remember(
                platform=PLATFORM, chat_id=str(chat_id), message_id=str(sent[-1].message_id),
                mesa_id=mesa_id, ref=reply.subject or "",
            )
        return sent

    def parts(self, chat_id: int, reply: Reply) -> list[Callable[[], Awaitable[Message]]]:
        """The messages a reply is sent as, in order, each a call that sends it: its text
        in chunks, then each attached file as a document."""
        parts: list[Callable[[], Awaitable[Message]]] = []
        for chunk in render(reply):

            async def send_chunk(c: Chunk = chunk) -> Message:
                return await self.bot.send_message(
                    chat_id, c.html, parse_mode=ParseMode.HTML, reply_markup=c.markup,
                    disable_web_page_preview=True,
                )

            parts.append(send_chunk)
        parts.extend(self.document(chat_id, attachment) for attachment in reply.attachments)
        return parts

    def document(self, chat_id: int, attachment: Attachment
                 ) -> Callable[[], Awaitable[Message]]:
        """A file of a reply, as a call that sends it as a Telegram document."""

        async def send_document() -> Message:
            document = InputFile(attachment.content, filename=attachment.filename)
            document.mimetype = attachment.mime_type  # not guessed from the name
            return await self.bot.send_document(chat_id, document)

        return send_document

    async def replace(self, message: MaybeInaccessibleMessage, reply: Reply) -> bool:
        """Show a step of a choice in place of the message its button was on; False if
        that cannot be done (too long, or the message is gone) and it must be sent."""
        chunks = render(reply)
        if len(chunks) != 1 or not isinstance(message, Message) \
                or (message.chat_id, message.message_id) not in self._steps:
            return False
        try:
            await self.call(message.chat_id, lambda: self.bot.edit_message_text(
                chunks[0].html, chat_id=message.chat_id, message_id=message.message_id,
                parse_mode=ParseMode.HTML, reply_markup=chunks[0].markup,
            ))
        except BadRequest:
            return False
        return True

    async def call(self, chat_id: int, send: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(1, SEND_TRIES + 1):
            try:
                async with self.limiter.slot(chat_id):
                    return await send()
            except RetryAfter as error:
                if attempt == SEND_TRIES:
                    raise
                log.info("429 for chat %s: waiting %ss", chat_id, error.retry_after)
                await asyncio.sleep(retry_seconds(error.retry_after))
        raise AssertionError("unreachable")

