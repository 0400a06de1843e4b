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

    def add(self, text: str, style: Style = Style.TEXT) -> Reply:
        self.lines.append(Line(text, style))
        return self

    @property
    def is_error(self) -> bool:
        return any(line.style is Style.ERROR for line in self.lines)
