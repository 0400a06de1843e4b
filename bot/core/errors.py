"""Domain errors: what went wrong, as a code and the facts a face needs to explain it.

Faces render ``error.<code>`` from the message catalogs with ``params``; nothing here
is user-facing text.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the user can act on. Nothing was written when one is raised."""

    code = "domain"

    def __init__(self, **params: Any) -> None:
        super().__init__(f"{self.code}: {params}")
        self.params: dict[str, Any] = params


class NotAMember(DomainError):
    """The person has no role in any mesa (or not in the one named)."""

    code = "not_a_member"


class AwaitingApproval(DomainError):
    """The person's role in this mesa waits for a coordinator's approval."""

    code = "awaiting_approval"


class EntityRequired(DomainError):
    """An official speaks for a public entity; a private representative never for one."""

    code = "entity_required"


class LastCoordinator(DomainError):
    """Removing the last coordinator would leave nobody to run the mesa from chat."""

    code = "last_coordinator"


class NotParticipant(DomainError):
    """An observer or a high-level member cannot own an action."""

    code = "not_participant"


class SameSuccessor(DomainError):
    code = "same_successor"


class OwnRequest(DomainError):
    """Nobody approves their own request."""

    code = "own_request"


class RequestChanged(DomainError):
    """The request a coordinator approves is not the one they were shown any more."""

    code = "request_changed"


class UnknownMember(DomainError):
    code = "unknown_member"


class UnknownMesa(DomainError):
    code = "unknown_mesa"


class ChooseMesa(DomainError):
    """The person is in several mesas and did not say which one."""

    code = "choose_mesa"


class NotInGroup(DomainError):
    """Linking is done from inside the group to be linked."""

    code = "not_in_group"


class InvitationInvalid(DomainError):
    """Unknown, used up or expired: said the same way, so codes cannot be probed."""

    code = "invitation_invalid"


class NothingToApprove(DomainError):
    code = "nothing_to_approve"


class SessionNotFound(DomainError):
    code = "session_not_found"


class SessionNotYet(DomainError):
    """A session cannot be marked held before it starts."""

    code = "session_not_yet"


class SessionClosed(DomainError):
    code = "session_closed"


class AgendaNotSent(DomainError):
    """A session held or cancelled whose agenda the bot never sent: there is no agenda
    "as it was sent" to show."""

    code = "agenda_not_sent"


class SeriesNone(DomainError):
    """No series of sessions of that kind is running, so none can be ended."""

    code = "series_none"


class SeriesDayUnreadable(DomainError):
    """A series needs one weekday ("cada viernes 10:00"), not a date."""

    code = "series_day"


class SeriesMonthUnreadable(DomainError):
    """A monthly series needs the week of the month, a weekday and a time ("primer
    jueves del mes 9:00"); a fifth week is refused, as most months have none."""

    code = "series_month"


class UnknownEntity(DomainError):
    code = "unknown_entity"


class NotFound(DomainError):
    """No such reference in this mesa; says the same whether it exists elsewhere or not."""

    code = "not_found"


class NotEscalated(DomainError):
    """Only an item the ministers were shown in a digest can be answered from it."""

    code = "not_escalated"


class BadReference(DomainError):
    code = "bad_reference"


class Forbidden(DomainError):
    """The actor's role does not allow this; ``allowed`` names who may."""

    code = "forbidden"


class NotYourEntity(DomainError):
    """Only an official of the owning entity may confirm its commitments."""

    code = "not_your_entity"


class NotReporter(DomainError):
    code = "not_reporter"


class InvalidState(DomainError):
    """The item is not in a state where this makes sense (``status`` says which it is);
    ``instead``, when given, names the command that does what was meant ("deadline":
    a confirmed action's date moves with /plazo; "claim": take it first)."""

    code = "invalid_state"


class AlreadyClaimed(DomainError):
    code = "already_claimed"


class AssignedElsewhere(DomainError):
    code = "assigned_elsewhere"


class NeedsDueDate(DomainError):
    code = "needs_due_date"


class DateUnreadable(DomainError):
    code = "date_unreadable"


class NotYoursToSettle(DomainError):
    """Resolving a bottleneck would close or move ``actions`` someone else answers for:
    only their owner, an official of their entity or a coordinator may."""

    code = "not_yours_to_settle"


class OpenActionsLeft(DomainError):
    """A bottleneck to resolve still has open actions (``actions``): what becomes of
    them is asked, never guessed."""

    code = "open_actions_left"


class AlreadyBlocked(DomainError):
    """Blocked again for the very reason it is blocked for: nothing to change."""

    code = "already_blocked"


class DateVague(DomainError):
    """A time, not a day ("la otra semana", "a fines de diciembre"): ``suggestion`` is
    the day to type instead."""

    code = "date_vague"


class DatePast(DomainError):
    code = "date_past"


class DateWeekdayMismatch(DomainError):
    code = "date_weekday_mismatch"


class DateTooFar(DomainError):
    """Beyond the farthest date accepted (``limit``): a slip, not a plan."""

    code = "date_too_far"


class DateAmbiguous(DomainError):
    """The words can be split into a date and a reason in ways that give different
    dates; ``readings`` lists each (date, the words read as the date, the reason)."""

    code = "date_ambiguous"


class TimeUnreadable(DomainError):
    code = "time_unreadable"


class TooLong(DomainError):
    code = "too_long"


class EmptyText(DomainError):
    code = "empty_text"


class PriorityLimit(DomainError):
    """The prioritized few are full; ``current`` lists them so one can be swapped out."""

    code = "priority_limit"


class NotPrioritizable(DomainError):
    code = "not_prioritizable"


class NotTriaged(DomainError):
    code = "not_triaged"


class BadTriage(DomainError):
    code = "bad_triage"


class BadValue(DomainError):
    """A value outside its allowed set (a role, a blocked reason, a language)."""

    code = "bad_value"


class ChannelNotLinked(DomainError):
    """Private notices cannot go to a platform the member has no account on."""

    code = "channel_not_linked"


class AccountTaken(DomainError):
    """An account cannot be linked: it belongs to another member (``own`` False), or
    the member already has one on that platform (``own`` True)."""

    code = "account_taken"


class LinkCodeInvalid(DomainError):
    """A link code used, expired or typed on the wrong platform: said one way."""

    code = "link_code_invalid"


class Conflict(DomainError):
    """Something already exists under that name."""

    code = "conflict"
