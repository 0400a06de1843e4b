"""The App Home: a person's open actions with their buttons, their mesas, and what is
overdue in the mesas they coordinate, published with ``views.publish``.

When it is published: each time the person opens the tab (Slack sends
``app_home_opened`` on every opening; it is stored in the inbox like every event), and
after they press one of its buttons (:meth:`bot.handlers.slack.listeners.Listeners.button`).
A change made anywhere else (a command, a button under a message, a coordinator's
assignment) shows the next time they open it, not at once: publishing everyone
concerned on every change would cost reads and a Web API call per command for a page
nobody may be looking at, and opening the tab already refreshes it.

The buttons are those of Telegram's pings and ``/mis_tareas`` (done, on track, blocked,
and confirm where the promise is not confirmed yet), each carrying its command as its
value, so a press runs the same command as anywhere else. A Home has no channel that
could name the mesa, so it is written in the ``block_id`` of each action's buttons
(``mesa:<n>:<slug>``, read back by :func:`mesa_of`): one place says where a press acts,
the command text stays the one the whole command language shares, and a press is still
checked by the core against the presser's role in that mesa.

Every text goes through :func:`bot.handlers.slack.render.render`, so user text is
escaped as in any message; the page keeps within a Home's 100 blocks, cutting long lists
with "y N más" and the command that shows them whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.commands.dispatch import DEFAULT_TZ, language_for
from bot.commands.present import Presenter
from bot.commands.reply import Button, Reply, Style
from bot.core.enums import ActionStatus, Role
from bot.core.errors import UnknownMember
from bot.core.members import Identity, MesaChoice
from bot.core.views import ActionView
from bot.handlers.slack.render import render, slash_commands
from bot.i18n import label, lang_of

if TYPE_CHECKING:
    from bot.handlers.slack.face import SlackFace

log = logging.getLogger(__name__)

#: Slack's limit of blocks in a Home view.
MAX_VIEW_BLOCKS = 100
#: Actions shown with their buttons (two blocks each); the rest are counted.
SHOWN_ACTIONS = 20
#: Overdue actions listed for each mesa the person coordinates.
SHOWN_OVERDUE = 8
#: Mesas listed.
SHOWN_MESAS = 20
#: How a block names the mesa its buttons act in.
BLOCK_PREFIX = "mesa:"
MAX_BLOCK_ID = 255
#: Not confirmed yet: the Home offers to confirm (a date is asked for if none is set).
UNCONFIRMED = (ActionStatus.PROPOSED, ActionStatus.CLAIMED)

Block = dict[str, Any]


def mesa_of(block_id: str | None) -> str | None:
    """The mesa a Home button acts in, from its block's id (None: not a Home block)."""
    if not block_id or not block_id.startswith(BLOCK_PREFIX):
        return None
    slug = block_id.split(":", 2)[-1]
    return slug or None


def _blocks(reply: Reply) -> list[Block]:
    """A reply's lines and buttons as blocks, escaped and cut as in any message."""
    return [block for message in render(slash_commands(reply)) for block in message["blocks"]]


@dataclass(frozen=True)
class _Mine:
    """One of the person's actions, with the mesa it belongs to."""

    mesa: MesaChoice
    action: ActionView

    @property
    def order(self) -> tuple[int, bool, date, str, str]:
        """Most overdue first, then the soonest due, then those with no date."""
        a = self.action
        return (-a.days_overdue, a.due_on is None, a.due_on or date.max, self.mesa.name, a.ref)


