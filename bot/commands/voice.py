"""How the bot speaks: the small pieces every reply is made of (names, dates in the
mesa's time zone, one-line summaries of actions and bottlenecks, sections)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands.reply import Reply, Style, paginate
from bot.core.enums import ActionStatus
from bot.core.mesa_settings import Schedule
from bot.core.views import (
    ActionView,
    BottleneckView,
    HistoryLine,
    Person,
    ProgressView,
    Recurrence,
)
from bot.i18n import label, long_date, long_datetime, short_date, short_datetime, t

ITEM_TITLE_MAX = 80


def clip(text: str, limit: int = ITEM_TITLE_MAX) -> str:
    """A long title cut for a one-line summary; the full text stays in the record."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Voice:
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

    def recurrence(self, rule: Recurrence) -> str:
        """"cada viernes a las 10:00", "every other Friday at 10:00", "el primer jueves
        de cada mes a las 09:00"."""
        weekday, at = self.t(f"weekday.{rule.weekday}"), rule.at.strftime("%H:%M")
        if rule.week_of_month is not None:
            return self.t("series.monthly", week=self.t(f"series.week.{rule.week_of_month}"),
                          weekday=weekday, time=at)
        key = "series.weekly" if rule.every_weeks == 1 else "series.biweekly"
        return self.t(key, weekday=weekday, time=at)

    def stamp(self, moment: datetime) -> str:
        return short_datetime(self.lang, moment.astimezone(self.tz))

    def action_line(self, action: ActionView) -> str:
        parts = [self.t("action.line", ref=action.ref, text=clip(action.text),
                        status=label(self.lang, "action_status", action.status))]
        if action.owner or action.owner_entity:
            parts.append(self.person(action.owner) if action.owner else action.owner_entity or "")
        if action.due_on is not None:
            parts.append(self.t("action.due_short", due=short_date(self.lang, action.due_on)))
        if action.days_overdue:
            parts.append(self.overdue_words(action.days_overdue))
        if action.slips:
            parts.append(self.slipped_words(action.slips))
        if action.status == ActionStatus.BLOCKED:
            parts.append(self.t("action.blocked_why", reason=self.blocked_words(
                action.blocked_reason, action.blocked_detail)))
        return " · ".join(parts)

    def quote(self, text: str) -> str:
        """Quoted as the language quotes: «así» in Spanish, “like this” in English."""
        return self.t("format.quote", text=text)

    def blocked_words(self, reason: str | None, detail: str) -> str:
        """Why an action is blocked: the reason, and the detail in brackets if any."""
        words = label(self.lang, "blocked_reason", reason)
        return f"{words} ({detail})" if detail else words

    def slipped_words(self, slips: int) -> str:
        return self.t("action.slipped_one") if slips == 1 else self.t("action.slipped",
                                                                      slips=slips)

    def overdue_words(self, days: int) -> str:
        return self.t("action.overdue_one") if days == 1 else self.t("action.overdue", days=days)

    def compact_line(self, action: ActionView, fact: str) -> str:
        """Reference, short text, owner and the one fact a section is about."""
        owner = self.person(action.owner) if action.owner else action.owner_entity or "—"
        return f"{action.ref} {self.quote(clip(action.text, 50))} · {owner} · {fact}"

    def history_line(self, h: HistoryLine) -> str:
        """One recorded change: when, who, what, on which reference."""
        return self.t("history.line", when=self.stamp(h.at),
                      actor=h.actor.name if h.actor else self.t("history.system"),
                      what=self.t(f"kind.{h.kind}"), subject=h.subject)

    def progress_line(self, item: ProgressView) -> str:
        return self.t("progress.line", ref=item.ref, when=self.stamp(item.at),
                      author=item.author.name, text=clip(item.text, 200))

    def bottleneck_line(self, view: BottleneckView) -> str:
        return self.t(
            "matrix.item", ref=view.ref, title=clip(view.title),
            owner_class=label(self.lang, "owner_short", view.owner_class),
            cause=label(self.lang, "root_cause", view.root_cause),
            priority=view.priority if view.priority is not None else "—",
            entity=view.responsible_entity or "—",
        )

    def _section(
        self, reply: Reply, heading_key: str, items: list[str], *, always: bool = False,
        more: int = 0,
    ) -> None:
        """A heading and its items, and how many more it holds; an empty section is
        left out unless ``always``."""
        if not items and not always:
            return
        reply.add(self.t(heading_key), Style.HEADING)
        for item in items or [self.t("agenda.none")]:
            reply.add(item, Style.ITEM)
        self._more(reply, more)

    def _more(self, reply: Reply, count: int, style: Style = Style.ITEM) -> None:
        """"and 37 more": what a list leaves out is counted, not hidden."""
        if count:
            reply.add(self.t("agenda.more", count=count), style)

    def page(self, reply: Reply, page: int, command: str) -> Reply:
        return paginate(reply, page, command, previous=self.t("page.previous"),
                        following=self.t("page.next"))

    def setting_lines(self, schedule: Schedule) -> dict[str, str]:
        """Each setting in words, by the name ``mesabot mesa set`` knows it by."""
        hours = ", ".join(str(h) for h in schedule.ping_hours)
        return {field: self.t(key, **params) for field, key, params in (
            ("ping_hours", "settings.pings", {"hours": hours}),
            ("agenda_hours", "settings.agenda", {"hours": schedule.agenda_hours}),
            ("grace_days", "settings.grace", {"days": schedule.grace_days}),
            ("day_hours", "settings.day", {"starts": schedule.day_starts,
                                           "ends": schedule.day_ends}),
            ("priority_limit", "settings.limit", {"limit": schedule.priority_limit}),
            ("cadence", "settings.cadence",
             {"cadence": self.t(f"cadence.{schedule.cadence}")}),
            ("timezone", "settings.timezone", {"timezone": schedule.timezone}),
        )}
