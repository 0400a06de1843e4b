"""Replies as Telegram HTML: every piece of text escaped, formatting from the reply's
structure only, and messages split cleanly under Telegram's 4,096 characters."""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.commands.reply import Reply, Style

MAX_MESSAGE = 4096
#: Room left for tags around one line when a single line has to be cut.
_LINE_ROOM = MAX_MESSAGE - 64
MAX_CALLBACK_BYTES = 64
BUTTONS_PER_ROW = 3


@dataclass(frozen=True)
class Chunk:
    html: str
    markup: InlineKeyboardMarkup | None = None


def _wrap(text: str, style: Style) -> str:
    safe = html.escape(text, quote=False)
    if style in (Style.TITLE, Style.HEADING):
        return f"<b>{safe}</b>"
    if style is Style.ITEM:
        return f"• {safe}"
    if style is Style.SUBITEM:
        return f"    ◦ {safe}"
    if style is Style.NOTE:
        return f"<i>{safe}</i>"
    if style is Style.ERROR:
        return f"⚠️ {safe}"
    return safe


def _pieces(text: str, style: Style) -> list[str]:
    """One line as HTML, cut at spaces into pieces that each fit a message."""
    if len(_wrap(text, style)) <= MAX_MESSAGE:
        return [_wrap(text, style)]
    pieces, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(html.escape(candidate, quote=False)) > _LINE_ROOM // 2 and current:
            pieces.append(_wrap(current, style))
            current = word
        else:
            current = candidate
        while len(html.escape(current, quote=False)) > _LINE_ROOM // 2:
            pieces.append(_wrap(current[: _LINE_ROOM // 8], style))
            current = current[_LINE_ROOM // 8 :]
    if current:
        pieces.append(_wrap(current, style))
    return pieces


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    buttons = [
        InlineKeyboardButton(b.label[:60], callback_data=b.command)
        for b in reply.buttons
        if len(b.command.encode()) <= MAX_CALLBACK_BYTES
    ]
    if not buttons:
        return None
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows)


def render(reply: Reply) -> list[Chunk]:
    """The messages to send for ``reply``; buttons go under the last one."""
    texts: list[str] = []
    current = ""
    for line in reply.lines:
        for piece in _pieces(line.text, line.style):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) > MAX_MESSAGE:
                texts.append(current)
                current = piece
            else:
                current = candidate
    if current or not texts:
        texts.append(current or "…")
    markup = keyboard(reply)
    return [Chunk(t, markup if i == len(texts) - 1 else None) for i, t in enumerate(texts)]
