"""Slack's modals for the forms of :mod:`bot.commands.forms`: logging a bottleneck and
proposing an action, opened by ``/mesa problema`` or ``/mesa accion [P-n]`` with
nothing more typed, or by the message shortcut that turns a message into a
bottleneck (keeping its permalink).

Everything here is done by the *front* app within Slack's 3 seconds and writes
nothing: opening a modal (its ``trigger_id`` lasts 3 seconds), and checking a
submitted form so that a past or unreadable due date is shown under its field, the
modal still open, the rest of what was typed still there. A form that passes is
stored in the inbox before the modal closes and carried out by the worker (see
:meth:`bot.handlers.slack.listeners.Listeners.submitted`), once, like any request.

Where the answer goes is decided when the modal opens, and travels in the view's
``private_metadata`` (which only Slack and the bot see): the channel the command was
typed in and its ``response_url``, or, for a message shortcut in a channel not linked
to a mesa, the person's messages with the bot, so nothing of a mesa shows in a
channel outside it. The metadata names the mesa to act in; the role is checked by the
core when the form is carried out, as for a typed command.

Every text of a modal is plain_text, which Slack never reads as markup: titles of
bottlenecks and names go into options as written.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError

from bot.commands.dispatch import DEFAULT_TZ, language_for
from bot.commands.forms import MINE, ActionForm, BottleneckForm
from bot.commands.parse import split_command
from bot.commands.present import Presenter
from bot.commands.reply import Reply, Style
from bot.commands.words import find
from bot.core.context import parse_ref
from bot.core.enums import OwnerClass, RootCause
from bot.core.errors import DomainError
from bot.core.members import Identity
from bot.core.text import scrub, visible
from bot.handlers.slack import intake
from bot.i18n import lang_of, t

if TYPE_CHECKING:
    from bot.handlers.slack.face import SlackFace

log = logging.getLogger(__name__)
PLATFORM = "slack"
#: The modals' ``callback_id``s, and the message shortcut's (as in the manifest).
BOTTLENECK = "bottleneck_form"
ACTION = "action_form"
FROM_MESSAGE = "bottleneck_from_message"
#: Slack's limits: a modal's title 24 characters, an option's text 75, a select's
#: options 100, a plain_text_input 3,000.
TITLE_MAX = 24
OPTION_MAX = 75
OPTIONS_MAX = 100
INPUT_MAX = 3000
#: The core's own limits, so the modal refuses longer text as it is typed.
BOTTLENECK_TITLE_MAX = 200
ACTION_TEXT_MAX = 500
NOBODY = "nobody"
VALUE = "value"


@dataclass(frozen=True)
class Where:
    """Where a form acts and answers (the view's ``private_metadata``)."""

    channel: str
    response_url: str | None
    mesa: str | None
    #: The message turned into a bottleneck: its channel and ``ts``.
    message: tuple[str, str] | None = None

    def dump(self) -> str:
        return json.dumps({"c": self.channel, "r": self.response_url, "m": self.mesa,
                           "msg": list(self.message) if self.message else None})

    @classmethod
    def load(cls, text: str) -> Where:
        data = json.loads(text or "{}")
        message = data.get("msg")
        return cls(channel=str(data.get("c") or ""), response_url=data.get("r") or None,
                   mesa=data.get("m") or None,
                   message=(str(message[0]), str(message[1])) if message else None)


def wanted_now(body: dict[str, Any]) -> bool:
    """Whether the front answers this request itself: a command that opens a form, a
    shortcut, a form's submission (checked before it closes)."""
    kind = body.get("type")
    if kind in ("message_action", "shortcut", "view_closed"):
        return True
    if kind == "view_submission":
        return (body.get("view") or {}).get("callback_id") in (BOTTLENECK, ACTION)
    if body.get("command"):
        return _form_of(str(body.get("text") or "")) is not None
    return False


def _form_of(text: str) -> tuple[str, str | None] | None:
    """The form a ``/mesa`` line asks for: ``problema`` alone, or ``accion`` alone or
    with only a reference (and which)."""
    word, args = split_command("/" + text.strip())
    command = find(word) if word else None
    if command is None:
        return None
    words = args.split()
    if command.name == "bottleneck" and not words:
        return BOTTLENECK, None
    if command.name == "action" and not words:
        return ACTION, None
    if command.name == "action" and len(words) == 1:
        try:  # "P-3", "p3": the bottleneck to choose first; anything else is answered typed
            return ACTION, f"P-{parse_ref(words[0].strip('.,;:'), 'P')}"
        except DomainError:
            return None
    return None


def _plain(text: str, limit: int = INPUT_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit] or " ", "emoji": False}


