"""Every promise the bot makes is kept: each catalog sentence that speaks of something
that will happen names the job or the code that makes it happen.

The scan reads both catalogs for future tenses ("se le recordará", "le avisaré", "you
will be reminded", "I will let you know"). A new such sentence fails this test until it
is listed here, with what keeps it, or among the sentences that promise nothing the bot
must do. A scheduler job named here must exist in ``scheduler/jobs.py``, and the code
named must import; so a job or use case removed takes its promise's entry down with it.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

from bot.core.services import Services
from bot.i18n import en, es
from scheduler.jobs import build_scheduler

#: Spanish futures (recordará, avisaré, serán, hará, podrá) and "va a" + infinitive.
SPANISH_FUTURE = re.compile(r"\b\w*r(?:á|án|é|emos)\b|\bvan? a \w+r\b", re.IGNORECASE)
ENGLISH_FUTURE = re.compile(r"\b(?:will|shall|won't)\b|'ll\b|\bgoing to\b", re.IGNORECASE)


@dataclass(frozen=True)
class Kept:
    """What keeps a promise: the scheduler job that runs it (None when it is kept by a
    use case at the moment something happens), and the code that does it."""

    job: str | None
    code: str


PROMISES: dict[str, Kept] = {
    # "Se le recordará antes de cada sesión": the pings, 48 and 24 h before each
    # regular session, to every owner of an open commitment.
    "action.reminder_note": Kept("session-pings", "bot.core.reminders.Reminders.tick"),
    # The same said of the owner when a colleague confirmed ("Se le recordará a Jorge
    # Salas"), and with "la mesa aún no tiene ninguna programada" when no regular session
    # is scheduled: the pings come before the next one that is.
    "action.reminder_note_owner": Kept("session-pings", "bot.core.reminders.Reminders.tick"),
    "action.reminder_note_no_session": Kept("session-pings",
                                            "bot.core.reminders.Reminders.tick"),
    "action.reminder_note_owner_no_session": Kept("session-pings",
                                                  "bot.core.reminders.Reminders.tick"),
    # "El equipo lo verá en la agenda": the agenda delivered 2 h before the session
    # lists the blocked actions (and the team is told at once, by the block itself).
    "action.blocked": Kept("session-agendas", "bot.core.agenda_delivery.AgendaDelivery.tick"),
    "action.blocked_again": Kept("session-agendas",
                                 "bot.core.agenda_delivery.AgendaDelivery.tick"),
    # "El equipo lo clasificará antes de la sesión": people triage; the bot's part is to
    # tell the team now (bottleneck_logged) and to put it under "Por clasificar" in the
    # agenda delivered before the session.
    "bottleneck.next_session": Kept("session-agendas",
                                    "bot.core.agenda_delivery.AgendaDelivery.tick"),
    "bottleneck.next_no_session": Kept("session-agendas",
                                       "bot.core.agenda_delivery.AgendaDelivery.tick"),
    # "Las sesiones serán cada viernes a las 10:00": the series keeps the next ones
    # scheduled.
    "notice.series_started": Kept("session-series", "bot.core.series.Series.top_up"),
    "notice.series_started_high_level": Kept("session-series", "bot.core.series.Series.top_up"),
    # "Le avisaré" (when a coordinator approves the role): the approval queues
    # role_approved to the member in its own transaction.
    "joined.pending": Kept(None, "bot.core.invitations.Invitations.approve"),
    "error.awaiting_approval": Kept(None, "bot.core.invitations.Invitations.approve"),
    # "Le hablaré en español": replies and notices are rendered in the member's language.
    "language.set": Kept(None, "bot.core.notices.Outbox.pending"),
    # "Sus avisos privados irán por Slack": every private notice written after the
    # choice is addressed, as it is inserted, to the platform chosen.
    "channel.chosen": Kept(None, "bot.core.channels.notice_platform"),
    # "la cuenta que lo use quedará con su nombre": the code links the account that
    # types it to the member who asked, once.
    "link.offer_note": Kept(None, "bot.core.account_links.redeem"),
}

#: Sentences in a future tense that promise nothing the bot must later do.
NOT_PROMISES: dict[str, str] = {
    "help.drop": "describes an action that will not be done",
    "error.session_not_yet": "says when a session may be marked held, not that it will be",
    "slack.form_action_placeholder": "asks what the action's owner will do, in the form",
    "slack.form_action_empty": "asks what the action's owner will do, in the form",
}


def _future_keys() -> set[str]:
    found = {k for k, v in es.MESSAGES.items() if SPANISH_FUTURE.search(v)}
    return found | {k for k, v in en.MESSAGES.items() if ENGLISH_FUTURE.search(v)}


def test_the_scan_finds_the_promises_people_read() -> None:
    """The patterns catch the sentences the issue names, in both languages."""
    for sentence in ("Se le recordará antes de cada sesión.", "Le avisaré.",
                     "Recibirá la agenda.", "Se le va a recordar."):
        assert SPANISH_FUTURE.search(sentence), sentence
    for sentence in ("You will be reminded before each session.", "I will let you know.",
                     "You'll get the agenda."):
        assert ENGLISH_FUTURE.search(sentence), sentence
    assert not SPANISH_FUTURE.search("El equipo fue avisado.")
    assert not ENGLISH_FUTURE.search("The team was told.")


def test_every_sentence_about_the_future_names_what_keeps_it() -> None:
    found = _future_keys()
    unlisted = sorted(found - set(PROMISES) - set(NOT_PROMISES))
    assert unlisted == [], (
        "new sentences speak of something that will happen: list each in PROMISES with "
        f"the job or code that keeps it, or reword it to what is true: {unlisted}")
    stale = sorted((set(PROMISES) | set(NOT_PROMISES)) - found)
    assert stale == [], f"these keys no longer promise anything; drop them: {stale}"


async def test_each_promise_is_kept_by_a_scheduled_job_or_code_that_exists(
    services: Services,
) -> None:
    scheduler = build_scheduler(services, platforms=[])
    for key, kept in PROMISES.items():
        module, owner, name = kept.code.rsplit(".", 2)
        assert callable(getattr(getattr(importlib.import_module(module), owner), name)), key
        if kept.job is not None:
            assert scheduler.get_job(kept.job) is not None, (key, kept.job)
