"""Refusals: what was understood, what was not, and the one thing to type instead."""

from __future__ import annotations

from typing import Any

from bot.commands.reply import Button, Reply, Style
from bot.commands.voice import Voice, clip
from bot.core import errors
from bot.core.views import Person
from bot.i18n import label


class ErrorWords(Voice):
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
            if p.get("instead"):
                code = f"invalid_state_{p.pop('instead')}"
        elif isinstance(error, errors.NotYoursToSettle):
            p["actions"] = ", ".join(p["actions"])
        elif isinstance(error, errors.DatePast | errors.DateWeekdayMismatch):
            p["date"] = self.day(p["date"])
            if "weekday" in p:
                p["weekday"] = self.t(f"weekday.{p['weekday']}")
        elif isinstance(error, errors.DateTooFar):
            p["limit"] = self.day(p["limit"])
        elif isinstance(error, errors.OpenActionsLeft):
            p["actions"] = ", ".join(p["actions"])
        elif isinstance(error, errors.AlreadyBlocked):
            p["reason"] = self.blocked_words(p["reason"], p["detail"])
        elif isinstance(error, errors.DateVague):
            p["suggestion"] = self.day(p["suggestion"])
        elif isinstance(error, errors.PriorityLimit):
            current = p.pop("current")
            p["current"] = "; ".join(f"{ref} {self.quote(clip(title, 40))}"
                                     for ref, title in current)
            p["first"] = current[0][0] if current else "P-1"
        elif isinstance(error, errors.NotPrioritizable):
            p["reason"] = self.t(f"excluded.{p['reason']}")
        elif isinstance(error, errors.BadValue):
            if p.get("field") == "day_hours":
                return self.error("bad_day_hours", **p)
            allowed = [str(a) for a in p.get("allowed", [])]
            if p.get("field") == "cadence":  # the words people type, not stored values
                allowed = [self.t(f"cadence_word.{a}") for a in allowed]
            p["allowed"] = ", ".join(allowed)
        elif isinstance(error, errors.ChooseMesa):
            choices = p["choices"]
            p["choices"] = ", ".join(f"{slug} ({name})" for slug, name in choices)
            reply = self.error(code, **p)
            reply.buttons.extend(Button(name, f"/mesa {slug}") for slug, name in choices)
            return reply
        elif isinstance(error, errors.SessionClosed):
            p["status"] = label(self.lang, "session_status", p["status"])
        elif isinstance(error, errors.AgendaNotSent):
            p["status"] = label(self.lang, "session_status", p["status"])
            reply = self.error(code, **p)
            reply.buttons.append(Button(self.t("button.agenda"), "/agenda"))
            return reply
        elif isinstance(error, errors.SessionNotYet):
            p["when"] = self.when(p.pop("starts_at"))
        elif isinstance(error, errors.UnknownMesa):
            p["choices"] = ", ".join(p.get("choices", [])) or "—"
        elif isinstance(error, errors.NotParticipant):
            p["role"] = label(self.lang, "role", p["role"])
        elif isinstance(error, errors.ChannelNotLinked):
            p["choice"] = p["platform"]
            p["platform"] = self.t(f"platform.{p['platform']}")
        elif isinstance(error, errors.AccountTaken):
            code = "account_taken_own" if p.pop("own") else "account_taken"
            p["platform"] = self.t(f"platform.{p['platform']}")
        elif isinstance(error, errors.BadTriage):
            p.setdefault("value", p.get("missing", p.get("field", "")))
        return self.error(code, **p)