def _option(text: str, value: str) -> dict[str, Any]:
    if len(text) > OPTION_MAX:
        text = text[:OPTION_MAX - 1] + "…"
    return {"text": _plain(text), "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False,
           hint: str = "") -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": _plain(label),
                             "element": {**element, "action_id": VALUE},
                             "optional": optional}
    if hint:
        block["hint"] = _plain(hint)
    return block


def _text_input(*, max_length: int, initial: str = "", multiline: bool = False,
                placeholder: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length,
                               "multiline": multiline}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = _plain(placeholder, 150)
    return element


def _modal(lang: str, callback_id: str, title: str, submit: str, where: Where,
           blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "modal", "callback_id": callback_id, "title": _plain(title, TITLE_MAX),
            "submit": _plain(submit, TITLE_MAX),
            "close": _plain(t(lang, "slack.form_cancel"), TITLE_MAX),
            "private_metadata": where.dump(), "blocks": blocks}


def bottleneck_modal(lang: str, where: Where, *, title: str = "", detail: str = ""
                     ) -> dict[str, Any]:
    causes = [_option(t(lang, f"root_cause.{c.value}"), c.value) for c in RootCause]
    classes = [_option(t(lang, f"owner_class.{c.value}"), c.value)
               for c in (OwnerClass.MP, OwnerClass.YP)]
    blocks = [
        _input("title", t(lang, "slack.form_title"),
               _text_input(max_length=BOTTLENECK_TITLE_MAX, initial=title,
                           placeholder=t(lang, "slack.form_title_placeholder"))),
        _input("detail", t(lang, "slack.form_detail"),
               _text_input(max_length=INPUT_MAX, initial=detail, multiline=True),
               optional=True),
        _input("owner_class", t(lang, "slack.form_owner_class"),
               {"type": "radio_buttons", "options": classes}, optional=True),
        _input("root_cause", t(lang, "slack.form_root_cause"),
               {"type": "static_select", "options": causes,
                "placeholder": _plain(t(lang, "slack.form_choose"), 150)}, optional=True),
        {"type": "context", "elements": [_plain(t(lang, "slack.form_bottleneck_note"))]},
    ]
    return _modal(lang, BOTTLENECK, t(lang, "slack.form_bottleneck_title"),
                  t(lang, "slack.form_bottleneck_submit"), where, blocks)


def action_modal(lang: str, where: Where, *, bottlenecks: list[tuple[str, str]],
                 chosen: str | None, owners: list[tuple[str, str]]) -> dict[str, Any]:
    """``bottlenecks`` and ``owners`` as (value, text); ``owners`` besides nobody and
    the person filling it in."""
    options = [_option(f"{ref} {title}", ref) for ref, title in bottlenecks][:OPTIONS_MAX]
    select: dict[str, Any] = {"type": "static_select", "options": options,
                              "placeholder": _plain(t(lang, "slack.form_choose"), 150)}
    initial = next((o for o in options if o["value"] == chosen), None)
    if initial is not None:
        select["initial_option"] = initial
    people = [_option(t(lang, "slack.form_owner_nobody"), NOBODY),
              _option(t(lang, "slack.form_owner_me"), MINE)]
    people += [_option(name, handle) for handle, name in owners][:OPTIONS_MAX - 2]
    blocks = [
        _input("bottleneck", t(lang, "slack.form_bottleneck"), select),
        _input("text", t(lang, "slack.form_action"),
               _text_input(max_length=ACTION_TEXT_MAX,
                           placeholder=t(lang, "slack.form_action_placeholder"))),
        _input("owner", t(lang, "slack.form_owner"),
               {"type": "static_select", "options": people, "initial_option": people[0]}),
        _input("due", t(lang, "slack.form_due"),
               _text_input(max_length=100, placeholder=t(lang, "slack.form_due_placeholder")),
               optional=True, hint=t(lang, "slack.form_due_hint")),
    ]
    return _modal(lang, ACTION, t(lang, "slack.form_action_title"),
                  t(lang, "slack.form_action_submit"), where, blocks)


