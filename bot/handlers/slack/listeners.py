"""The Slack listeners of the worker app, registered in one place. Each turns a stored
request into one call of the shared dispatcher and sends the reply; who may do what is
the core's business.

Where answers go: as on Telegram, an answer to a command or a button in a channel is
for the channel (``response_url``, ``in_channel``, which also shows the command that
was typed), so the channel is spared the notice of what it just saw; a refusal is shown
to the person alone (ephemeral). In the person's own messages with the bot the answer
is an ordinary message. What only the asker may read (``Reply.private``) goes to their
messages with the bot. Buttons are authorized by
the person who pressed them, never by the channel they are in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.commands.dispatch import DEFAULT_TZ, language_for
from bot.commands.parse import split_command
from bot.commands.present import Presenter
from bot.commands.reply import Attachment, Reply, Style
from bot.commands.run import Handler
from bot.commands.words import find
from bot.core.chats import ChatRef
from bot.core.errors import DomainError, UnknownMember
from bot.core.members import Identity
from bot.core.text import scrub
from bot.handlers.slack import forms
from bot.handlers.slack.home import Home, mesa_of
from bot.handlers.slack.render import Message, render, slash_commands
from bot.i18n import lang_of, t
from bot.storage.database import AlreadyDone, effects_done

if TYPE_CHECKING:
    from bot.handlers.slack.face import SlackFace

log = logging.getLogger(__name__)
PLATFORM = "slack"
#: The words that join with an invitation code: ``/mesa unirme <código>``.
JOIN = ("unirme", "join")
#: Slack answers meaning the bot cannot post in that conversation.
NOT_THERE = ("channel_not_found", "not_in_channel", "is_archived")


def register(face: SlackFace) -> Listeners:
    """Every listener of the worker app."""
    listeners = Listeners(face)
    worker = face.worker
    worker.command("/mesa")(listeners.command)
    worker.action(re.compile(r"^cmd-\d+$"))(listeners.button)
    worker.event("message")(listeners.message)
    worker.event("app_home_opened")(listeners.home.opened)
    worker.view(forms.BOTTLENECK)(listeners.submitted)
    worker.view(forms.ACTION)(listeners.submitted)
    worker.error(listeners.failed)
    return listeners


def _is_private(channel: str) -> bool:
    """A direct message (``D...``): one person and the bot, or two people."""
    return channel.startswith("D")


class Listeners:
    def __init__(self, face: SlackFace) -> None:
        self.face = face
        self.services = face.services
        self.home = Home(face)

    def immediate(self, body: dict[str, Any]) -> bool:
        """Requests the front app answers at once instead of storing (see the face):
        what opens a form, and a form's check (:mod:`bot.handlers.slack.forms`)."""
        return forms.wanted_now(body)

    # who and where

    async def identity(self, user: str) -> Identity | None:
        """The member behind a Slack user, or None for someone not in any mesa."""
        try:
            return await self.services.members.identify(slack_user_id=user)
        except UnknownMember:
            return None

    async def _language(self, user: str, identity: Identity | None = None) -> str:
        hint = await self.face.locale(user)
        return language_for(identity, hint) if identity else lang_of(hint)

    async def _admit(self, user: str, chat: ChatRef, text: str
                     ) -> tuple[str | None, Identity] | str:
        """The mesa of the channel and who writes; or the catalog key of why not (a
        channel not linked to a mesa, a person not in any)."""
        mesa: str | None = None
        if not chat.is_private:
            linked = await self.services.chats.linked(platform=PLATFORM, chat_id=chat.chat_id)
            word, _ = split_command(text)
            command = find(word) if word else None
            if linked is None and (command is None
                                   or command.name not in ("link", "help", "mesa")):
                return "slack.not_linked"
            mesa = linked.mesa_slug if linked else None
        identity = await self.identity(user)
        if identity is None:
            return "slack.unknown_person"
        return mesa, identity

    # listeners

    async def command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        """``/mesa <command of the shared language>``, or ``/mesa unirme <code>``.
        (Slack was answered when the request was stored; ``ack`` here ends Bolt's run.)"""
        await ack()
        user, channel = str(command["user_id"]), str(command["channel_id"])
        text = str(command.get("text") or "").strip()
        chat = ChatRef(PLATFORM, channel, str(command.get("channel_name") or ""),
                       _is_private(channel))
        answer = Answer(self.face, user, channel, command.get("response_url"))
        source = f"{PLATFORM}:{channel}:{command.get('trigger_id')}"
        first, _, rest = text.partition(" ")
        if first.lower() in JOIN:
            await self.join(user, rest.strip(), source, answer)
            return
        await self.run(user, chat, "/" + text if text else "/ayuda", source, answer)

    async def button(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
                     ) -> None:
        """A button: the command it carries, on behalf of whoever pressed it."""
        await ack()
        user = str(body["user"]["id"])
        container = body.get("container") or {}
        if container.get("type") == "view":
            await self.pressed_in_view(user, body, action)
            return
        channel = str((body.get("channel") or {}).get("id") or container.get("channel_id")
                      or user)
        chat = ChatRef(PLATFORM, channel, str((body.get("channel") or {}).get("name") or ""),
                       _is_private(channel))
        answer = Answer(self.face, user, channel, body.get("response_url"),
                        pressed=True, ephemeral=bool(container.get("is_ephemeral")))
        mesa: str | None = None
        ts = container.get("message_ts")
        if ts:  # the mesa it was sent for, whatever the person chose since
            about = await self.services.chats.subject_of(
                platform=PLATFORM, chat_id=channel, message_id=str(ts))
            mesa = about[0] if about else None
        await self.run(user, chat, str(action.get("value") or ""),
                       f"{PLATFORM}:{channel}:button:{body.get('trigger_id')}", answer,
                       mesa=mesa)

    async def pressed_in_view(self, user: str, body: dict[str, Any], action: dict[str, Any]
                              ) -> None:
        """A button in the App Home: no channel, no ``response_url``. The person acts
        as in their messages with the bot, in the mesa the button's block names (else
        their only or chosen one), and reads the answer there; then their Home is
        published again, showing the new state (a failure to publish loses nothing:
        opening the tab publishes it again)."""
        answer = Answer(self.face, user, user, None, pressed=True)
        await self.run(user, ChatRef(PLATFORM, user, "", True), str(action.get("value") or ""),
                       f"{PLATFORM}:{user}:button:{body.get('trigger_id')}", answer,
                       mesa=mesa_of(action.get("block_id")))
        if (body.get("view") or {}).get("type") == "home":
            try:
                await self.home.publish(user)
            except SlackApiError as error:
                log.warning("views.publish for %s: %s", user, error.response.get("error"))

    async def message(self, event: dict[str, Any]) -> None:
        """A message to the bot: in its messages with a person, a command (the slash is
        optional); in a thread under the bot's message about an action, progress on it."""
        user, channel = str(event.get("user") or ""), str(event.get("channel") or "")
        text = str(event.get("text") or "").strip()
        if not user or not text:
            return
        source = f"{PLATFORM}:{channel}:{event.get('ts')}"
        private = event.get("channel_type") == "im"
        thread = event.get("thread_ts")
        # A reply in the thread of the bot's message about an action (a ping says "reply
        # to this message") is progress on it, in the person's messages with the bot too.
        about = None if thread in (None, event.get("ts")) else (
            await self.services.chats.subject_of(platform=PLATFORM, chat_id=channel,
                                                 message_id=str(thread)))
        if about is not None and about[1]:
            mesa, ref = about
            answer = Answer(self.face, user, channel, None,
                            thread=None if private else str(thread))
            await self.run(user, ChatRef(PLATFORM, channel, "", private),
                           f"/avance {ref} {text}", source, answer, mesa=mesa)
            return
        if private:
            chat = ChatRef(PLATFORM, channel, "", True)
            line = text if text.startswith("/") else "/" + text
            await self.run(user, chat, line, source, Answer(self.face, user, channel, None))
        # else: people talking in a thread, not for the bot

    async def submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
                        ) -> None:
        """A form the front checked and stored: carried out as the command it stands
        for, in the mesa and with the answer where the modal was opened from (see
        :mod:`bot.handlers.slack.forms`)."""
        await ack()
        user = str(body["user"]["id"])
        where = forms.Where.load(str(view.get("private_metadata") or ""))
        channel = where.channel or user
        chat = ChatRef(PLATFORM, channel, "", channel == user or _is_private(channel))
        answer = Answer(self.face, user, channel, where.response_url)
        source = f"{PLATFORM}:{channel}:view:{body.get('trigger_id')}"
        if view.get("callback_id") == forms.BOTTLENECK:
            link = await self._permalink(where.message)
            form: tuple[str, Handler] = (
                "bottleneck", forms.read_bottleneck(view, link).handler())
        else:
            form = ("action", forms.read_action(view).handler())
        await self.run(user, chat, "/" + form[0], source, answer, mesa=where.mesa, form=form)

    async def _permalink(self, message: tuple[str, str] | None) -> str:
        """The link to a message turned into a bottleneck ("" if Slack cannot say)."""
        if message is None:
            return ""
        try:
            answer = await self.face.client.chat_getPermalink(channel=message[0],
                                                              message_ts=message[1])
        except SlackApiError as error:
            log.warning("chat.getPermalink: %s", error.response.get("error"))
            return ""
        return str(answer.get("permalink") or "")

    async def failed(self, error: Exception, context: dict[str, Any]) -> None:
        """A listener raised: kept for the inbox, which logs it and retries."""
        context["failure"] = error

    # doing

    async def run(self, user: str, chat: ChatRef, text: str, source: str, answer: Answer,
                  *, mesa: str | None = None, form: tuple[str, Handler] | None = None
                  ) -> None:
        """Answer ``text`` as a command from ``user`` in ``chat``; or a ``form`` (the
        command it stands for, and its handler), ``text`` then being that command."""
        admitted = await self._admit(user, chat, text)
        if isinstance(admitted, str):
            await answer.send(Reply().add(t(await self._language(user), admitted),
                                          Style.ERROR), None)
            return
        linked, identity = admitted
        mesa = mesa or linked
        hint = await self.face.locale(user)
        if form is not None:
            reply = await self.face.dispatcher.handle_form(
                identity, form[0], form[1], mesa=mesa, source=source, chat=chat,
                language_hint=hint)
        else:
            reply = await self.face.dispatcher.handle(
                identity, text, mesa=mesa, source=source, chat=chat, language_hint=hint)
        await answer.send(reply, _mesa_id(identity, mesa))

    async def join(self, user: str, code: str, source: str, answer: Answer) -> None:
        """``/mesa unirme <code>``: the same invitations, approvals and rules as on
        Telegram; the code stays between the person and the bot (a slash command is
        seen by nobody else)."""
        identity = await self.identity(user)
        lang = await self._language(user, identity)
        say = Presenter(lang, DEFAULT_TZ)
        if not code:
            await answer.send(Reply().add(t(lang, "slack.join_needs_code"), Style.ERROR), None)
            return
        if effects_done():  # joined before a crash took the answer: say it again
            await answer.send(say.already_done([]), None)
            return
        try:
            joined = await self.services.invitations.accept(
                code=scrub(code.split()[0]), name=scrub(await self.face.real_name(user)),
                language=lang, slack_user_id=user, source=source)
        except DomainError as error:
            await answer.send(say.domain_error(error), None)
            return
        except AlreadyDone:
            await answer.send(say.already_done([]), None)
            return
        await answer.send(say.joined(joined), None)