class Home:
    def __init__(self, face: SlackFace) -> None:
        self.face = face
        self.services = face.services

    async def opened(self, event: dict[str, Any]) -> None:
        """``app_home_opened``: the Home tab (not the Messages tab) shows it fresh."""
        if event.get("tab", "home") == "home" and event.get("user"):
            await self.publish(str(event["user"]))

    async def publish(self, user: str) -> None:
        """Publish ``user``'s Home as it is now."""
        view = {"type": "home", "blocks": await self.blocks(user)}
        await self.face.call(f"home:{user}", lambda: self.face.client.views_publish(
            user_id=user, view=view))

    async def blocks(self, user: str) -> list[Block]:
        try:
            identity: Identity | None = await self.services.members.identify(
                slack_user_id=user)
        except UnknownMember:
            identity = None
        hint = await self.face.locale(user)
        lang = language_for(identity, hint) if identity else lang_of(hint)
        if identity is None or not identity.mesas:
            return self._outsider(Presenter(lang, DEFAULT_TZ), identity)
        several = len(identity.mesas) > 1
        says = {c.slug: Presenter(lang, ZoneInfo(c.timezone)) for c in identity.mesas}
        say = says[identity.mesas[0].slug]
        mine: list[_Mine] = []
        late: list[tuple[MesaChoice, list[ActionView]]] = []
        for choice in identity.mesas:
            actor = identity.actor(choice.slug)
            mine += [_Mine(choice, a)
                     for a in await self.services.reading.my_actions(actor=actor)]
            if choice.role == Role.COORDINATOR:
                late.append((choice, await self.services.reading.overdue(actor=actor)))
        mine.sort(key=lambda m: m.order)
        groups = [_blocks(Reply().add(say.t("mytasks.title"), Style.TITLE))]
        if not mine:
            groups.append(_blocks(Reply().add(say.t("mytasks.empty"))))
        for n, item in enumerate(mine[:SHOWN_ACTIONS]):
            groups.append(self._action(says[item.mesa.slug], item, n, several=several))
        if len(mine) > SHOWN_ACTIONS:
            groups.append(_blocks(Reply().add(say.t("slack.home_more_actions",
                                                    count=len(mine) - SHOWN_ACTIONS),
                                              Style.NOTE)))
        groups.append(self._mesas(say, identity))
        for choice, actions in late:
            groups.append(self._overdue(says[choice.slug], choice, actions))
        groups.append(_blocks(Reply().add(say.t("slack.home_footer"), Style.NOTE)))
        return _fit(groups, _blocks(Reply().add(say.t("slack.home_cut"), Style.NOTE)))

    # the parts

    @staticmethod
    def _action(say: Presenter, item: _Mine, n: int, *, several: bool) -> list[Block]:
        """One action: its line (marked when overdue) and its buttons, in a block that
        names its mesa."""
        action = item.action
        line = say.action_line(action) + (f" · {item.mesa.name}" if several else "")
        reply = Reply()
        if action.days_overdue > 0:
            reply.add(f"⚠️ {line}")
        else:
            reply.add(line, Style.ITEM)
        if action.status in UNCONFIRMED:
            reply.buttons.append(Button(say.t("button.confirm_ref", ref=action.ref),
                                        f"/confirm {action.ref}"))
        reply.buttons.extend(say.update_buttons([action]))
        blocks = _blocks(reply)
        block_id = f"{BLOCK_PREFIX}{n}:{item.mesa.slug}"[:MAX_BLOCK_ID]
        for block in blocks:
            if block["type"] == "actions":
                block["block_id"] = block_id
        return blocks

    @staticmethod
    def _mesas(say: Presenter, identity: Identity) -> list[Block]:
        reply = Reply().add(say.t("slack.home_mesas"), Style.HEADING)
        for choice in identity.mesas[:SHOWN_MESAS]:
            reply.add(say.t("slack.home_mesa", mesa=choice.name,
                            role=label(say.lang, "role", choice.role)), Style.ITEM)
        if len(identity.mesas) > SHOWN_MESAS:
            reply.add(say.t("agenda.more", count=len(identity.mesas) - SHOWN_MESAS),
                      Style.NOTE)
        for _, name in identity.pending:
            reply.add(say.t("slack.home_pending", mesa=name), Style.ITEM)
        return _blocks(reply)

    @staticmethod
    def _overdue(say: Presenter, choice: MesaChoice, actions: list[ActionView]
                 ) -> list[Block]:
        """What is late in a mesa the person coordinates, most overdue first."""
        reply = Reply().add(say.t("slack.home_overdue", mesa=choice.name), Style.HEADING)
        if not actions:
            return _blocks(reply.add(say.t("overdue.empty")))
        for action in actions[:SHOWN_OVERDUE]:
            reply.add(say.action_line(action), Style.ITEM)
        if len(actions) > SHOWN_OVERDUE:
            reply.add(say.t("slack.home_more_overdue", count=len(actions) - SHOWN_OVERDUE),
                      Style.NOTE)
        return _blocks(reply)

    @staticmethod
    def _outsider(say: Presenter, identity: Identity | None) -> list[Block]:
        """Someone in no mesa: how to join, and any role that waits for approval."""
        reply = Reply().add(say.t("slack.home_join_title"), Style.TITLE)
        for _, name in identity.pending if identity else ():
            reply.add(say.t("slack.home_pending", mesa=name), Style.ITEM)
        return _blocks(reply.add(say.t("slack.unknown_person")))


def _fit(groups: list[list[Block]], cut: list[Block]) -> list[Block]:
    """The groups in order while they fit in a Home; if one does not, ``cut`` says so."""
    blocks: list[Block] = []
    for group in groups:
        if len(blocks) + len(group) > MAX_VIEW_BLOCKS - len(cut):
            return blocks + cut
        blocks += group
    return blocks