def _value(view: dict[str, Any], block: str) -> str:
    """What was typed or chosen in a block ("" for nothing)."""
    field = ((view.get("state") or {}).get("values") or {}).get(block, {}).get(VALUE) or {}
    if field.get("type") in ("static_select", "radio_buttons"):
        return str((field.get("selected_option") or {}).get("value") or "")
    return scrub(str(field.get("value") or "")).strip()


def read_bottleneck(view: dict[str, Any], link: str = "") -> BottleneckForm:
    kind, cause = _value(view, "owner_class"), _value(view, "root_cause")
    return BottleneckForm(
        title=_value(view, "title"), detail=_value(view, "detail"),
        owner_class=OwnerClass(kind) if kind in (OwnerClass.MP, OwnerClass.YP) else None,
        root_cause=RootCause(cause) if cause in set(RootCause) else None, link=link)


def read_action(view: dict[str, Any]) -> ActionForm:
    owner = _value(view, "owner")
    return ActionForm(bottleneck=_value(view, "bottleneck"), text=_value(view, "text"),
                      owner="" if owner in ("", NOBODY) else owner, due=_value(view, "due"))


def _message_text(text: str) -> tuple[str, str]:
    """A Slack message as a bottleneck's title and detail: its first line, the rest;
    Slack's escapes undone (the bot escapes again whatever it shows)."""
    plain = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    title, _, detail = scrub(plain).strip().partition("\n")
    return title.strip()[:BOTTLENECK_TITLE_MAX], detail.strip()[:INPUT_MAX]


