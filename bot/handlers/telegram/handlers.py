"""The Telegram listeners, registered in one place. Each turns an update into one call
of the shared dispatcher and sends the reply; who may do what is the core's business.

Buttons are authorized by the person who pressed them (``callback_query.from_user``),
never by the chat they are in.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import Forbidden as TelegramForbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands.dispatch import DEFAULT_TZ
from bot.commands.parse import split_command
from bot.commands.present import Presenter
from bot.commands.reply import Reply, Style
from bot.commands.words import find
from bot.core.chats import ChatRef
from bot.core.errors import DomainError, UnknownMember
from bot.core.members import Identity
from bot.core.text import scrub
from bot.handlers.telegram import conversation
from bot.i18n import lang_of, t
from bot.storage.database import AlreadyDone, effects_done
from bot.storage.drafts import Drafts

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.handlers.telegram.face import TelegramFace


Context = ContextTypes.DEFAULT_TYPE


def register(app: Application[Any, Any, Any, Any, Any, Any], face: TelegramFace) -> None:
    """Every Telegram listener of the bot."""
    listeners = Listeners(face)
    app.add_handler(CommandHandler("start", listeners.start))
    app.add_handler(CallbackQueryHandler(listeners.button))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, listeners.migrated))
    app.add_handler(MessageHandler(filters.TEXT, listeners.text))
    app.add_error_handler(listeners.failed)


def _notice(lang: str, key: str) -> Reply:
    return Reply().add(t(lang, key))


class Listeners:
    def __init__(self, face: TelegramFace) -> None:
        self.face = face
        self.services = face.services
        self.steps = conversation.Steps(self, Drafts(face.services.db, "telegram"))

    async def _where(self, update: Update) -> tuple[ChatRef, str | None, bool]:
        """The chat, the mesa it is linked to, and whether it is a group not linked."""
        chat = update.effective_chat
        assert chat is not None
        ref = ChatRef("telegram", str(chat.id), chat.title or "", chat.type == "private")
        if ref.is_private:
            return ref, None, False
        linked = await self.services.chats.linked(platform="telegram", chat_id=ref.chat_id)
        return ref, linked.mesa_slug if linked else None, linked is None

    async def _identity(self, user_id: int) -> Identity | None:
        try:
            return await self.services.members.identify(telegram_user_id=user_id)
        except UnknownMember:
            return None

    async def _answer(self, identity: Identity, text: str, update: Update, chat: ChatRef,
                      mesa: str | None, source: str) -> Reply:
        user = update.effective_user
        return await self.face.dispatcher.handle(
            identity, text, mesa=mesa, source=source, chat=chat,
            language_hint=user.language_code if user else None,
        )

    async def text(self, update: Update, context: Context) -> None:
        """A message: a command, or a reply to the bot's message about an action."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        chat, mesa, _ = await self._where(update)
        text = message.text
        replied = message.reply_to_message
        to_bot = bool(replied and replied.from_user and replied.from_user.id == self.face.bot.id)
        if await self.steps.handle(update, answering=chat.is_private or to_bot):
            return
        if not text.startswith("/") and replied and to_bot:
            about = await self.services.chats.subject_of(
                platform="telegram", chat_id=chat.chat_id, message_id=str(replied.message_id)
            )
            if about is not None and about[1]:
                mesa, ref = about
                text = f"/avance {ref} {text}"
        if not text.startswith("/") and not chat.is_private:
            return  # conversation among people in a group is not for the bot
        await self.run(update, text, mesa=mesa)

    async def admit(self, update: Update, text: str) -> tuple[ChatRef, str | None, Identity] | str:
        """Who writes, where, and for which mesa; or the catalog key of why not (a group
        not linked to a mesa, a person not in any). Typed and pressed input both pass
        here, so a button cannot do in a group what typing there may not."""
        user = update.effective_user
        assert user is not None
        chat, mesa, unlinked = await self._where(update)
        word, _ = split_command(text)
        command = find(word) if word else None
        if unlinked and (command is None or command.name not in ("link", "help", "mesa")):
            return "telegram.not_linked"
        identity = await self._identity(user.id)
        if identity is None:
            return "telegram.unknown_person"
        return chat, mesa, identity

    async def run(self, update: Update, text: str, *, mesa: str | None = None) -> None:
        """Answer ``text`` as a command from the update's sender, in the update's chat."""
        admitted = await self.admit(update, text)
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        if isinstance(admitted, str):
            word, _ = split_command(text)
            known = word is not None and find(word) is not None
            if known or admitted != "telegram.not_linked":  # a group's own talk: silence
                await self.face.send(message.chat_id,
                                     _notice(lang_of(user.language_code), admitted))
            return
        chat, linked_mesa, identity = admitted
        mesa = mesa or linked_mesa
        reply = await self._answer(identity, text, update, chat, mesa,
                                   f"telegram:{chat.chat_id}:{message.message_id}")
        await self.deliver(update, chat, reply, _mesa_id(identity, mesa))

    async def deliver(self, update: Update, chat: ChatRef, reply: Reply,
                      mesa_id: int | None) -> None:
        """Send a reply where it was asked; its private part to the asker's own chat."""
        if not chat.is_private or reply.private is None:
            await self.face.send(int(chat.chat_id), reply, mesa_id=mesa_id)
        if reply.private is None:
            return
        user = update.effective_user
        assert user is not None
        if chat.is_private:
            await self.face.send(int(chat.chat_id), reply.private, mesa_id=mesa_id)
            return
        try:
            await self.face.send(user.id, reply.private, mesa_id=mesa_id)
        except TelegramForbidden:  # they never opened a chat with the bot
            say = Presenter(lang_of(user.language_code), DEFAULT_TZ)
            await self.face.send(int(chat.chat_id), Reply().add(
                say.t("private.unreachable", name=user.first_name), Style.ERROR))

    async def button(self, update: Update, context: Context) -> None:
        """A button press: the command it carries, on behalf of whoever pressed it."""
        query = update.callback_query
        if query is None or query.data is None or query.message is None:
            return
        admitted = await self.admit(update, query.data)
        if isinstance(admitted, str):
            await query.answer(t(lang_of(query.from_user.language_code), admitted)[:200],
                               show_alert=True)
            return
        chat, mesa, identity = admitted
        if mesa is None:  # a private chat: the button acts in the mesa it was sent for
            about = await self.services.chats.subject_of(
                platform="telegram", chat_id=chat.chat_id,
                message_id=str(query.message.message_id))
            mesa = about[0] if about is not None else None
        reply = await self._answer(identity, query.data, update, chat, mesa,
                                   f"telegram:{chat.chat_id}:button:{query.id}")
        if reply.is_error:
            text = " ".join(line.text for line in reply.lines if line.style is Style.ERROR)
            await query.answer(text[:200], show_alert=True)
            if reply.private is not None:  # a refusal in a group: the detail, privately
                with contextlib.suppress(TelegramForbidden):  # no private chat: the alert
                    await self.face.send(query.from_user.id, reply.private,
                                         mesa_id=_mesa_id(identity, mesa))
                return
            if not reply.buttons:
                return
        else:
            await query.answer()
        if reply.replaces and reply.private is None \
                and await self.face.replace(query.message, reply):
            return
        await self.deliver(update, chat, reply, _mesa_id(identity, mesa))

    async def start(self, update: Update, context: Context) -> None:
        """``/start``: what the bot is and how to join; ``/start <code>`` joins a mesa."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        identity = await self._identity(user.id)
        lang = lang_of(identity.language if identity and identity.language_chosen
                       else user.language_code)
        if context.args and message.chat.type != "private":
            await self.face.send(message.chat_id, _notice(lang, "telegram.start_in_group"))
            return
        if not context.args and identity is not None and identity.mesas:
            await self.face.send(message.chat_id, Reply().add(t(
                lang, "telegram.start_member", name=identity.name,
                mesas=", ".join(c.name for c in identity.mesas))))
            return
        if not context.args:
            await self.face.send(message.chat_id, _notice(lang, "telegram.start"))
            return
        say = Presenter(lang, DEFAULT_TZ)
        if effects_done():  # joined before a crash took the answer: say it again
            await self.face.send(message.chat_id, say.already_done([]))
            return
        try:
            joined = await self.services.invitations.accept(
                code=scrub(context.args[0]), name=scrub(user.full_name), language=lang,
                telegram_user_id=user.id, source=f"telegram:{message.chat_id}:{message.message_id}",
            )
        except DomainError as error:
            await self.face.send(message.chat_id, say.domain_error(error))
            return
        except AlreadyDone:  # joined before a crash took the answer: say it again
            await self.face.send(message.chat_id, say.already_done([]))
            return
        await self.face.send(message.chat_id, say.joined(joined))

    async def failed(self, update: object, context: Context) -> None:
        """A listener raised: log it with the update, so it can be found and replayed."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("update %s failed", update_id, exc_info=context.error)

    async def migrated(self, update: Update, context: Context) -> None:
        """A group became a supergroup: its link follows it to the new id."""
        message = update.effective_message
        if message is not None and message.migrate_to_chat_id:
            await self.services.chats.migrate(
                platform="telegram", old_chat_id=str(message.chat_id),
                new_chat_id=str(message.migrate_to_chat_id),
            )


def _mesa_id(identity: Identity, slug: str | None) -> int | None:
    """The mesa a reply belongs to: the chat's, else the member's only or chosen one."""
    try:
        return identity.mesa(slug).mesa_id
    except DomainError:  # several mesas and none chosen
        return None
