"""``/problema`` with no text: a short conversation (the title, then an optional detail),
for people in the field who would rather answer questions than write a command.

The unfinished draft lives in PTB's ``user_data`` (per chat), the only chat-library
state the bot keeps; it is dropped by ``/cancelar`` or by finishing. The questions ask
for a reply (ForceReply), so answers reach the bot in groups with privacy mode on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram import ForceReply, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes, ConversationHandler, MessageHandler, filters

from bot.commands.words import COMMANDS
from bot.i18n import lang_of, t

if TYPE_CHECKING:
    from bot.handlers.telegram.handlers import Listeners

Context = ContextTypes.DEFAULT_TYPE
TITLE, DETAIL = range(2)
_WORDS = "|".join(w for c in COMMANDS if c.name == "bottleneck" for w in (c.es, c.en))
STARTS = filters.Regex(rf"^/({_WORDS})(@\w+)?\s*$")
FINISH = filters.Regex(r"^/(listo|lista|skip|ok)(@\w+)?\s*$")
CANCEL = filters.Regex(r"^/(cancelar|cancel)(@\w+)?\s*$")
ANSWER = filters.TEXT & ~filters.COMMAND


def bottleneck_conversation(listeners: Listeners) -> ConversationHandler[Any]:
    steps = Steps(listeners)
    return ConversationHandler(
        entry_points=[MessageHandler(STARTS, steps.ask_title)],
        states={
            TITLE: [MessageHandler(ANSWER, steps.got_title)],
            DETAIL: [MessageHandler(ANSWER, steps.got_detail),
                     MessageHandler(FINISH, steps.no_detail)],
        },
        fallbacks=[MessageHandler(CANCEL, steps.cancel)],
        per_chat=True,
        per_user=True,
    )


class Steps:
    def __init__(self, listeners: Listeners) -> None:
        self.listeners = listeners
        self.face = listeners.face

    async def _ask(self, update: Update, key: str) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        await self.face.call(message.chat_id, lambda: message.reply_text(
            t(lang_of(user.language_code), key), parse_mode=ParseMode.HTML,
            reply_markup=ForceReply(selective=True),
        ))

    async def ask_title(self, update: Update, context: Context) -> int:
        message = update.effective_message
        assert message is not None and message.text is not None
        if isinstance(await self.listeners.admit(update, message.text), str):
            await self.listeners.run(update, message.text)  # says why not, as typed
            return ConversationHandler.END
        await self._ask(update, "conversation.title")
        return TITLE

    async def got_title(self, update: Update, context: Context) -> int:
        message = update.effective_message
        assert message is not None and message.text is not None
        assert context.user_data is not None
        context.user_data[("draft", message.chat_id)] = message.text
        await self._ask(update, "conversation.detail")
        return DETAIL

    async def _log(self, update: Update, context: Context, detail: str) -> int:
        message = update.effective_message
        assert message is not None and context.user_data is not None
        title = context.user_data.pop(("draft", message.chat_id), "")
        text = f"{title}\n{detail}" if detail else title
        await self.listeners.run(update, f"/problema {text}")
        return ConversationHandler.END

    async def got_detail(self, update: Update, context: Context) -> int:
        message = update.effective_message
        assert message is not None and message.text is not None
        return await self._log(update, context, message.text)

    async def no_detail(self, update: Update, context: Context) -> int:
        return await self._log(update, context, "")

    async def cancel(self, update: Update, context: Context) -> int:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None and context.user_data is not None
        context.user_data.pop(("draft", message.chat_id), None)
        await self.face.call(message.chat_id, lambda: message.reply_text(
            t(lang_of(user.language_code), "conversation.cancelled")
        ))
        return ConversationHandler.END
