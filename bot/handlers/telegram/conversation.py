"""``/problema`` with no text: a short conversation (the title, then an optional detail),
for people in the field who would rather answer questions than write a command.

The draft lives in the database (:mod:`bot.storage.drafts`), not in the chat library's
memory, so the next answer may reach another process or come after a restart; a draft
left alone for half an hour is forgotten. The questions ask for a reply (ForceReply),
so answers reach the bot in groups with privacy mode on.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import ForceReply, Message, Update
from telegram.constants import ParseMode

from bot.commands.words import COMMANDS
from bot.i18n import lang_of, t
from bot.storage.database import AlreadyDone, with_each_write
from bot.storage.drafts import Drafts

if TYPE_CHECKING:
    from bot.handlers.telegram.handlers import Listeners

TITLE, DETAIL = "title", "detail"
_WORDS = "|".join(w for c in COMMANDS if c.name == "bottleneck" for w in (c.es, c.en))
STARTS = re.compile(rf"^/({_WORDS})(@\w+)?\s*$", re.I)
FINISH = re.compile(r"^/(listo|lista|skip|ok)(@\w+)?\s*$", re.I)
CANCEL = re.compile(r"^/(cancelar|cancel)(@\w+)?\s*$", re.I)


class Steps:
    def __init__(self, listeners: Listeners, drafts: Drafts) -> None:
        self.listeners = listeners
        self.face = listeners.face
        self.drafts = drafts

    async def handle(self, update: Update, *, answering: bool) -> bool:
        """Take the message if it belongs to a conversation (starts, answers, finishes or
        cancels one); False to let it be read as usual. ``answering``: plain text that
        may answer a question (in a private chat, or a reply to the bot)."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return False
        text = message.text.strip()
        if STARTS.match(text):
            return await self._start(update, message)
        if not (answering or text.startswith("/")):
            return False
        chat, who = str(message.chat_id), str(user.id)
        now = self.face.clock.now()
        draft = await self.drafts.get(chat, who, now=now)
        if draft is None:
            if CANCEL.match(text) or FINISH.match(text):
                await self._say(update, "conversation.nothing", ask=False)
                return True
            return False
        if CANCEL.match(text):
            await self.drafts.drop(chat, who)
            await self._say(update, "conversation.cancelled", ask=False)
        elif FINISH.match(text):
            if draft.step == DETAIL:
                await self._log(update, draft.title, "")
            else:
                await self._say(update, "conversation.title", ask=True)
        elif text.startswith("/"):
            # Another command ends the conversation (a remark typed after it must not
            # become a bottleneck's title), in the same transaction as its effects.
            await self._ending(update, chat, who, message.text)
            await self._say(update, "conversation.left", ask=False)
        elif draft.step == TITLE:
            await self._save(chat, who, step=DETAIL, title=message.text)
            await self._say(update, "conversation.detail", ask=True)
        else:
            await self._log(update, draft.title, message.text)
        return True

    async def _ending(self, update: Update, chat: str, who: str, command: str) -> None:
        async def ended(session: AsyncSession) -> None:
            await self.drafts.drop_in(session, chat, who)

        with with_each_write(ended):
            await self.listeners.run(update, command)
        await self.drafts.drop(chat, who)  # a command that wrote nothing

    async def _start(self, update: Update, message: Message) -> bool:
        assert message.text is not None and update.effective_user is not None
        if isinstance(await self.listeners.admit(update, message.text), str):
            await self.listeners.run(update, message.text)  # says why not, as typed
            return True
        await self._save(str(message.chat_id), str(update.effective_user.id), step=TITLE)
        await self._say(update, "conversation.title", ask=True)
        return True

    async def _save(self, chat: str, who: str, *, step: str, title: str = "") -> None:
        # Saved before a crash took the question (AlreadyDone): ask it again.
        with contextlib.suppress(AlreadyDone):
            await self.drafts.save(chat, who, step=step, title=title, now=self.face.clock.now())

    async def _say(self, update: Update, key: str, *, ask: bool) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        await self.face.call(message.chat_id, lambda: message.reply_text(
            t(lang_of(user.language_code), key), parse_mode=ParseMode.HTML,
            reply_markup=ForceReply(selective=True) if ask else None,
        ))

    async def _log(self, update: Update, title: str, detail: str) -> None:
        """Log the bottleneck; the draft goes in the same transaction, so a crash leaves
        either both (and the answer is taken again) or neither."""
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        chat, who = str(message.chat_id), str(user.id)
        text = f"{title}\n{detail}" if detail else title
        await self._ending(update, chat, who, f"/problema {text}")
