"""One function per command: parse the arguments, make one core call, present the result.

Every face calls these through :class:`bot.commands.dispatch.Dispatcher`; none of them
holds a business rule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.commands import asking, parse
from bot.commands.parse import Usage
from bot.commands.present import Presenter
from bot.commands.reply import Button, Reply
from bot.commands.voice import clip
from bot.commands.words import COMMANDS
from bot.core.chats import ChatRef
from bot.core.context import Actor, parse_ref
from bot.core.enums import Role, SessionKind, SessionStatus
from bot.core.errors import (
    ChannelNotLinked,
    DateAmbiguous,
    NeedsDueDate,
    NotInGroup,
    OpenActionsLeft,
)
from bot.core.escalations import Answer
from bot.core.members import Identity
from bot.core.permissions import Op, require
from bot.core.services import Services
from bot.i18n import lang_of


@dataclass(frozen=True)
class Call:
    """One command as typed, with who typed it and where."""

    services: Services
    actor: Actor
    role: str
    say: Presenter
    args: str
    source: str
    chat: ChatRef | None = None
    #: How this face writes an invitation link for a code (None: show the code).
    invite_link: Callable[[str], str] | None = None
    #: The name of the person who typed it, to address them in a group.
    name: str = ""


Handler = Callable[[Call], Awaitable[Reply]]


def about(reply: Reply, ref: str) -> Reply:
    """Mark a reply as being about one action, so a reply to it is progress on it."""
    if ref.startswith("A-"):
        reply.subject = ref
    return reply


def _text(args: str) -> str:
    if not args.strip():
        raise Usage()
    return args


def _allowed(c: Call, op: Op) -> None:
    """The role's refusal before any word of usage: someone who may not do a thing need
    not be taught how to type it (the use case checks again)."""
    require(Role(c.role), op)


async def bottleneck(c: Call) -> Reply:
    _allowed(c, Op.LOG_BOTTLENECK)
    logged = await c.services.bottlenecks.log(actor=c.actor, text=_text(c.args), source=c.source)
    return c.say.logged(logged)


def _page(c: Call) -> int:
    word = c.args.strip().split(" ", 1)[0]
    return parse.whole_number(word) or 1


async def matrix(c: Call) -> Reply:
    reply = c.say.matrix(await c.services.reading.matrix(actor=c.actor))
    return c.say.page(reply, _page(c), "/matrix")


async def show(c: Call) -> Reply:
    ref, _ = parse.first_ref(c.args)
    if ref.upper().startswith("A"):  # "/ver A-12": one action
        detail = await c.services.reading.action(actor=c.actor, ref=ref)
        return about(c.say.action_detail(detail), detail.action.ref)
    return c.say.detail(await c.services.reading.bottleneck(actor=c.actor, ref=ref))


async def triage(c: Call) -> Reply:
    ref, rest = parse.first_ref(c.args)
    t = parse.parse_triage(rest)
    if t.missing is not None:
        return c.say.triage_step(ref.upper(), t)
    assert t.owner_class and t.root_cause and t.impact and t.ease
    view = await c.services.bottlenecks.triage(
        actor=c.actor, ref=ref, owner_class=t.owner_class, root_cause=t.root_cause,
        impact=t.impact, ease=t.ease, request_kind=t.request_kind,
        responsible_entity=t.entity, source=c.source,
    )
    return c.say.triaged(view)


async def prioritize(c: Call) -> Reply:
    ref, replacing = parse.parse_prioritize(c.args)
    result = await c.services.bottlenecks.prioritize(
        actor=c.actor, ref=ref, replacing=replacing, source=c.source
    )
    return c.say.prioritized(result)


async def deprioritize(c: Call) -> Reply:
    ref, _ = parse.first_ref(c.args)
    view = await c.services.bottlenecks.deprioritize(actor=c.actor, ref=ref, source=c.source)
    return c.say.bottleneck_status("bottleneck.deprioritized", view)


async def reject(c: Call) -> Reply:
    ref, reason = parse.first_ref(c.args)
    view = await c.services.bottlenecks.reject(
        actor=c.actor, ref=ref, reason=_text(reason), source=c.source
    )
    return c.say.bottleneck_status("bottleneck.rejected", view)


async def duplicate(c: Call) -> Reply:
    ref, rest = parse.first_ref(c.args)
    of_ref = next((w for w in rest.split() if parse.is_ref(w)), None)
    if of_ref is None:
        raise Usage()
    view = await c.services.bottlenecks.mark_duplicate(
        actor=c.actor, ref=ref, of_ref=of_ref, source=c.source
    )
    return c.say.bottleneck_status("bottleneck.duplicate", view)


async def resolve(c: Call) -> Reply:
    ref, rest = parse.first_ref(c.args)
    asked = parse.parse_resolve(rest)
    try:
        result = await c.services.bottlenecks.resolve(
            actor=c.actor, ref=ref, credited_entity=asked.entity,
            open_actions=asked.open_actions, move_to=asked.move_to, source=c.source
        )
    except OpenActionsLeft as left:
        return c.say.resolve_step(left.params["ref"], left.params["actions"], asked.entity,
                                  others=left.params.get("others") or [])
    return c.say.resolved(result)


async def action(c: Call) -> Reply:
    _allowed(c, Op.PROPOSE_ACTION)
    ref, text = parse.first_ref(c.args)
    view = await c.services.actions.propose(
        actor=c.actor, bottleneck_ref=ref, text=_text(text), source=c.source
    )
    return about(c.say.proposed(view), view.ref)


async def claim(c: Call) -> Reply:
    ref, _ = parse.first_ref(c.args)
    view = await c.services.actions.claim(actor=c.actor, ref=ref, source=c.source)
    return about(c.say.claimed(view, actor_role=c.role), view.ref)


async def confirm(c: Call) -> Reply:
    ref, due = parse.first_ref(c.args)
    try:
        result = await c.services.actions.confirm(
            actor=c.actor, ref=ref, due=due or None, source=c.source
        )
    except NeedsDueDate as missing:
        return c.say.due_step(missing.params["ref"])
    return about(c.say.confirmed(result), result.action.ref)


async def assign(c: Call) -> Reply:
    ref, rest = parse.first_ref(c.args)
    to, _, due = rest.partition(" ")
    if not to:
        raise Usage()
    view = await c.services.actions.assign(
        actor=c.actor, ref=ref, to=to, due=due.strip() or None, source=c.source
    )
    return about(c.say.assigned(view), view.ref)


async def progress(c: Call) -> Reply:
    ref, text = parse.first_ref(c.args)
    view = await c.services.progress.post(
        actor=c.actor, ref=ref, text=_text(text), source=c.source
    )
    return about(c.say.progress(view), view.ref)


async def done(c: Call) -> Reply:
    ref, note = parse.first_ref(c.args)
    view = await c.services.actions.mark_done(actor=c.actor, ref=ref, note=note, source=c.source)
    return c.say.done(view)


async def blocked(c: Call) -> Reply:
    ref, rest = parse.first_ref(c.args)
    reason, detail = parse.parse_blocked(rest)
    if reason is None:
        return c.say.blocked_step(ref.upper())
    view = await c.services.actions.mark_blocked(
        actor=c.actor, ref=ref, reason=reason, detail=detail, source=c.source
    )
    return about(c.say.blocked(view), view.ref)


async def deadline(c: Call) -> Reply:
    ref, rest = parse.first_ref(c.args)
    try:
        splits = parse.parse_deadline(rest)
    except Usage:
        _allowed(c, Op.UPDATE_ACTION)
        return await asking.deadline_step(c, f"A-{parse_ref(ref, 'A')}", rest)
    try:
        view = await c.services.actions.move_due(
            actor=c.actor, ref=ref, splits=splits, source=c.source
        )
    except DateAmbiguous as ambiguous:
        return c.say.deadline_step(ref.upper(), ambiguous.params["readings"])
    return c.say.due_moved(view)


async def drop(c: Call) -> Reply:
    ref, reason = parse.first_ref(c.args)
    view = await c.services.actions.drop(
        actor=c.actor, ref=ref, reason=_text(reason), source=c.source
    )
    return Reply().add(c.say.t("action.dropped", ref=view.ref, reason=reason))


async def session(c: Call) -> Reply:
    command = parse.parse_session(c.args)
    sessions = c.services.sessions
    if command.verb == "list":
        return c.say.sessions(await sessions.upcoming(actor=c.actor))
    kind = SessionKind.HIGH_LEVEL if command.high_level else SessionKind.REGULAR
    if command.verb == "schedule":
        view = await sessions.schedule(
            actor=c.actor, when=command.when, kind=kind, source=c.source
        )
        return c.say.scheduled(view)
    if command.verb == "series":
        started = await c.services.series.start(
            actor=c.actor, when=command.when, every_weeks=command.every_weeks, kind=kind,
            source=c.source,
        )
        return c.say.series_started(started)
    if command.verb == "end_series":
        return c.say.series_ended(
            await c.services.series.end(actor=c.actor, kind=kind, source=c.source))
    if command.verb == "move":
        view, was = await sessions.move(
            actor=c.actor, number=command.number, when=command.when, source=c.source
        )
        return c.say.session_moved(view, was)
    status = SessionStatus.HELD if command.verb == "held" else SessionStatus.CANCELLED
    view = await sessions.set_status(
        actor=c.actor, number=command.number, status=status, source=c.source
    )
    return Reply().add(c.say.t(f"session.{status.value}", number=view.number))


async def agenda(c: Call) -> Reply:
    session_number = parse.session_number(c.args) if c.args.strip() else None
    if c.args.strip() and session_number is None:
        raise Usage()
    result = await c.services.agendas.compile(
        actor=c.actor, session_number=session_number, source=c.source
    )
    return c.say.sent_agenda(result) if result.sent_at else c.say.agenda(result)


async def mytasks(c: Call) -> Reply:
    actions = await c.services.reading.my_actions(actor=c.actor)
    reply = c.say.page(c.say.action_list("mytasks.title", "mytasks.empty", actions),
                       _page(c), "/mytasks")
    if not reply.buttons:  # one page: a Done / On track / Blocked row per promise
        reply.buttons.extend(c.say.update_buttons(actions))
    return reply


async def overdue(c: Call) -> Reply:
    actions = await c.services.reading.overdue(actor=c.actor)
    reply = c.say.action_list("overdue.title", "overdue.empty", actions)
    return c.say.page(reply, _page(c), "/overdue")


async def language(c: Call) -> Reply:
    wanted = c.args.strip().lower()
    if not wanted:  # the choices, with the one in use, and a button for each
        reply = Reply().add(c.say.t("language.choices"))
        reply.buttons.extend([Button("Español", "/language es"), Button("English",
                                                                     "/language en")])
        return reply
    code = {"español": "es", "espanol": "es", "spanish": "es", "english": "en",
            "ingles": "en", "inglés": "en"}.get(wanted, wanted)
    chosen = await c.services.members.set_language(actor=c.actor, language=code, source=c.source)
    say = Presenter(lang_of(chosen), ZoneInfo(c.say.tz.key))
    return Reply().add(say.t("language.set"))


async def link(c: Call) -> Reply:
    if c.chat is None or c.chat.is_private:
        raise NotInGroup()
    linked = await c.services.chats.link(
        actor=c.actor, chat=c.chat, purpose=parse.parse_purpose(c.args), source=c.source
    )
    return c.say.linked(linked)


async def invite(c: Call) -> Reply:
    """The link goes to the coordinator alone: typed in a group, the group only reads
    that it was sent (anyone there could otherwise open it first)."""
    role, entity, uses = parse.parse_invite(c.args)
    invited = await c.services.invitations.create(
        actor=c.actor, role=role, entity=entity, uses=uses, source=c.source
    )
    reply = c.say.invited(invited, c.invite_link(invited.code) if c.invite_link else None)
    if c.chat is None or c.chat.is_private:
        return reply
    return Reply(private=reply).add(c.say.t("invite.sent_privately", name=c.name))


async def remove(c: Call) -> Reply:
    handle, successor = parse.parse_remove(c.args)
    removed = await c.services.departures.remove(
        actor=c.actor, handle=handle, successor=successor, source=c.source
    )
    return c.say.removed(removed)


async def handover(c: Call) -> Reply:
    ref, to = parse.first_ref(c.args)
    if not to.strip():
        raise Usage()
    view = await c.services.departures.hand_over(
        actor=c.actor, ref=ref, to=to.split()[0], source=c.source
    )
    return about(c.say.handed_over(view), view.ref)


async def approve(c: Call) -> Reply:
    """``/aprobar carla``; the notice's button adds the request it was shown for."""
    words = c.args.split()
    if not words or len(words) > 2:
        raise Usage()
    approved = await c.services.invitations.approve(
        actor=c.actor, handle=words[0], request=words[1] if len(words) == 2 else None,
        source=c.source)
    return c.say.approved(approved)


