"""How actions are told: a promise confirmed or assigned, a date moved, a block, and
one action whole (``/ver A-12``); a due date on a day off is said with each."""

from __future__ import annotations

from bot.commands.reply import Reply, Style
from bot.commands.voice import Voice
from bot.core.confirmations import Confirmed
from bot.core.views import ActionDetail, ActionView
from bot.i18n import label


class ActionWords(Voice):
    def action_detail(self, detail: ActionDetail) -> Reply:
        """``/ver A-12``: the action, its bottleneck, who has it, every move of its date
        and why, its progress and its history."""
        view = detail.action
        reply = Reply().add(self.t("action.detail_title", ref=view.ref, text=view.text),
                            Style.TITLE)
        reply.add(self.t("action.detail_about", ref=detail.bottleneck.ref,
                         title=detail.bottleneck.title))
        owner = (self.person(view.owner) if view.owner else view.owner_entity
                 or self.t("action.detail_nobody"))
        reply.add(self.t("action.detail_status",
                         status=label(self.lang, "action_status", view.status), owner=owner,
                         proposer=self.person(view.proposer)))
        if view.due_on is not None:
            due = self.t("action.detail_due", due=self.day(view.due_on))
            if view.days_overdue:
                due += " " + self.overdue_words(view.days_overdue) + "."
            reply.add(due)
            self.day_off_note(reply, view)
        if view.status == "blocked":
            reply.add(self.t("action.blocked_why", reason=self.blocked_words(
                view.blocked_reason, view.blocked_detail)))
        self._section(reply, "action.moves", [
            self.t("action.move_first" if m.old is None else "action.move_line",
                   when=self.stamp(m.at), by=m.by.name if m.by else self.t("history.system"),
                   old=self.day(m.old) if m.old else "", new=self.day(m.new),
                   reason=m.reason or "—")
            for m in detail.moves
        ])
        self._section(reply, "bottleneck.progress",
                      [self.progress_line(p) for p in detail.progress])
        self._section(reply, "bottleneck.history", [self.history_line(h) for h in detail.history])
        return reply

    def confirmed(self, result: Confirmed) -> Reply:
        """The reminder note speaks to whoever will get the pings: the confirmer if they
        own the action, else the owner by name; and says so when no session is set yet."""
        view = result.action
        assert view.due_on is not None
        reply = Reply().add(self.t("action.confirmed", ref=view.ref,
                                   owner=self.person(view.owner), due=self.day(view.due_on)))
        key = "action.reminder_note" if result.by_owner else "action.reminder_note_owner"
        if result.next_session is None:
            key += "_no_session"
        owner = view.owner.name if view.owner is not None else "—"
        self.day_off_note(reply, view)
        return reply.add(self.t(key, owner=owner), Style.NOTE)

    def day_off_note(self, reply: Reply, view: ActionView) -> Reply:
        """A due date on a holiday or a weekend is kept, and said: the owner may have
        meant a working day."""
        if view.due_off is None or view.due_on is None:
            return reply
        day = self.day(view.due_on)
        name = view.due_off.get(self.lang) or next(iter(view.due_off.values()), "")
        if name:
            return reply.add(self.t("action.due_holiday", due=day, holiday=name), Style.NOTE)
        return reply.add(self.t("action.due_weekend", due=day), Style.NOTE)

    def assigned(self, view: ActionView) -> Reply:
        if view.owner is not None:
            reply = Reply().add(self.t("action.assigned_member", ref=view.ref,
                                       owner=self.person(view.owner)))
        else:
            reply = Reply().add(self.t("action.assigned_entity", ref=view.ref,
                                       entity=view.owner_entity))
        if view.due_on is not None:
            reply.add(self.t("action.due", due=self.day(view.due_on)))
        return self.day_off_note(reply, view)

    def blocked(self, view: ActionView) -> Reply:
        reason = self.blocked_words(view.blocked_reason, view.blocked_detail)
        if view.previous_blocked is not None:  # blocked again: what it was is said
            was = self.blocked_words(*view.previous_blocked)
            return Reply().add(self.t("action.blocked_again", ref=view.ref, was=was,
                                      reason=reason))
        return Reply().add(self.t("action.blocked", ref=view.ref, reason=reason))

    def due_moved(self, view: ActionView) -> Reply:
        assert view.due_on is not None
        old = view.previous_due_on
        reply = Reply().add(self.t("action.due_moved", ref=view.ref, due=self.day(view.due_on),
                                   old=self.day(old) if old else "—", slips=view.slips))
        return self.day_off_note(reply, view)