class Answer:
    """Where the answers to one request go (see the module's docstring)."""

    def __init__(self, face: SlackFace, user: str, channel: str, response_url: str | None,
                 *, pressed: bool = False, ephemeral: bool = False,
                 thread: str | None = None) -> None:
        self.face = face
        self.user = user
        self.channel = channel
        self.response_url = response_url
        self.pressed = pressed
        self.ephemeral = ephemeral
        self.thread = thread

    async def send(self, reply: Reply, mesa_id: int | None) -> None:
        """The answer, and its private part to the person's messages with the bot; a
        refusal goes to the asker only, never replacing the message pressed."""
        await self._show(reply, mesa_id, replace=not reply.is_error)
        if reply.private is not None:
            await self.face.send(self.user, reply.private, mesa_id=mesa_id)

    async def _post(self, reply: Reply, mesa_id: int | None) -> bool:
        """Post as the bot's own message; False where the bot cannot post (a
        conversation between two people, a channel it is not in) and the
        ``response_url`` can answer instead."""
        try:
            await self.face.send(self.channel, reply, mesa_id=mesa_id)
        except SlackApiError as error:
            if error.response.get("error") not in NOT_THERE or not self.response_url:
                raise
            return False
        return True

    async def _show(self, reply: Reply, mesa_id: int | None, *, replace: bool = True
                    ) -> None:
        in_own_chat = _is_private(self.channel) and not self.ephemeral
        if in_own_chat and await self._post(reply, mesa_id):
            return
        if self.thread is not None:
            for part in render(slash_commands(reply)):

                def post(p: Message = part) -> Awaitable[Any]:
                    return self.face.client.chat_postEphemeral(
                        channel=self.channel, user=self.user, thread_ts=self.thread,
                        text=p["text"], blocks=p["blocks"])

                await self.face.call(self.channel, post)
            return
        if await self._posted(reply, mesa_id, replace=replace):
            return
        if self.response_url is None:
            await self.face.send(self.user, reply, mesa_id=mesa_id)
            return
        hook = AsyncWebhookClient(self.response_url)
        parts = render(slash_commands(reply))
        shown = "ephemeral" if reply.is_error or self.ephemeral else "in_channel"
        for i, part in enumerate(parts):
            replacing = replace and i == 0 and self.pressed and reply.replaces
            result = await hook.send(text=part["text"], blocks=part["blocks"],
                                     response_type=shown, replace_original=replacing or None)
            if result.status_code >= 400:
                raise RuntimeError(f"response_url answered {result.status_code}")
        for attachment in reply.attachments:  # a response_url carries no files

            def share(a: Attachment = attachment) -> Awaitable[Any]:
                return self.face.share(self.channel, a)

            await self.face.call(self.channel, share)

    async def _posted(self, reply: Reply, mesa_id: int | None, *, replace: bool) -> bool:
        """An answer about one action, in a channel, posted as the bot's own message.

        Slack tells nobody the ``ts`` of what goes through a ``response_url``, so a
        reply in the thread of such an answer ("A-1 confirmada ...") could not be read
        as progress on A-1, and the person would be ignored. Posted with
        ``chat.postMessage`` its ``ts`` and subject are remembered, as for notices.
        Where the bot is not a member (it cannot post there), the ``response_url`` is
        used after all; an answer that replaces the pressed message keeps doing so.
        """
        if (reply.is_error or not reply.subject or mesa_id is None or self.ephemeral
                or (replace and self.pressed and reply.replaces)):
            return False
        return await self._post(reply, mesa_id)


def _mesa_id(identity: Identity, slug: str | None) -> int | None:
    """The mesa a reply belongs to: the channel's, else the member's only or chosen one."""
    try:
        return identity.mesa(slug).mesa_id
    except DomainError:
        return None
