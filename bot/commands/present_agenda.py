"""The agenda and the notifications, worded for their reader."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from bot.commands.present_documents import AgendaDocuments
from bot.commands.reply import Button, Line, Reply, Style
from bot.commands.voice import clip
from bot.core.agenda import agenda_from_params, shorten
from bot.core.enums import ActionStatus
from bot.core.mesa_settings import Schedule
from bot.core.views import (
    Agenda,
    Recurrence,
)
from bot.i18n import label, short_date

#: Items a nudge lists by name in each of its sections; the rest are counted.
NUDGE_LIST = 10


class AgendaWords(AgendaDocuments):
    def agenda(self, agenda: Agenda) -> Reply:
        """The short agenda, to read on a phone; made from the whole agenda, it carries
        the documents (the whole matrix, the session's invitation) as attachments."""
        if not agenda.whole:
            return self.short_agenda(agenda)
        reply = self.short_agenda(shorten(agenda))
        reply.attachments = self.agenda_attachments(agenda)
        reply.add(self.t("doc.attached") if agenda.session is not None
                  else self.t("doc.attached_no_session"), Style.NOTE)
        return reply

    def sent_agenda(self, agenda: Agenda) -> Reply:
        """A session's agenda as it went to the team and the group, saying when."""
        reply = self.agenda(agenda)
        if agenda.sent_at is not None:
            reply.lines.insert(1, Line(self.t("agenda.as_sent", when=self.when(
                agenda.sent_at)), Style.NOTE))
        return reply

    def short_agenda(self, agenda: Agenda) -> Reply:
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
            self._more(reply, item.more_actions, Style.SUBITEM)
            for progress in item.progress:
                reply.add(self.progress_line(progress), Style.SUBITEM)
            if item.more_progress:
                reply.add(self.t("agenda.more_progress", count=item.more_progress),
                          Style.SUBITEM)
        if not agenda.prioritized:
            reply.add(self.t("agenda.none"), Style.ITEM)
        self._more(reply, agenda.more.get("prioritized", 0))
        self._section(reply, "agenda.due", [
            ("✓ " if a.status == ActionStatus.DONE else "✗ ") + self.compact_line(
                a, self.t("agenda.done_mark") if a.status == ActionStatus.DONE
                else short_date(self.lang, a.due_on) if a.due_on else "—")
            for a in agenda.due
        ], always=True)
        self._more(reply, agenda.more.get("due", 0))
        self._section(reply, "agenda.overdue", [
            self.compact_line(a, " · ".join(
                [self.overdue_words(a.days_overdue)]
                + ([self.slipped_words(a.slips)] if a.slips else [])
            ))
            for a in agenda.overdue
        ], always=True)
        self._more(reply, agenda.more.get("overdue", 0))
        self._section(reply, "agenda.blocked", [
            self.compact_line(a, label(self.lang, "blocked_reason", a.blocked_reason)
                              + (f": {clip(a.blocked_detail, 80)}" if a.blocked_detail else ""))
            for a in agenda.blocked
        ], always=True)
        self._more(reply, agenda.more.get("blocked", 0))
        self._section(reply, "agenda.triage", [
            self.t("matrix.item_untriaged", ref=v.ref, title=clip(v.title),
                   reporter=self.person(v.reporter))
            for v in agenda.awaiting_triage
        ], always=True)
        self._more(reply, agenda.more.get("awaiting_triage", 0))
        self._section(reply, "agenda.confirm", [
            self.compact_line(a, label(self.lang, "action_status", a.status))
            for a in agenda.awaiting_confirmation
        ], always=True)
        self._more(reply, agenda.more.get("awaiting_confirmation", 0))
        self._section(reply, "agenda.out_of_focus", [
            self.t("agenda.out_of_focus_item", ref=v.ref, title=clip(v.title, 50),
                   why=self.t(f"excluded.{v.excluded}"))
            for v in agenda.out_of_focus
        ], always=True)
        self._more(reply, agenda.more.get("out_of_focus", 0))
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

    def delivered_agenda(self, params: dict[str, Any]) -> Reply:
        """The agenda the scheduler sent before the session, as it was compiled then:
        with its documents when the whole agenda stored with the session came along."""
        return self.agenda(agenda_from_params(params.get("whole") or params["agenda"]))

    def session_ping(self, params: dict[str, Any]) -> Reply:
        """Before a session: the reader's open promises, each with its buttons."""
        reply = Reply().add(self.t("ping.title", number=params["session"], when=self.when(
            datetime.fromisoformat(params["starts_at"]))))
        for action in params["actions"]:
            line = self.t("action.line", ref=action["ref"], text=clip(action["text"]),
                          status=label(self.lang, "action_status", action["status"]))
            if action.get("due_on"):
                line += " · " + self.t("action.due_short", due=short_date(
                    self.lang, date.fromisoformat(action["due_on"])))
            reply.add(line, Style.ITEM)
            ref = action["ref"]
            reply.buttons += [
                Button(self.t("button.done", ref=ref), f"/done {ref}"),
                Button(self.t("button.on_track", ref=ref),
                       f"/progress {ref} {self.t('progress.on_track')}"),
                Button(self.t("button.blocked", ref=ref), f"/blocked {ref}"),
            ]
        if len(params["actions"]) == 1:
            reply.subject = params["actions"][0]["ref"]
            reply.add(self.t("ping.reply_one"), Style.NOTE)
        if params.get("late"):
            reply.add(self.t("ping.late"), Style.NOTE)
        return reply

    def stall_nudge(self, params: dict[str, Any]) -> Reply:
        """What waits on the reader: proposals nobody took (to a coordinator), their
        own claims without a date, their entity's; a date's buttons for the claims. The
        title names the mesa, as a reader of several gets nudges from each."""
        reply = Reply().add(self.t("nudge.title", mesa=params["mesa"], days=params["days"]),
                            Style.TITLE)
        refs = []
        for section in ("unclaimed", "mine", "entity"):
            items = params.get(section) or []
            if not items:
                continue
            heading = self.t(f"nudge.{section}", entity=items[0]["entity"] or "—")
            reply.add(heading, Style.HEADING)
            for item in items[:NUDGE_LIST]:
                # whom it waits on: the official's colleague who took it; the reader's
                # own claims, and proposals nobody took, need no name
                who = item["owner"] if section == "entity" else None
                words = dict(ref=item["ref"], text=clip(item["text"]), days=item["days"])
                reply.add(self.t("nudge.item_for", who=who, **words) if who
                          else self.t("nudge.item", **words), Style.ITEM)
                refs.append(item["ref"])
                if section != "unclaimed":
                    reply.buttons.append(Button(self.t("button.confirm_ref", ref=item["ref"]),
                                                f"/confirm {item['ref']}"))
            self._more(reply, max(0, len(items) - NUDGE_LIST))
            how = f"nudge.{section}_how"
            if section == "unclaimed" and params.get("example_entity"):
                how = "nudge.unclaimed_how_entity"
            reply.add(self.t(how, ref=items[0]["ref"], entity=params.get("example_entity")),
                      Style.NOTE)
        if len(refs) == 1:
            reply.subject = refs[0]
        if params.get("several_mesas"):
            reply.add(self.t("nudge.several_mesas", mesa=params["mesa"], slug=params["slug"]),
                      Style.NOTE)
        key = "nudge.once_session" if params.get("session") else "nudge.once_week"
        return reply.add(self.t(key, days=params["days"]), Style.NOTE)

    def escalation_digest(self, params: dict[str, Any]) -> Reply:
        """The ministers' daily digest: per owning entity, what is stuck, since when, who
        owns it, how its date slipped, what decision it needs; three buttons an item."""
        reply = Reply().add(self.t("digest.title", mesa=params.get("mesa", ""),
                                   day=self.day(date.fromisoformat(params["day"]))),
                            Style.TITLE)
        if params.get("parts", 1) > 1:
            reply.add(self.t("digest.part", part=params["part"], parts=params["parts"]),
                      Style.NOTE)
        reply.add(self.t("digest.intro", grace=params["grace"]), Style.NOTE)
        entity = None
        for item in params["items"]:
            if item["entity"] != entity or entity is None:
                entity = item["entity"]
                reply.add(entity or self.t("digest.no_entity"), Style.HEADING)
            ref = item["ref"]
            reply.add(self.t("digest.item", ref=ref, text=clip(item["text"]),
                             bottleneck=item["bottleneck"], owner=item["owner"] or "—"),
                      Style.ITEM)
            since = self.day(date.fromisoformat(item["since"])) if item["since"] else "—"
            if item["reason"]:
                reply.add(self.t("digest.decision", since=since, reason=label(
                    self.lang, "blocked_reason", item["reason"]) + (
                    f": {item['detail']}" if item["detail"] else "")), Style.SUBITEM)
            if item["days_overdue"]:
                key = "digest.overdue_one" if item["days_overdue"] == 1 else "digest.overdue"
                reply.add(self.t(key, days=item["days_overdue"],
                                 since=self.day(date.fromisoformat(item["due_on"]))),
                          Style.SUBITEM)
            if item["slips"]:
                first = date.fromisoformat(item["first_due_on"])
                reply.add(self.t("digest.slips", slips=item["slips"],
                                 first=short_date(self.lang, first)), Style.SUBITEM)
                for move in item["moves"]:
                    reply.add(self.t("digest.move", reason=move["reason"] or "—", to=short_date(
                        self.lang, date.fromisoformat(move["to"]))), Style.SUBITEM)
            reply.buttons += [
                Button(self.t("button.seen", ref=ref), f"/escalation {ref} seen"),
                Button(self.t("button.meeting", ref=ref), f"/escalation {ref} meeting"),
                Button(self.t("button.resolved", ref=ref), f"/escalation {ref} resolved"),
            ]
        return reply

    def lapse_lines(self, lapse: dict[str, Any]) -> list[str]:
        """Since when the mesa has not met (or that it never has), and what to type."""
        since = (self.t("cadence.last_held", number=lapse["last_number"],
                        day=self.day(date.fromisoformat(lapse["last_held"])))
                 if lapse.get("last_held") else self.t("cadence.never_held"))
        return [self.t("cadence.lapse", mesa=lapse["mesa"], days=lapse["days"],
                       cadence=self.t(f"cadence.{lapse['cadence']}")) + " " + since]

    def cadence_lapse(self, params: dict[str, Any]) -> Reply:
        """A mesa that stopped meeting: to its team and to the ministers' chat, once."""
        reply = Reply()
        for line in self.lapse_lines(params):
            reply.add(line)
        reply.add(self.t("cadence.what_to_do"), Style.NOTE)
        return reply

    def weekly_summary(self, params: dict[str, Any]) -> Reply:
        """Monday's summary for the ministers: all that is escalated, counted by entity
        and by age, the oldest few by name, and the cadence lapse if any."""
        reply = Reply().add(self.t("weekly.title", mesa=params["mesa"],
                                   day=self.day(date.fromisoformat(params["day"]))),
                            Style.TITLE)
        if not params["total"]:
            reply.add(self.t("weekly.nothing"))
        else:
            key = "weekly.total_one" if params["total"] == 1 else "weekly.total"
            reply.add(self.t(key, total=params["total"], grace=params["grace"]))
            reply.add(self.t("weekly.by_entity"), Style.HEADING)
            for row in params["entities"]:
                reply.add(self.t("weekly.count", what=row["entity"] or self.t(
                    "digest.no_entity"), count=row["count"]), Style.ITEM)
            if params["more_entities"]:
                reply.add(self.t("weekly.more_entities", n=params["more_entities"]),
                          Style.ITEM)
            reply.add(self.t("weekly.by_age"), Style.HEADING)
            for row in params["ages"]:
                reply.add(self.t("weekly.count", what=self.t(f"weekly.age_{row['bucket']}"),
                                 count=row["count"]), Style.ITEM)
            reply.add(self.t("weekly.oldest"), Style.HEADING)
            for item in params["oldest"]:
                since = self.day(date.fromisoformat(item["since"])) if item["since"] else "—"
                reply.add(self.t("weekly.oldest_item", ref=item["ref"], text=clip(
                    item["text"]), owner=item["owner"] or item["entity"] or "—",
                    since=since), Style.ITEM)
            rest = params["total"] - len(params["oldest"])
            if rest > 0:
                reply.add(self.t("weekly.more", n=rest), Style.ITEM)
        if params.get("lapse"):
            for line in self.lapse_lines(params["lapse"]):
                reply.add(line, Style.NOTE)
        return reply

    def notice(self, kind: str, params: dict[str, Any]) -> Reply:
        """An outbox notification, worded for its reader."""
        if kind == "session_ping":
            return self.session_ping(params)
        if kind == "agenda":
            return self.delivered_agenda(params)
        if kind == "escalation_digest":
            return self.escalation_digest(params)
        if kind == "cadence_lapse":
            return self.cadence_lapse(params)
        if kind == "weekly_summary":
            return self.weekly_summary(params)
        if kind == "stall_nudge":
            return self.stall_nudge(params)
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
        if "role" in params:
            p["role"] = label(self.lang, "role", params["role"]) + (
                f" ({params['entity']})" if params.get("entity") else "")
        if params.get("current_role"):
            p["current"] = label(self.lang, "role", params["current_role"]) + (
                f" ({params['current_entity']})" if params.get("current_entity") else "")
        if kind == "member_removed":
            p["actions"] = "".join([
                self.t("notice.removed_handed", refs=", ".join(params["handed_over"]),
                       successor=params.get("successor") or "—")
                if params.get("handed_over") else "",
                self.t("notice.removed_returned", refs=", ".join(params["returned"]))
                if params.get("returned") else "",
            ])
        if kind == "action_assigned":
            p["who"] = params.get("owner") or params.get("entity") or "—"
        if kind == "settings_changed" and "schedule" in params:
            data = dict(params["schedule"])
            data["ping_hours"] = tuple(data["ping_hours"])
            p["value"] = self.setting_lines(Schedule(**data)).get(params["setting"], p["value"])
            kind = "settings_changed_by" if params.get("by") else "settings_changed_words"
        if kind in ("series_started", "series_ended"):
            hour, minute = str(params["at"]).split(":")
            p["every"] = self.recurrence(Recurrence(
                weekday=int(params["weekday"]), at=time(int(hour), int(minute)),
                every_weeks=int(params["every_weeks"]),
                week_of_month=params.get("week_of_month")))
            p["cancelled"] = ", ".join(str(n) for n in params.get("cancelled", [])) or "—"
            if params.get("kind") == "high_level":
                kind = f"{kind}_high_level"
        if kind == "session_moved":
            p["was"] = self.when(datetime.fromisoformat(params["was"]))
        if kind == "audit_head":  # 1.284 in Spanish, 1,284 in English
            p["events"] = f"{int(params['events']):,}".replace(",", self.t("number.thousands"))
        if kind == "account_linked":
            p["platform"] = self.t(f"platform.{params['platform']}")
        if kind == "bottleneck_resolved" and not params.get("credited"):
            kind = "bottleneck_resolved_uncredited"
        if kind == "action_blocked" and not str(params.get("detail") or "").strip():
            kind = "action_blocked_bare"  # never a sentence ending in ": "
        if kind == "session_scheduled" and params.get("kind") == "high_level":
            kind = "session_scheduled_high_level"
        reply = Reply().add(self.t(f"notice.{kind}", **p))
        if params.get("open_actions") and params.get("actions"):  # a bottleneck resolved
            reply.add(self.t(f"bottleneck.resolved_{params['open_actions']}",
                             refs=", ".join(params["actions"]),
                             to=params.get("moved_to") or ""))
        if kind == "bottleneck_triaged" and params.get("excluded"):
            # the reporter is told why it stays out of the prioritized few, and where it is
            reply.add(self.t("notice.bottleneck_kept_out",
                             reason=self.t(f"excluded.{params['excluded']}")), Style.NOTE)
        if kind.startswith("session_scheduled") and params.get("holiday"):
            reply.add(self.t("session.holiday_note", number=params["number"]), Style.NOTE)
        if str(params.get("ref", "")).startswith("A-"):
            reply.subject = str(params["ref"])
        if kind in ("role_to_approve", "role_change_to_approve"):
            request = f" {p['request']}" if params.get("request") else ""
            reply.buttons.append(Button(self.t("button.approve"),
                                        f"/approve {p['handle']}{request}"))
        if kind == "action_proposed":
            reply.buttons.append(Button(self.t("button.claim"), f"/claim {p['ref']}"))
            reply.buttons.append(Button(self.t("button.confirm"), f"/confirm {p['ref']}"))
        if kind == "bottleneck_logged":
            reply.buttons.append(Button(self.t("button.triage"), f"/triage {p['ref']}"))
        return reply

