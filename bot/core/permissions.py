"""Who may do what, by role. The README's permission table is this table.

Some rules depend on more than the role (only an official of the owning entity confirms
its commitment; only the reporter agrees a bottleneck is solved); those are checked in
the use case, after this table lets the role through.
"""

from __future__ import annotations

from enum import StrEnum

from bot.core.enums import Role
from bot.core.errors import Forbidden


class Op(StrEnum):
    READ = "read"
    LOG_BOTTLENECK = "log_bottleneck"
    TRIAGE = "triage"
    PRIORITIZE = "prioritize"
    RESOLVE = "resolve"
    PROPOSE_ACTION = "propose_action"
    CLAIM = "claim"
    CONFIRM = "confirm"
    ASSIGN = "assign"
    POST_PROGRESS = "post_progress"
    UPDATE_ACTION = "update_action"
    SCHEDULE_SESSION = "schedule_session"
    COMPILE_AGENDA = "compile_agenda"
    LINK_CHAT = "link_chat"
    INVITE = "invite"
    REMOVE_MEMBER = "remove_member"
    ANSWER_ESCALATION = "answer_escalation"


_ALL = frozenset(Role)
_PARTICIPANTS = frozenset({Role.PRIVATE_REP, Role.PUBLIC_OFFICIAL, Role.COORDINATOR})
#: Roles that may own an action.
PARTICIPANTS = _PARTICIPANTS
_TEAM = frozenset({Role.COORDINATOR})

ALLOWED: dict[Op, frozenset[Role]] = {
    Op.READ: _ALL,
    Op.LOG_BOTTLENECK: _PARTICIPANTS,
    Op.TRIAGE: _TEAM,
    Op.PRIORITIZE: _TEAM,
    # The reporter agrees it is solved; a coordinator may do it on their behalf.
    Op.RESOLVE: _PARTICIPANTS,
    Op.PROPOSE_ACTION: _PARTICIPANTS,
    Op.CLAIM: _PARTICIPANTS,
    # Public officials confirm for their own entity; owners of private actions and
    # coordinators confirm the rest (checked in the use case).
    Op.CONFIRM: _PARTICIPANTS,
    Op.ASSIGN: _TEAM,
    Op.POST_PROGRESS: _PARTICIPANTS | {Role.HIGH_LEVEL},
    # Owner, an official of the owner's entity, or a coordinator (checked in the use case);
    # handing an action over to someone else is such an update.
    Op.UPDATE_ACTION: _PARTICIPANTS,
    Op.SCHEDULE_SESSION: _TEAM,
    Op.COMPILE_AGENDA: _ALL,
    Op.LINK_CHAT: _TEAM,
    Op.INVITE: _TEAM,
    # Taking someone out of the mesa; approving a role or entity change is INVITE.
    Op.REMOVE_MEMBER: _TEAM,
    # Seen / call a meeting / resolved, on an item of the ministers' digest.
    Op.ANSWER_ESCALATION: _TEAM | {Role.HIGH_LEVEL},
}


def require(role: Role, op: Op) -> None:
    """Raise :class:`Forbidden` unless ``role`` may perform ``op``."""
    allowed = ALLOWED[op]
    if role not in allowed:
        raise Forbidden(op=op.value, role=role.value, allowed=sorted(r.value for r in allowed))