async def escalation(c: Call) -> Reply:
    """``/escalada A-3 visto|reunion|resuelto``: what a digest item's buttons send."""
    ref, rest = parse.first_ref(c.args)
    answered = await c.services.escalations.answer(
        actor=c.actor, ref=ref, answer=Answer(parse.parse_answer(rest)), source=c.source)
    return Reply().add(c.say.t(f"escalation.{answered.answer.value}", ref=answered.ref,
                               text=clip(answered.text)))


async def settings(c: Call) -> Reply:
    """``/ajustes`` shows the mesa's schedule; ``/ajustes recordatorios 48 24`` changes it."""
    asked = parse.parse_settings(c.args)
    if asked is None:
        return c.say.schedule(await c.services.mesa_settings.show(actor=c.actor))
    field, values = asked
    schedule = await c.services.mesa_settings.change(
        actor=c.actor, field=field, values=values, source=c.source)
    return c.say.schedule(schedule, changed=True)


@dataclass(frozen=True)
class Plain:
    """A command that runs before any mesa is chosen."""

    services: Services
    identity: Identity
    say: Presenter
    args: str
    source: str = ""


PlainHandler = Callable[[Plain], Awaitable[Reply]]


async def help(c: Plain) -> Reply:
    return c.say.help([command.name for command in COMMANDS])


