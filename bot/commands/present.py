"""Results into replies, in the member's language and the mesa's time zone.

One function per kind of result; the same words serve every face.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands.reply import Button, Reply, Style
from bot.core import errors
from bot.core.bottlenecks import Logged, Prioritized
from bot.core.enums import ActionStatus, Role
from bot.core.views import (
    ActionView,
    Agenda,
    BottleneckDetail,
    BottleneckView,
    Matrix,
    Person,
    ProgressView,
    SessionView,
)
from bot.i18n import label, long_date, long_datetime, short_date, short_datetime, t

ITEM_TITLE_MAX = 80


def _clip(text: str, limit: int = ITEM_TITLE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Presenter:
    def __init__(self, lang: str, tz: ZoneInfo) -> None:
        self.lang = lang
        self.tz = tz

    # small pieces

    def t(self, key: str, **params: Any) -> str:
        return t(self.lang, key, **params)

    def person(self, person: Person | None) -> str:
        if person is None:
            return "—"
        return f"{person.name} ({person.entity})" if person.entity else person.name

    def day(self, day: date) -> str:
        return long_date(self.lang, day)

    def when(self, moment: datetime) -> str:
        return long_datetime(self.lang, moment.astimezone(self.tz))

    def stamp(self, moment: datetime) -> str:
        return short_datetime(self.lang, moment.astimezone(self.tz))

    def action_line(self, action: ActionView) -> str:
        parts = [self.t("action.line", ref=action.ref, text=_clip(action.text),
                        status=label(self.lang, "action_status", action.status))]
        if action.owner or action.owner_entity:
            parts.append(self.person(action.owner) if action.owner else action.owner_entity or "")
        if action.due_on is not None:
            parts.append(self.t("action.due_short", due=short_date(self.lang, action.due_on)))
        if action.days_overdue:
            parts.append(self.overdue_words(action.days_overdue))
        if action.slips:
            parts.append(self.t("action.slipped", slips=action.slips))
        if action.status == ActionStatus.BLOCKED:
            reason = label(self.lang, "blocked_reason", action.blocked_reason)
            detail = f" ({action.blocked_detail})" if action.blocked_detail else ""
            parts.append(self.t("action.blocked_why", reason=reason + detail))
        return " · ".join(parts)

    def overdue_words(self, days: int) -> str:
        return self.t("action.overdue_one") if days == 1 else self.t("action.overdue", days=days)

    def compact_line(self, action: ActionView, fact: str) -> str:
        """Reference, short text, owner and the one fact a section is about."""
        owner = self.person(action.owner) if action.owner else action.owner_entity or "—"
        return f"{action.ref} «{_clip(action.text, 50)}» · {owner} · {fact}"

    def progress_line(self, item: ProgressView) -> str:
        return self.t("progress.line", ref=item.ref, when=self.stamp(item.at),
                      author=item.author.name, text=_clip(item.text, 200))

    def bottleneck_line(self, view: BottleneckView) -> str:
        return self.t(
            "matrix.item", ref=view.ref, title=_clip(view.title),
            owner_class=label(self.lang, "owner_short", view.owner_class),
            cause=label(self.lang, "root_cause", view.root_cause),
            priority=view.priority if view.priority is not None else "—",
            entity=view.responsible_entity or "—",
        )

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
            command = self.t("bottleneck.can_prioritize", ref=view.ref)
            reply.add(command, Style.NOTE)
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
        self._section(reply, "bottleneck.history", [
            self.t("history.line", when=self.stamp(h.at),
                   actor=h.actor.name if h.actor else self.t("history.system"),
                   what=self.t(f"kind.{h.kind}"), subject=h.subject)
            for h in detail.history
        ])
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
        self._section(reply, "matrix.queue", [self.bottleneck_line(v) for v in matrix.queue])
        self._section(reply, "matrix.triage", [
            self.t("matrix.item_untriaged", ref=v.ref, title=_clip(v.title),
                   reporter=self.person(v.reporter))
            for v in matrix.awaiting_triage
        ])
        self._section(reply, "matrix.filtered", [
            self.t("matrix.item_filtered", ref=v.ref, title=_clip(v.title),
                   reason=label(self.lang, "request_kind", v.request_kind)
                   if v.request_kind != "productivity"
                   else label(self.lang, "owner_class", v.owner_class))
            for v in matrix.filtered
        ])
        self._section(reply, "matrix.closed", [
            self.t("matrix.item_closed", ref=v.ref, title=_clip(v.title),
                   status=label(self.lang, "status", v.status)
                   + (f" ({v.credited_entity})" if v.credited_entity else ""))
            for v in matrix.closed
        ])
        return reply.add(self.t("matrix.more"), Style.NOTE)

    # actions

    def proposed(self, view: ActionView) -> Reply:
        reply = Reply().add(self.t("action.proposed", ref=view.ref, bottleneck=view.bottleneck_ref,
                                   text=view.text))
        reply.add(self.t("action.proposed_next", ref=view.ref), Style.NOTE)
        reply.buttons.append(Button(self.t("button.claim"), f"/claim {view.ref}"))
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

    def confirmed(self, view: ActionView) -> Reply:
        assert view.due_on is not None
        return Reply().add(self.t("action.confirmed", ref=view.ref, owner=self.person(view.owner),
                                  due=self.day(view.due_on))).add(
            self.t("action.reminder_note"), Style.NOTE)

    def assigned(self, view: ActionView) -> Reply:
        if view.owner is not None:
            reply = Reply().add(self.t("action.assigned_member", ref=view.ref,
                                       owner=self.person(view.owner)))
        else:
            reply = Reply().add(self.t("action.assigned_entity", ref=view.ref,
                                       entity=view.owner_entity))
        if view.due_on is not None:
            reply.add(self.t("action.due", due=self.day(view.due_on)))
        return reply

    def done(self, view: ActionView) -> Reply:
        return Reply().add(self.t("action.done", ref=view.ref, text=view.text))

    def blocked(self, view: ActionView) -> Reply:
        return Reply().add(self.t("action.blocked", ref=view.ref,
                                  reason=label(self.lang, "blocked_reason", view.blocked_reason)))

    def due_moved(self, view: ActionView) -> Reply:
        assert view.due_on is not None
        old = view.previous_due_on
        return Reply().add(self.t("action.due_moved", ref=view.ref, due=self.day(view.due_on),
                                  old=self.day(old) if old else "—", slips=view.slips))

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
        return self.t("session.line", number=view.number, when=self.when(view.starts_at),
                      status=label(self.lang, "session_status", view.status))

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
        return reply

    def agenda(self, agenda: Agenda) -> Reply:
        reply = Reply()
        if agenda.session is not None:
            reply.add(self.t("agenda.title", mesa=agenda.mesa.name, number=agenda.session.number,
                             when=self.when(agenda.session.starts_at)), Style.TITLE)
        else:
            reply.add(self.t("agenda.title_preview", mesa=agenda.mesa.name), Style.TITLE)
        if agenda.since is not None:
            reply.add(self.t("agenda.since", when=self.when(agenda.since)), Style.NOTE)
        reply.add(self.t("agenda.prioritized"), Style.HEADING)
        for item in agenda.prioritized:
            reply.add(self.bottleneck_line(item.bottleneck), Style.ITEM)
            for action in item.actions:
                reply.add(self.action_line(action), Style.SUBITEM)
            if not item.actions:
                reply.add(self.t("agenda.no_actions"), Style.SUBITEM)
            for progress in item.progress:
                reply.add(self.progress_line(progress), Style.SUBITEM)
        if not agenda.prioritized:
            reply.add(self.t("agenda.none"), Style.ITEM)
        self._section(reply, "agenda.due", [
            ("✓ " if a.status == ActionStatus.DONE else "✗ ") + self.compact_line(
                a, self.t("agenda.done_mark") if a.status == ActionStatus.DONE
                else short_date(self.lang, a.due_on) if a.due_on else "—")
            for a in agenda.due
        ], always=True)
        self._section(reply, "agenda.overdue", [
            self.compact_line(a, " · ".join(
                [self.overdue_words(a.days_overdue)]
                + ([self.t("action.slipped", slips=a.slips)] if a.slips else [])
            ))
            for a in agenda.overdue
        ], always=True)
        self._section(reply, "agenda.blocked", [
            self.compact_line(a, label(self.lang, "blocked_reason", a.blocked_reason)
                              + (f": {a.blocked_detail}" if a.blocked_detail else ""))
            for a in agenda.blocked
        ], always=True)
        self._section(reply, "agenda.triage", [
            self.t("matrix.item_untriaged", ref=v.ref, title=_clip(v.title),
                   reporter=self.person(v.reporter))
            for v in agenda.awaiting_triage
        ], always=True)
        self._section(reply, "agenda.confirm", [
            self.compact_line(a, label(self.lang, "action_status", a.status))
            for a in agenda.awaiting_confirmation
        ], always=True)
        momentum = agenda.momentum
        reply.add(self.t("agenda.momentum"), Style.HEADING)
        reply.add(self.t("agenda.momentum_line", cadence=self.t(f"cadence.{momentum.cadence}"),
                         held=momentum.held_last_90_days,
                         expected=momentum.expected_last_90_days), Style.ITEM)
        reply.add(self.t("agenda.momentum_resolved",
                         count=momentum.resolved_since_last_session), Style.ITEM)
        if momentum.held_last_90_days * 2 < momentum.expected_last_90_days:
            reply.add(self.t("agenda.momentum_warning"), Style.NOTE)
        return reply

    def _section(
        self, reply: Reply, heading_key: str, items: list[str], *, always: bool = False
    ) -> None:
        """A heading and its items; an empty section is left out unless ``always``."""
        if not items and not always:
            return
        reply.add(self.t(heading_key), Style.HEADING)
        for item in items or [self.t("agenda.none")]:
            reply.add(item, Style.ITEM)

    # notifications

    def notice(self, kind: str, params: dict[str, Any]) -> Reply:
        """An outbox notification, worded for its reader."""
        p = {k: ("—" if v is None else v) for k, v in params.items()}
        if isinstance(params.get("due_on"), str):
            p["due"] = self.day(date.fromisoformat(params["due_on"]))
        if isinstance(params.get("starts_at"), str):
            p["when"] = self.when(datetime.fromisoformat(params["starts_at"]))
        if "owner_class" in params:
            p["owner_class"] = label(self.lang, "owner_class", params["owner_class"])
        if "request_kind" in params:
            p["request_kind"] = label(self.lang, "request_kind", params["request_kind"])
        if kind == "action_blocked":
            p["reason"] = label(self.lang, "blocked_reason", params.get("reason"))
        if kind == "action_assigned":
            p["who"] = params.get("owner") or params.get("entity") or "—"
        if kind == "bottleneck_resolved" and not params.get("credited"):
            kind = "bottleneck_resolved_uncredited"
        reply = Reply().add(self.t(f"notice.{kind}", **p))
        if kind == "action_proposed":
            reply.buttons.append(Button(self.t("button.claim"), f"/claim {p['ref']}"))
        return reply

    # help, language, errors

    def help(self, names: list[str]) -> Reply:
        reply = Reply().add(self.t("help.title"), Style.TITLE)
        for name in names:
            reply.add(self.t(f"help.{name}"), Style.ITEM)
        return reply.add(self.t("help.footer"), Style.NOTE)

    def error(self, key: str, **params: Any) -> Reply:
        return Reply().add(self.t(f"error.{key}", **params), Style.ERROR)

    def domain_error(self, error: errors.DomainError) -> Reply:
        """Say what was understood, what was not, and the one thing to type instead."""
        p = dict(error.params)
        code = error.code
        if isinstance(error, errors.Forbidden):
            p["role"] = label(self.lang, "role", p["role"])
            p["op"] = self.t(f"op.{p['op']}")
            p["allowed"] = ", ".join(label(self.lang, "role", r) for r in p["allowed"])
        elif isinstance(error, errors.AlreadyClaimed):
            if p.get("mine"):
                code = "already_mine"
            p["owner"] = self.person(Person(p["owner"], p.get("entity")))
        elif isinstance(error, errors.InvalidState):
            status = p["status"]
            group = "action_status" if p["ref"].startswith("A") else "status"
            p["status"] = label(self.lang, group, status)
        elif isinstance(error, errors.DatePast | errors.DateWeekdayMismatch):
            p["date"] = self.day(p["date"])
            if "weekday" in p:
                p["weekday"] = self.t(f"weekday.{p['weekday']}")
        elif isinstance(error, errors.PriorityLimit):
            current = p.pop("current")
            p["current"] = "; ".join(f"{ref} «{_clip(title, 40)}»" for ref, title in current)
            p["first"] = current[0][0] if current else "P-1"
            p.setdefault("ref", "P-?")
        elif isinstance(error, errors.NotPrioritizable):
            p["reason"] = self.t(f"excluded.{p['reason']}")
        elif isinstance(error, errors.BadValue):
            p["allowed"] = ", ".join(str(a) for a in p.get("allowed", []))
        elif isinstance(error, errors.ChooseMesa):
            p["choices"] = ", ".join(f"{slug} ({name})" for slug, name in p["choices"])
        elif isinstance(error, errors.SessionClosed):
            p["status"] = label(self.lang, "session_status", p["status"])
        elif isinstance(error, errors.SessionNotYet):
            p["when"] = self.when(p.pop("starts_at"))
        elif isinstance(error, errors.UnknownMesa):
            p["choices"] = ", ".join(p.get("choices", [])) or "—"
        elif isinstance(error, errors.BadTriage):
            p.setdefault("value", p.get("missing", p.get("field", "")))
        return self.error(code, **p)
