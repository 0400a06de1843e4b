"""Results into replies, in the member's language and the mesa's time zone.

One method per kind of result; the same words serve every face. The pieces live in
:mod:`bot.commands.voice`, the agenda and notifications in
:mod:`bot.commands.present_agenda`, refusals in :mod:`bot.commands.present_errors`,
a member's own settings in :mod:`bot.commands.present_member`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.commands.parse import Triage
from bot.commands.present_actions import ActionWords
from bot.commands.present_agenda import AgendaWords
from bot.commands.present_errors import ErrorWords
from bot.commands.present_member import MemberWords
from bot.commands.reply import Button, Reply, Style
from bot.commands.voice import clip
from bot.commands.words import find
from bot.core.account_links import Linked
from bot.core.bottlenecks import Logged, Prioritized, Resolved
from bot.core.chats import LinkedChat
from bot.core.dates import Reading, full_numeric
from bot.core.departures import Removed
from bot.core.enums import ActionStatus, BlockedReason, OwnerClass, RequestKind, Role, RootCause
from bot.core.invitations import Approved, Invited, Joined
from bot.core.mesa_settings import Schedule
from bot.core.series import SeriesEnded, SeriesStarted
from bot.core.views import (
    ActionView,
    BottleneckDetail,
    BottleneckView,
    Matrix,
    ProgressView,
    SessionView,
)
from bot.i18n import label


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


class Presenter(AgendaWords, ErrorWords, MemberWords, ActionWords):
    # bottlenecks

    def logged(self, result: Logged) -> Reply:
        view = result.bottleneck
        reply = Reply().add(self.t("bottleneck.logged", ref=view.ref, title=view.title))
        if result.next_session is not None:
            when = self.when(result.next_session.starts_at)
            reply.add(self.t("bottleneck.next_session", when=when))
        else:
            reply.add(self.t("bottleneck.next_no_session"))
        return reply

    def triaged(self, view: BottleneckView) -> Reply:
        reply = Reply().add(self.t(
            "bottleneck.triaged", ref=view.ref,
            owner_class=label(self.lang, "owner_class", view.owner_class),
            root_cause=label(self.lang, "root_cause", view.root_cause),
            request_kind=label(self.lang, "request_kind", view.request_kind),
        ))
        reply.add(self.t("bottleneck.priority", impact=view.impact, ease=view.ease,
                         priority=view.priority))
        if view.responsible_entity:
            reply.add(self.t("bottleneck.responsible", entity=view.responsible_entity))
        if view.excluded:
            reply.add(self.t("bottleneck.excluded", reason=self.t(f"excluded.{view.excluded}")),
                      Style.NOTE)
        elif not view.in_focus:
            reply.add(self.t("bottleneck.can_prioritize", ref=view.ref), Style.NOTE)
            reply.buttons.append(Button(self.t("button.prioritize"), f"/prioritize {view.ref}"))
        return reply

    def prioritized(self, result: Prioritized) -> Reply:
        reply = Reply().add(self.t("bottleneck.prioritized", ref=result.bottleneck.ref,
                                   count=result.in_focus, limit=result.limit))
        if result.demoted is not None:
            reply.add(self.t("bottleneck.demoted", ref=result.demoted.ref))
        return reply

    def bottleneck_status(self, key: str, view: BottleneckView) -> Reply:
        reply = Reply().add(self.t(key, ref=view.ref, title=view.title, reason=view.status_reason,
                                   of=view.duplicate_of or ""))
        if key == "bottleneck.resolved" and view.credited_entity:
            reply.add(self.t("bottleneck.credited", entity=view.credited_entity))
        return reply

    def resolved(self, result: Resolved) -> Reply:
        """Resolved, and what became of its open actions."""
        reply = self.bottleneck_status("bottleneck.resolved", result.bottleneck)
        if result.actions and result.open_actions is not None:
            reply.add(self.t(f"bottleneck.resolved_{result.open_actions.value}",
                             refs=", ".join(result.actions), to=result.moved_to or ""))
        return reply

    def resolve_step(self, ref: str, actions: list[str], entity: str | None, *,
                     others: list[str]) -> Reply:
        """A bottleneck to resolve with open actions: what becomes of them? Someone who
        may not close or move some of them (``others``) is offered to keep them."""
        credited = f" {entity}" if entity else ""
        if others:
            return self._step(
                self.t("step.resolve_keep", ref=ref, refs=", ".join(actions),
                       others=", ".join(others), credited=credited),
                [(self.t("button.resolve_keep"), f"/resolve {ref}{credited} keep")])
        return self._step(
            self.t("step.resolve", ref=ref, refs=", ".join(actions), credited=credited), [
                (self.t("button.resolve_close"), f"/resolve {ref}{credited} close"),
                (self.t("button.resolve_keep"), f"/resolve {ref}{credited} keep"),
            ])

    def detail(self, detail: BottleneckDetail) -> Reply:
        view = detail.bottleneck
        reply = Reply().add(self.t("bottleneck.detail_title", ref=view.ref, title=view.title),
                            Style.TITLE)
        if view.detail:
            reply.add(view.detail)
        reply.add(self.t("bottleneck.detail_status", status=label(self.lang, "status", view.status),
                         reporter=self.person(view.reporter), when=self.stamp(view.created_at)))
        if view.status != "reported":
            reply.add(self.t(
                "bottleneck.detail_class",
                owner_class=label(self.lang, "owner_class", view.owner_class),
                root_cause=label(self.lang, "root_cause", view.root_cause),
                request_kind=label(self.lang, "request_kind", view.request_kind),
                priority=view.priority if view.priority is not None else "—",
            ))
        if view.responsible_entity:
            reply.add(self.t("bottleneck.responsible", entity=view.responsible_entity))
        if view.credited_entity and view.status == "resolved":
            reply.add(self.t("bottleneck.credited", entity=view.credited_entity))
        if view.status_reason:
            reply.add(self.t("bottleneck.detail_reason", reason=view.status_reason))
        self._section(reply, "bottleneck.actions", [self.action_line(a) for a in detail.actions])
        self._section(reply, "bottleneck.progress",
                      [self.progress_line(p) for p in detail.progress])
        self._section(reply, "bottleneck.history", [self.history_line(h) for h in detail.history])
        return reply

    def matrix(self, matrix: Matrix) -> Reply:
        reply = Reply().add(self.t("matrix.title", mesa=matrix.mesa.name), Style.TITLE)
        groups = (matrix.prioritized, matrix.queue, matrix.awaiting_triage, matrix.filtered,
                  matrix.closed)
        if not any(groups):
            return reply.add(self.t("matrix.empty"))
        reply.add(self.t("matrix.prioritized", count=len(matrix.prioritized),
                         limit=matrix.mesa.priority_limit), Style.HEADING)
        for view in matrix.prioritized:
            reply.add(self.bottleneck_line(view), Style.ITEM)
            for action in matrix.actions.get(view.ref, []):
                reply.add(self.action_line(action), Style.SUBITEM)
        if not matrix.prioritized:
            reply.add(self.t("agenda.none"), Style.ITEM)
        self._more(reply, matrix.more.get("prioritized", 0))
        self._section(reply, "matrix.queue", [self.bottleneck_line(v) for v in matrix.queue],
                      more=matrix.more.get("queue", 0))
        self._section(reply, "matrix.triage", [
            self.t("matrix.item_untriaged", ref=v.ref, title=clip(v.title),
                   reporter=self.person(v.reporter))
            for v in matrix.awaiting_triage
        ], more=matrix.more.get("awaiting_triage", 0))
        self._section(reply, "matrix.filtered", [
            self.t("matrix.item_filtered", ref=v.ref, title=clip(v.title),
                   reason=label(self.lang, "request_kind", v.request_kind)
                   if v.request_kind != "productivity"
                   else label(self.lang, "owner_class", v.owner_class))
            for v in matrix.filtered
        ], more=matrix.more.get("filtered", 0))
        self._section(reply, "matrix.closed", [
            self.t("matrix.item_closed", ref=v.ref, title=clip(v.title),
                   status=label(self.lang, "status", v.status)
                   + (f" ({v.credited_entity})" if v.credited_entity else ""))
            for v in matrix.closed
        ], more=matrix.more.get("closed", 0))
        return reply.add(self.t("matrix.more"), Style.NOTE)

    # actions

    def proposed(self, view: ActionView) -> Reply:
        reply = Reply().add(self.t("action.proposed", ref=view.ref, bottleneck=view.bottleneck_ref,
                                   text=view.text))
        reply.add(self.t("action.proposed_next", ref=view.ref), Style.NOTE)
        reply.buttons.append(Button(self.t("button.claim"), f"/claim {view.ref}"))
        reply.buttons.append(Button(self.t("button.confirm"), f"/confirm {view.ref}"))
        return reply

    def claimed(self, view: ActionView, *, actor_role: str) -> Reply:
        """Says who must now confirm: the claimant (an official of their own entity, or a
        private owner), or else an official of the entity."""
        reply = Reply().add(self.t("action.claimed", ref=view.ref, owner=self.person(view.owner)))
        if actor_role in (Role.PUBLIC_OFFICIAL, Role.PRIVATE_REP):
            reply.add(self.t("action.confirm_next_self", ref=view.ref), Style.NOTE)
        else:
            reply.add(self.t("action.confirm_next_entity", entity=view.owner_entity), Style.NOTE)
        return reply

    def done(self, view: ActionView) -> Reply:
        return Reply().add(self.t("action.done", ref=view.ref, text=view.text))

    def action_list(self, title_key: str, empty_key: str, actions: list[ActionView]) -> Reply:
        reply = Reply().add(self.t(title_key), Style.TITLE)
        if not actions:
            return reply.add(self.t(empty_key))
        for action in actions:
            reply.add(self.action_line(action), Style.ITEM)
        return reply

    def progress(self, view: ProgressView) -> Reply:
        return Reply().add(self.t("progress.posted", ref=view.ref, when=self.stamp(view.at),
                                  author=view.author.name))

    # sessions and agenda

    def session_line(self, view: SessionView) -> str:
        line = self.t("session.line", kind=label(self.lang, "session_kind", view.kind),
                      number=view.number, when=self.when(view.starts_at),
                      status=label(self.lang, "session_status", view.status))
        if view.series is not None:
            line += " · " + self.t("session.in_series", every=self.recurrence(view.series))
        if view.holiday:
            line += " · " + self.t("session.holiday")
        return line

    def _holiday_note(self, reply: Reply, views: list[SessionView]) -> None:
        """How to move or cancel a scheduled session on a holiday, with its own number
        (the first of them), so the example typed as it is acts on the right one."""
        holidays = [v for v in views if v.holiday and v.status == "scheduled"]
        if holidays:
            reply.add(self.t("session.holiday_note", number=holidays[0].number), Style.NOTE)

    def series_started(self, started: SeriesStarted) -> Reply:
        reply = Reply().add(self.t(
            "session.series_started", every=self.recurrence(started.recurrence),
            kind=label(self.lang, "session_kind", started.kind).lower(),
            tz=self.tz.key.split("/")[-1].replace("_", " ")))
        if started.cancelled:
            reply.add(self.t("session.series_replaced", numbers=_numbers(started.cancelled)))
        reply.add(self.t("session.series_keeps", count=len(started.sessions)))
        for view in started.sessions:
            reply.add(self.session_line(view), Style.ITEM)
        self._holiday_note(reply, started.sessions)
        return reply

    def series_ended(self, ended: SeriesEnded) -> Reply:
        reply = Reply().add(self.t(
            "session.series_ended", every=self.recurrence(ended.recurrence),
            kind=label(self.lang, "session_kind", ended.kind).lower()))
        if ended.cancelled:
            return reply.add(self.t("session.series_cancelled",
                                    numbers=_numbers(ended.cancelled)))
        return reply.add(self.t("session.series_nothing_left"))

    def session_moved(self, view: SessionView, was: datetime) -> Reply:
        reply = Reply().add(self.t("session.moved", number=view.number,
                                   when=self.when(view.starts_at), was=self.when(was)))
        self._holiday_note(reply, [view])
        return reply

    def scheduled(self, view: SessionView) -> Reply:
        return Reply().add(self.t("session.scheduled",
                                  kind=label(self.lang, "session_kind", view.kind),
                                  number=view.number, when=self.when(view.starts_at),
                                  tz=self.tz.key.split("/")[-1].replace("_", " ")))

    def sessions(self, views: list[SessionView]) -> Reply:
        reply = Reply().add(self.t("session.list_title"), Style.TITLE)
        for view in views:
            reply.add(self.session_line(view), Style.ITEM)
        if not any(v.status == "scheduled" for v in views):
            reply.add(self.t("session.none"), Style.NOTE)
        else:
            self._holiday_note(reply, views)
        return reply

    # chats and mesas

    def linked(self, linked: LinkedChat) -> Reply:
        return Reply().add(self.t("chat.linked", mesa=linked.mesa_name,
                                  purpose=self.t(f"purpose.{linked.purpose}")))

    # steps: the next choice, as buttons

    def _step(self, question: str, choices: list[tuple[str, str]]) -> Reply:
        reply = Reply(replaces=True).add(question)
        reply.buttons.extend(Button(label, command) for label, command in choices)
        return reply

    def triage_step(self, ref: str, so_far: Triage) -> Reply:
        """The next question of a triage, its answers as buttons."""
        missing = so_far.missing
        if missing == "owner_class":
            choices = []
            for owner, kind in (("mp", None), ("yp", None), ("mp", "subsidy"),
                                ("mp", "declaratory")):
                step = replace(so_far, owner_class=OwnerClass(owner),
                               request_kind=RequestKind(kind) if kind else so_far.request_kind)
                name = label(self.lang, "owner_short", owner) if kind is None else label(
                    self.lang, "request_kind", kind)
                choices.append((name, step.command(ref)))
            return self._step(self.t("step.owner", ref=ref), choices)
        if missing == "root_cause":
            return self._step(self.t("step.cause", ref=ref), [
                (label(self.lang, "root_cause", cause.value),
                 replace(so_far, root_cause=cause).command(ref))
                for cause in RootCause
            ])
        if missing == "impact":
            return self._step(self.t("step.impact", ref=ref), [
                (str(score), replace(so_far, impact=score).command(ref)) for score in range(1, 6)
            ])
        return self._step(self.t("step.ease", ref=ref), [
            (str(score), replace(so_far, ease=score).command(ref)) for score in range(1, 6)
        ])

    def due_step(self, ref: str) -> Reply:
        return self._step(self.t("step.due", ref=ref), [
            (self.t(f"step.due_{key}"), f"/confirm {ref} {words}")
            for key, words in (("friday", "el viernes"), ("week", "en 1 semana"),
                               ("two_weeks", "en 2 semanas"), ("month", "en 1 mes"))
        ])

    def deadline_step(self, ref: str, readings: list[Reading]) -> Reply:
        """"viernes, 4 de diciembre, por la huelga" reads as more than one date: each
        reading in words, with a button that carries it written unambiguously (and the
        command itself, for a face that must drop a button too long for it)."""
        reply = Reply(replaces=True).add(self.t("step.deadline", ref=ref, count=len(readings)))
        word = find("/deadline")
        assert word is not None
        for reading in readings:
            written = f"{ref} {full_numeric(reading.due_on)}, {reading.reason}"
            reply.add(self.t("step.deadline_reading", words=reading.words,
                             date=self.day(reading.due_on),
                             command=f"/{word.word(self.lang)} {written}"), Style.ITEM)
            reply.buttons.append(Button(self.day(reading.due_on), f"/deadline {written}"))
        return reply

    def update_buttons(self, actions: list[ActionView]) -> list[Button]:
        """Done, On track and Blocked for each open promise, as under a reminder."""
        buttons = []
        for action in actions:
            if action.status not in (ActionStatus.CLAIMED, ActionStatus.CONFIRMED,
                                     ActionStatus.BLOCKED):
                continue
            ref = action.ref
            buttons += [
                Button(self.t("button.done", ref=ref), f"/done {ref}"),
                Button(self.t("button.on_track", ref=ref),
                       f"/progress {ref} {self.t('progress.on_track')}"),
                Button(self.t("button.blocked", ref=ref), f"/blocked {ref}"),
            ]
        return buttons

    def blocked_step(self, ref: str) -> Reply:
        return self._step(self.t("step.blocked", ref=ref), [
            (label(self.lang, "blocked_reason", reason.value), f"/blocked {ref} {reason.value}")
            for reason in BlockedReason
        ])

    # joining

    def role(self, role: str, entity: str | None) -> str:
        """"funcionario público (SERFOR)": a role with the entity it speaks for."""
        name = label(self.lang, "role", role)
        return f"{name} ({entity})" if entity else name

    def invited(self, invited: Invited, link: str | None) -> Reply:
        key = "invite.created" if invited.uses == 1 else "invite.created_many"
        reply = Reply().add(self.t(key, mesa=invited.mesa_name,
                                   role=self.role(invited.role, invited.entity),
                                   uses=invited.uses, until=self.day(invited.expires_at
                                                                     .astimezone(self.tz).date())))
        reply.add(link or self.t("invite.code", code=invited.code))
        return reply.add(self.t("invite.note"), Style.NOTE)

    def joined(self, joined: Joined | Linked) -> Reply:
        """Joined a mesa with an invitation, or linked this account with a link code."""
        if isinstance(joined, Linked):
            return Reply().add(self.t("link.done", name=joined.name,
                                      platform=self.t(f"platform.{joined.platform}")))
        return Reply().add(self.t(f"joined.{joined.status}", mesa=joined.mesa_name,
                                  role=self.role(joined.role, joined.entity)))

    def approved(self, approved: Approved) -> Reply:
        return Reply().add(self.t("approved.done", name=approved.name,
                                  role=self.role(approved.role, approved.entity)))

    def removed(self, removed: Removed) -> Reply:
        reply = Reply().add(self.t("removed.done", name=removed.name, mesa=removed.mesa_name))
        if removed.handed_over:
            reply.add(self.t("removed.handed", refs=", ".join(removed.handed_over),
                             successor=removed.successor or "—"))
        if removed.returned:
            reply.add(self.t("removed.returned", refs=", ".join(removed.returned)))
        return reply

    def handed_over(self, view: ActionView) -> Reply:
        owner = view.owner.name if view.owner else "—"
        reply = Reply().add(self.t("handover.done", ref=view.ref, owner=owner, text=view.text))
        if view.status == "claimed":
            reply.add(self.t("handover.reconfirm", ref=view.ref, owner=owner), Style.NOTE)
        return reply

    def schedule(self, schedule: Schedule, *, changed: bool = False) -> Reply:
        """The mesa's settings, each with the words that change it."""
        reply = Reply().add(self.t("settings.title", mesa=schedule.mesa_name), Style.TITLE)
        if changed:
            reply.add(self.t("settings.changed"))
        for line in self.setting_lines(schedule).values():
            reply.add(line, Style.ITEM)
        return reply.add(self.t("settings.how"), Style.NOTE)

    def already_done(self, refs: list[str]) -> Reply:
        """The answer again to a message carried out before (its first one was lost)."""
        if refs:
            return Reply().add(self.t("again.done_refs", refs=", ".join(refs)))
        return Reply().add(self.t("again.done"))

    # help, language, errors

    def help(self, names: list[str]) -> Reply:
        reply = Reply().add(self.t("help.title"), Style.TITLE)
        for name in names:
            reply.add(self.t(f"help.{name}"), Style.ITEM)
        return reply.add(self.t("help.footer"), Style.NOTE)