class FrontForms:
    """The front app's listeners: open a modal, check a submitted one."""

    def __init__(self, face: SlackFace) -> None:
        self.face = face
        self.services = face.services

    def register(self) -> None:
        front = self.face.front
        front.command("/mesa")(self.command)
        front.shortcut(FROM_MESSAGE)(self.from_message)
        front.view(BOTTLENECK)(self.check_bottleneck)
        front.view(ACTION)(self.check_action)
        front.view_closed(BOTTLENECK)(self.closed)
        front.view_closed(ACTION)(self.closed)

    async def _identity(self, user: str) -> Identity | None:
        return await self.face.listeners.identity(user)

    async def _lang(self, user: str, identity: Identity) -> str:
        return language_for(identity, await self.face.locale(user))

    async def _hand_over(self, body: dict[str, Any]) -> None:
        """What the front cannot answer with a form goes to the worker as typed, which
        answers it (who is unknown, a channel not linked, what to type)."""
        stored = intake.durable(body)
        if stored is not None:
            await self.face.store(stored.incoming)

    async def _open(self, trigger: str, view: dict[str, Any]) -> bool:
        try:
            await self.face.client.views_open(trigger_id=trigger, view=view)
        except SlackApiError as error:
            log.warning("views.open: %s", error.response.get("error"))
            return False
        return True

    # opening

    async def command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """``/mesa problema`` or ``/mesa accion [P-n]``, nothing more: the form."""
        asked = _form_of(str(body.get("text") or ""))
        user, channel = str(body.get("user_id")), str(body.get("channel_id"))
        identity = await self._identity(user)
        mesa = None
        if not channel.startswith("D"):
            linked = await self.services.chats.linked(platform=PLATFORM, chat_id=channel)
            mesa = linked.mesa_slug if linked else None
        view = None
        if asked is not None and identity is not None and (mesa or channel.startswith("D")):
            where = Where(channel, body.get("response_url"), mesa)
            view = await self._view(asked, identity, await self._lang(user, identity), where)
        if view is None or not await self._open(str(body.get("trigger_id")), view):
            await self._hand_over(body)
        await ack()

    async def _view(self, asked: tuple[str, str | None], identity: Identity, lang: str,
                    where: Where) -> dict[str, Any] | None:
        kind, ref = asked
        try:
            choice = identity.mesa(where.mesa)
        except DomainError:
            return None  # which mesa: the worker asks, as for a typed command
        where = Where(where.channel, where.response_url, choice.slug, where.message)
        if kind == BOTTLENECK:
            return bottleneck_modal(lang, where)
        choices = await self.services.reading.action_choices(actor=identity.actor(choice.slug))
        if not choices.bottlenecks:
            return None
        return action_modal(
            lang, where, bottlenecks=[(b.ref, b.title) for b in choices.bottlenecks],
            chosen=ref, owners=[(f"@{handle}", person.name + (
                f" ({person.entity})" if person.entity else ""))
                for handle, person in choices.owners])

    async def from_message(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The message shortcut: a bottleneck form holding the message's words. In a
        channel of a mesa it is logged there and answered there; elsewhere in the
        person's only (or chosen) mesa, answered in their messages with the bot."""
        await ack()
        user = str((body.get("user") or {}).get("id"))
        channel = str((body.get("channel") or {}).get("id") or user)
        identity = await self._identity(user)
        lang = await self._lang(user, identity) if identity else lang_of(
            await self.face.locale(user))
        linked = await self.services.chats.linked(platform=PLATFORM, chat_id=channel)
        message = body.get("message") or {}
        where = (Where(channel, body.get("response_url"), linked.mesa_slug,
                       (channel, str(body.get("message_ts") or message.get("ts"))))
                 if linked else
                 Where(user, None, None, (channel, str(body.get("message_ts")
                                                       or message.get("ts")))))
        if identity is None:
            await self.face.send(user, Reply().add(t(lang, "slack.unknown_person"),
                                                   Style.ERROR))
            return
        try:
            choice = identity.mesa(where.mesa)
        except DomainError as error:
            await self.face.send(user, Presenter(lang, DEFAULT_TZ).domain_error(error))
            return
        title, detail = _message_text(str(message.get("text") or ""))
        where = Where(where.channel, where.response_url, choice.slug, where.message)
        await self._open(str(body.get("trigger_id")),
                         bottleneck_modal(lang, where, title=title, detail=detail))

    # checking, before the modal closes

    async def check_bottleneck(self, ack: AsyncAck, body: dict[str, Any],
                               view: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id"))
        form = read_bottleneck(view)
        if not visible(form.title):
            identity = await self._identity(user)
            lang = await self._lang(user, identity) if identity else lang_of(
                await self.face.locale(user))
            await ack(response_action="errors",
                      errors={"title": t(lang, "slack.form_title_empty")})
            return
        await self._hand_over(body)
        await ack()

    async def check_action(self, ack: AsyncAck, body: dict[str, Any],
                           view: dict[str, Any]) -> None:
        """A due date is read now: one the bot cannot read, or past, is said under its
        field, and nothing is stored until the form passes."""
        user = str((body.get("user") or {}).get("id"))
        form = read_action(view)
        identity = await self._identity(user)
        errors: dict[str, str] = {}
        if identity is not None:
            lang = await self._lang(user, identity)
            if not visible(form.text):
                errors["text"] = t(lang, "slack.form_action_empty")
            if form.due and not form.owner:
                errors["due"] = t(lang, "slack.form_due_needs_owner")
            elif form.due:
                where = Where.load(str(view.get("private_metadata") or ""))
                try:
                    actor = identity.actor(identity.mesa(where.mesa).slug)
                    await self.services.actions.read_due(actor, form.due)
                except DomainError as error:
                    reply = Presenter(lang, DEFAULT_TZ).domain_error(error)
                    errors["due"] = " ".join(line.text for line in reply.lines)[:300]
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await self._hand_over(body)
        await ack()

    async def closed(self, ack: AsyncAck) -> None:
        await ack()

