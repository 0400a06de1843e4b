"""A reply as structure, not markup: lines with a role, and buttons that carry commands.

Each face renders it (plain text, Telegram HTML with every line escaped, Block Kit), so
no user text ever reaches a platform as formatting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Style(StrEnum):
    TITLE = "title"
    HEADING = "heading"
    TEXT = "text"
    ITEM = "item"
    SUBITEM = "subitem"
    NOTE = "note"
    ERROR = "error"


@dataclass(frozen=True)
class Line:
    text: str
    style: Style = Style.TEXT


@dataclass(frozen=True)
class Button:
    """A tap that stands for a command, so a face without buttons can show the command."""

    label: str
    command: str


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply (the agenda's documents, a session's invitation):
    each face sends it its own way, after the reply's text."""

    filename: str
    content: bytes
    mime_type: str


@dataclass
class Reply:
    lines: list[Line] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    #: The one item this reply is about (an action, "A-12"), so that a face can read a
    #: reply to the message as progress on it.
    subject: str | None = None
    #: A step of a choice (the next buttons to press): a face may show it in place of
    #: the message whose button led here, instead of adding a message.
    replaces: bool = False
    #: What only the person who asked may read (an invitation link, the names of their
    #: other mesas): in a group a face sends it to their private chat, elsewhere below.
    private: Reply | None = None
    #: Files sent after the text, in order.
    attachments: list[Attachment] = field(default_factory=list)

    def add(self, text: str, style: Style = Style.TEXT) -> Reply:
        self.lines.append(Line(text, style))
        return self

    @property
    def is_error(self) -> bool:
        return any(line.style is Style.ERROR for line in self.lines)


#: Lines on one page of a long list: about a phone screen or two.
PAGE_LINES = 30


def paginate(reply: Reply, page: int, command: str, *, previous: str, following: str
             ) -> Reply:
    """Page ``page`` (from 1) of a long list; the title stays on every page and the
    buttons lead to the pages around it (``command`` plus the page number)."""
    head = [line for line in reply.lines[:1] if line.style is Style.TITLE]
    body = reply.lines[len(head):]
    pages = max(1, -(-len(body) // PAGE_LINES))
    if pages == 1:
        return reply
    page = min(max(page, 1), pages)
    shown = Reply(lines=head + body[(page - 1) * PAGE_LINES: page * PAGE_LINES],
                  subject=reply.subject, replaces=True)
    shown.add(f"{page}/{pages}", Style.NOTE)
    if page > 1:
        shown.buttons.append(Button(f"◀ {previous}", f"{command} {page - 1}"))
    if page < pages:
        shown.buttons.append(Button(f"{following} ▶", f"{command} {page + 1}"))
    return shown
