"""Forms: the commands a face can offer as a form instead of a typed line (Slack's
modals). Their fields come already apart, so nothing is parsed out of one line; each
form is a handler of :mod:`bot.commands.run`, run by
:meth:`bot.commands.dispatch.Dispatcher.handle_form` with the same mesa, role,
errors and answers as the command it stands for, and one core call."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.reply import Reply
from bot.commands.run import Call, Handler, about
from bot.core.confirmations import Confirmed
from bot.core.enums import OwnerClass, RootCause

#: An action's owner in a form: the one who fills it in.
MINE = "!mine"


@dataclass(frozen=True)
class BottleneckForm:
    """A bottleneck as the reporter describes it. What they think of who must fix it
    and of its cause is their view, not the team's triage: it is kept in the detail,
    for the team to weigh when it classifies."""

    title: str
    detail: str = ""
    owner_class: OwnerClass | None = None
    root_cause: RootCause | None = None
    #: Where it was said first (a message turned into a bottleneck).
    link: str = ""

    def handler(self) -> Handler:
        async def log(c: Call) -> Reply:
            lines = [self.title.strip()]
            if self.detail.strip():
                lines.append(self.detail.strip())
            view = self._view(c)
            if view:
                lines.append(view)
            if self.link:
                lines.append(c.say.t("form.from_message", link=self.link))
            logged = await c.services.bottlenecks.log(
                actor=c.actor, text="\n".join(lines), source=c.source)
            return c.say.logged(logged)

        return log

    def _view(self, c: Call) -> str:
        said = []
        if self.owner_class is not None:
            said.append(c.say.t(f"owner_class.{self.owner_class.value}"))
        if self.root_cause is not None:
            said.append(c.say.t("form.cause", cause=c.say.t(
                f"root_cause.{self.root_cause.value}")))
        return c.say.t("form.reporter_view", view="; ".join(said)) if said else ""


@dataclass(frozen=True)
class ActionForm:
    """An action proposed with, at once, its owner and due date: ``owner`` empty for
    nobody yet, :data:`MINE` for the one proposing, else a member's handle or an
    entity (a coordinator's choice)."""

    bottleneck: str
    text: str
    owner: str = ""
    due: str = ""

    def handler(self) -> Handler:
        async def propose(c: Call) -> Reply:
            actions = c.services.actions
            if not self.owner:
                view = await actions.propose(actor=c.actor, bottleneck_ref=self.bottleneck,
                                             text=self.text, source=c.source)
                return about(c.say.proposed(view), view.ref)
            result = await actions.propose_owned(
                actor=c.actor, bottleneck_ref=self.bottleneck, text=self.text,
                owner=None if self.owner == MINE else self.owner, due=self.due or None,
                source=c.source)
            if isinstance(result, Confirmed):
                return about(c.say.confirmed(result), result.action.ref)
            if self.owner == MINE:
                return about(c.say.claimed(result, actor_role=c.role), result.ref)
            return about(c.say.assigned(result), result.ref)

        return propose