async def mesa(c: Plain) -> Reply:
    """List the member's mesas as choices, or remember the one named."""
    slug = c.args.strip().lower()
    if not slug:
        return c.say.mesa_choices(c.identity)
    choice = c.identity.mesa(slug)
    await c.services.chats.choose_mesa(member_id=c.identity.member_id, slug=choice.slug)
    return Reply().add(c.say.t("mesa.chosen", mesa=choice.name))


HANDLERS: dict[str, Handler] = {
    "bottleneck": bottleneck, "matrix": matrix, "show": show, "triage": triage,
    "prioritize": prioritize, "deprioritize": deprioritize, "reject": reject,
    "duplicate": duplicate, "resolve": resolve, "action": action, "claim": claim,
    "confirm": confirm, "assign": assign, "progress": progress, "done": done,
    "blocked": blocked, "deadline": deadline, "drop": drop, "session": session, "agenda": agenda,
    "mytasks": mytasks, "overdue": overdue, "language": language, "link": link,
    "invite": invite, "approve": approve, "remove": remove, "handover": handover,
    "escalation": escalation, "settings": settings,
}
async def channel(c: Plain) -> Reply:
    """``/canal`` says where private notices go; ``/canal slack`` sends them there, or,
    with no Slack account linked yet, answers with a code to link one."""
    channels, member_id = c.services.channels, c.identity.member_id
    if not c.args.strip():
        return c.say.channel(await channels.show(member_id=member_id))
    platform = c.args.split()[0]
    try:
        chosen = await channels.choose(member_id=member_id, platform=platform,
                                       source=c.source)
    except ChannelNotLinked:  # no account there yet: a code to link their own
        offer = await c.services.accounts.offer(member_id=member_id, platform=platform,
                                                source=c.source)
        return c.say.link_offer(offer)
    return c.say.channel(chosen, changed=True)


PLAIN_HANDLERS: dict[str, PlainHandler] = {"help": help, "mesa": mesa, "channel": channel}

