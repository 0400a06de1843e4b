"""Unfinished multi-step inputs, per platform, chat and person, with a time limit.

A face asks a question and keeps the answers so far here rather than in the chat
library's memory, so the next answer may reach any process, even after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.database import Database
from bot.storage.tables import ConversationDraft

#: A draft untouched for this long is forgotten: its question is stale.
TTL = timedelta(minutes=30)


@dataclass(frozen=True)
class Draft:
    step: str
    title: str


class Drafts:
    def __init__(self, db: Database, platform: str) -> None:
        self.db = db
        self.platform = platform

    def _where(self, chat_id: str, user_id: str) -> ColumnElement[bool]:
        return (
            (col(ConversationDraft.platform) == self.platform)
            & (col(ConversationDraft.chat_id) == chat_id)
            & (col(ConversationDraft.user_id) == user_id)
        )

    async def get(self, chat_id: str, user_id: str, *, now: datetime) -> Draft | None:
        """The person's draft in this chat, unless there is none or it went stale."""
        async with self.db.read() as s:
            row = (await s.exec(
                select(ConversationDraft).where(self._where(chat_id, user_id))
            )).first()
        if row is None or row.updated_at < now - TTL:
            return None
        return Draft(row.step, row.title)

    async def save(self, chat_id: str, user_id: str, *, step: str, title: str = "",
                   now: datetime) -> None:
        """Start or advance a draft (one per person and chat: a new one replaces it)."""
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        values = {"platform": self.platform, "chat_id": chat_id, "user_id": user_id,
                  "step": step, "title": title, "updated_at": now}
        async with self.db.write() as s:
            connection = await s.connection()
            await connection.execute(
                insert(ConversationDraft).values(**values).on_conflict_do_update(
                    index_elements=["platform", "chat_id", "user_id"],
                    set_={"step": step, "title": title, "updated_at": now},
                )
            )

    async def drop(self, chat_id: str, user_id: str) -> bool:
        """Forget the draft; False if there was none."""
        async with self.db.write() as s:
            return await self.drop_in(s, chat_id, user_id)

    async def drop_in(self, session: AsyncSession, chat_id: str, user_id: str) -> bool:
        """Forget the draft inside ``session``'s transaction: finished with the very write
        it led to, so a crash cannot leave a draft whose answer was already used."""
        result = await session.exec(
            delete(ConversationDraft).where(self._where(chat_id, user_id))
        )
        return bool(result.rowcount)

    async def purge(self, *, now: datetime) -> None:
        async with self.db.write() as s:
            await s.exec(delete(ConversationDraft).where(
                col(ConversationDraft.platform) == self.platform,
                col(ConversationDraft.updated_at) < now - TTL,
            ))
