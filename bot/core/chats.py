"""Chats linked to a mesa: where commands act, and where notifications go.

A coordinator links a group (Telegram) or channel (Slack) to one of their mesas as its
ground group, the dedicated team's chat or the high-level chat. The platform is a name
here, not an import: every face uses the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from bot.core import audit
from bot.core.context import Actor, UseCases, load_acting
from bot.core.enums import Audience
from bot.core.errors import BadValue
from bot.core.permissions import Op
from bot.storage.tables import ChatLink, Member, Mesa, SentMessage

#: Chat roles a chat can be linked in (the member audience is a private chat).
PURPOSES = (Audience.GROUND, Audience.TEAM, Audience.HIGH_LEVEL)


@dataclass(frozen=True)
class ChatRef:
    """A chat as a face knows it."""

    platform: str
    chat_id: str
    title: str = ""
    is_private: bool = False


@dataclass(frozen=True)
class LinkedChat:
    mesa_slug: str
    mesa_name: str
    purpose: str


class Chats(UseCases):
    async def link(
        self, *, actor: Actor, chat: ChatRef, purpose: str, source: str = ""
    ) -> LinkedChat:
        """Link ``chat`` to the actor's mesa in ``purpose``; a chat already in that role
        for this mesa and platform is replaced, and both changes are recorded."""
        if purpose not in PURPOSES:
            raise BadValue(field="purpose", value=purpose, allowed=[p.value for p in PURPOSES])
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.LINK_CHAT)
            existing = (await s.exec(
                select(ChatLink).where(
                    (col(ChatLink.platform) == chat.platform)
                    & ((col(ChatLink.chat_id) == chat.chat_id)
                       | ((col(ChatLink.mesa_id) == acting.mesa_id)
                          & (col(ChatLink.purpose) == purpose)))
                )
            )).all()
            before = [{"chat": e.chat_id, "mesa": e.mesa_id, "purpose": e.purpose}
                      for e in existing]
            for row in existing:
                await s.delete(row)
            await s.flush()
            s.add(ChatLink(
                platform=chat.platform, chat_id=chat.chat_id, mesa_id=acting.mesa_id,
                purpose=purpose, title=chat.title[:200], linked_by_id=acting.member_id,
                created_at=now,
            ))
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="chat.linked", subject=f"{chat.platform}:{chat.chat_id}", source=source,
                before={"links": before} if before else None,
                after={"purpose": purpose, "title": chat.title[:200]},
            )
            return LinkedChat(acting.mesa.slug, acting.mesa.name, purpose)

    async def linked(self, *, platform: str, chat_id: str) -> LinkedChat | None:
        """The mesa a chat is linked to, if any."""
        async with self.db.read() as s:
            row = (await s.exec(
                select(ChatLink, Mesa).join(Mesa, col(Mesa.id) == ChatLink.mesa_id)
                .where(ChatLink.platform == platform, ChatLink.chat_id == chat_id)
            )).first()
            if row is None:
                return None
            link, mesa = row
            return LinkedChat(mesa.slug, mesa.name, link.purpose)

    async def migrate(self, *, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A group that became a supergroup keeps its link under its new id, recorded (so
        ``mesabot audit verify`` knows where the link went)."""
        now = self.clock.now()
        async with self.db.write() as s:
            row = (await s.exec(
                select(ChatLink).where(ChatLink.platform == platform,
                                       ChatLink.chat_id == old_chat_id)
            )).first()
            if row is not None:
                row.chat_id = new_chat_id
                s.add(row)
                await audit.record(
                    s, at=now, mesa_id=row.mesa_id, actor_id=None, kind="chat.migrated",
                    subject=f"{platform}:{new_chat_id}", source=platform,
                    before={"chat": old_chat_id}, after={"purpose": row.purpose},
                )

    async def choose_mesa(self, *, member_id: int, slug: str) -> None:
        """Remember which mesa a member of several acts in from private chats."""
        async with self.db.write() as s:
            member = await s.get(Member, member_id)
            mesa = (await s.exec(select(Mesa).where(Mesa.slug == slug))).first()
            if member is None or mesa is None:
                return
            member.current_mesa_id = mesa.id
            s.add(member)

    async def remember(
        self, *, platform: str, chat_id: str, message_id: str, mesa_id: int, ref: str
    ) -> None:
        """Note that a message the bot sent was about ``ref``, so a reply to it can be."""
        async with self.db.write() as s:
            s.add(SentMessage(platform=platform, chat_id=chat_id, message_id=message_id,
                              mesa_id=mesa_id, ref=ref, at=self.clock.now()))

    async def subject_of(
        self, *, platform: str, chat_id: str, message_id: str
    ) -> tuple[str, str] | None:
        """The mesa (slug) and reference a message the bot sent was about."""
        async with self.db.read() as s:
            row = (await s.exec(
                select(SentMessage.ref, Mesa.slug)
                .join(Mesa, col(Mesa.id) == SentMessage.mesa_id)
                .where(SentMessage.platform == platform, SentMessage.chat_id == chat_id,
                       SentMessage.message_id == message_id)
            )).first()
            return (row[1], row[0]) if row else None
