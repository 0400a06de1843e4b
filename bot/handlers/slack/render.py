"""Replies as Block Kit messages for ``chat.postMessage`` and ``chat.update``: every
piece of user text escaped, formatting from the reply's structure only, and long
replies split cleanly within Slack's limits.

How user text is made harmless, and why this way:

- ``&``, ``<`` and ``>`` become ``&amp;``, ``&lt;`` and ``&gt;`` (Slack's own rule),
  because Slack reads ``<...>`` as a control sequence: ``<!channel>`` would notify a
  whole channel, ``<@U1>`` mention someone, ``<https://x|y>`` show a link whose words
  lie about where it goes.
- ``*``, ``_``, ``~`` and the backtick have no escape in mrkdwn. A zero-width space is
  no cure: Slack takes it as a word boundary, which is how people *force* bold inside a
  word, so inserting one can make formatting rather than stop it. Slack formats only
  at word boundaries, so each marker that could open or close a span (any backtick;
  ``*``, ``_``, ``~`` unless between two ASCII letters or digits) becomes a look-alike
  (∗ ˍ ∼ ˋ), as jsx-slack does; inside a word (``juan_perez``) it stays as typed, so
  names and addresses still read and copy right.
- ``>`` at the start of a line is a quote even as ``&gt;`` (Slack stores quotes so), so
  a soft hyphen goes before it.
- Every mrkdwn text object has ``verbatim: true``: otherwise Slack links bare URLs and
  channel names and parses some mentions by itself. With it, only ``<...>`` sequences
  link or mention, and user text has none left.
- Button labels are plain_text, which Slack never parses: they go as written.

Titles and headings are bold sections rather than header blocks: a header is
plain_text of at most 150 characters, which would need a second escaping rule and a
second way to cut; one rule for every text is easier to trust. Notes go in context
blocks (small, grey). Sizes are counted in UTF-16 units, never fewer than characters,
so a line of emoji cannot pass a limit however Slack counts.

Besides the documented limits (50 blocks, 3,000 characters a text), Slack rejects a
message whose blocks hold in all somewhere above 13,000 characters
(``msg_blocks_too_long``, slackapi/bolt-js#2509), so a message's texts are kept under
``MESSAGE_BUDGET``. Where ``subject``, ``replaces``, ``private`` and ``attachments``
go is the face's choice, as on Telegram; this module renders lines and buttons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from bot.commands.reply import Button, Line, Reply, Style
from bot.commands.words import find

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS = 25
#: What the texts of one message's blocks may hold together (see the docstring).
MESSAGE_BUDGET = 11_000
#: The fallback ``text`` is for notifications and screen readers: a screenful.
MAX_FALLBACK = 3000

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
#: A command as the shared catalogs write it ("/tomar A-3"): on Slack there is one slash
#: command, so it reads "/mesa tomar A-3" (a URL's path or "y/o" are not commands).
_COMMAND = re.compile(r"(?<![\w/.:])/([^\W\d][\w]*)(?=( [^\W\d][\w]*)?)")
#: What follows "/mesa" in a text already written for Slack.
_SLACK_WORDS = ("unirme", "join")
_QUOTE = re.compile(r"^([ \t]*)&gt;", re.MULTILINE)
#: Room left for a line's prefix and markers when a long line is cut.
_ROOM = MAX_TEXT - 16

Kind = Literal["section", "context"]


class Message(TypedDict):
    """Keyword arguments for ``chat.postMessage`` / ``chat.update`` (with a channel)."""

    text: str
    blocks: list[dict[str, Any]]


def size(text: str) -> int:
    """Length in UTF-16 units: what JavaScript counts, and never less than Python's."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _in_word(text: str, i: int) -> bool:
    def word(ch: str) -> bool:
        return ch.isascii() and ch.isalnum()

    return 0 < i < len(text) - 1 and word(text[i - 1]) and word(text[i + 1])


def escape(text: str) -> str:
    """User text as mrkdwn that shows as typed and can neither format, link nor mention."""
    out = []
    for i, ch in enumerate(text):
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _LOOKALIKES and (ch == "`" or not _in_word(text, i)):
            out.append(_LOOKALIKES[ch])
        else:
            out.append(ch)
    return _QUOTE.sub("\\1\u00ad&gt;", "".join(out))


def _cost(text: str) -> int:
    """An upper bound of ``size(escape(text))``, counted piece by piece."""
    return size(text) + 4 * text.count("&") + 3 * text.count("<") + 4 * text.count(">")


def _cut(text: str, room: int) -> list[str]:
    """``text`` in pieces that each escape within ``room``, cut at spaces when it can."""
    chunks: list[str] = []
    current, used = "", 0
    for word in text.split(" "):
        cost = _cost(word)
        if current and used + 1 + cost > room:
            chunks.append(current)
            current, used = "", 0
        if cost > room:  # a word longer than a whole text: cut it where it must be
            if current:
                current, used = current + " ", used + 1
            for ch in word:
                if current and used + _cost(ch) > room:
                    chunks.append(current)
                    current, used = "", 0
                current, used = current + ch, used + _cost(ch)
            continue
        current, used = (f"{current} {word}", used + 1 + cost) if current else (word, cost)
    if current:
        chunks.append(current)
    return chunks


@dataclass(frozen=True)
class _Piece:
    kind: Kind
    mrkdwn: str
    plain: str


_PREFIX = {Style.ITEM: "• ", Style.SUBITEM: "    ◦ ", Style.ERROR: "⚠️ "}


def _piece(text: str, style: Style) -> _Piece:
    safe = escape(text)
    if style in (Style.TITLE, Style.HEADING):
        segments = [s.strip() for s in safe.split("\n")]
        bold = "\n".join(f"*{s}*" if s else "" for s in segments)
        return _Piece("section", bold, "\n".join(segments))
    kind: Kind = "context" if style is Style.NOTE else "section"
    shown = _PREFIX.get(style, "") + safe
    return _Piece(kind, shown, shown)


def _pieces(text: str, style: Style) -> list[_Piece]:
    """One line, cut between words into pieces that each fit a text object; the bullet
    goes on the first piece only, so the rest read as the same item."""
    whole = _piece(text, style)
    if size(whole.mrkdwn) <= MAX_TEXT:
        return [whole]
    rest = style if style in (Style.TITLE, Style.HEADING, Style.NOTE) else Style.TEXT
    return [_piece(chunk, style if i == 0 else rest)
            for i, chunk in enumerate(_cut(text, _ROOM))]


def _text(kind: Kind, text: str) -> dict[str, Any]:
    obj = {"type": "mrkdwn", "text": text, "verbatim": True}
    if kind == "context":
        return {"type": "context", "elements": [obj]}
    return {"type": "section", "text": obj}


def _clip(text: str, limit: int) -> str:
    """The longest start of ``text`` within ``limit`` UTF-16 units."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return text[:i]
    return text


def _label(button: Button) -> str:
    label = button.label.strip() or button.command
    return label if size(label) <= MAX_BUTTON_TEXT else _clip(label, MAX_BUTTON_TEXT - 1) + "…"


def actions(buttons: list[Button]) -> list[dict[str, Any]]:
    """Actions blocks of at most 25 buttons each; a button's value is its command, and
    its ``action_id`` (``cmd-0``, ``cmd-1`` ...) is unique within the message."""
    elements = [
        {"type": "button", "text": {"type": "plain_text", "text": _label(b), "emoji": True},
         "value": b.command, "action_id": f"cmd-{i}"}
        for i, b in enumerate(b for b in buttons if 0 < len(b.command) <= MAX_BUTTON_VALUE)
    ]
    elements = elements[: MAX_ACTIONS * (MAX_BLOCKS - 1)]
    return [{"type": "actions", "elements": elements[i : i + MAX_ACTIONS]}
            for i in range(0, len(elements), MAX_ACTIONS)]


def _fallback(plain: list[str]) -> str:
    """The message as plain text, cut at a line end when it is longer than a screenful."""
    text = "\n".join(plain).strip()
    if size(text) > MAX_FALLBACK:
        text = _clip(text, MAX_FALLBACK - 1)
        head, newline, _ = text.rpartition("\n")
        text = (head if newline and head.strip() else text).rstrip() + "…"
    return text or "…"


@dataclass
class _Draft:
    blocks: list[tuple[Kind, list[str]]] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    used: int = 0


def render(reply: Reply) -> list[Message]:
    """The messages to send for ``reply``, in order; the buttons go under the last."""
    buttons = actions(reply.buttons)
    room = MAX_BLOCKS - len(buttons)  # every message leaves room for them: simpler
    drafts = [_Draft()]
    for line in reply.lines:
        for piece in _pieces(line.text, line.style):
            draft, cost = drafts[-1], size(piece.mrkdwn)
            last = draft.blocks[-1] if draft.blocks else None
            if not piece.mrkdwn.strip() and (last is None or last[0] != piece.kind):
                continue  # Slack refuses an empty text, and a blank opens nothing
            fits = draft.used + 1 + cost <= MESSAGE_BUDGET
            if (last and last[0] == piece.kind and fits
                    and size("\n".join(last[1])) + 1 + cost <= MAX_TEXT):
                last[1].append(piece.mrkdwn)
            else:
                if len(draft.blocks) >= room or not fits:
                    draft = _Draft()
                    drafts.append(draft)
                draft.blocks.append((piece.kind, [piece.mrkdwn]))
            draft.plain.append(piece.plain)
            draft.used += cost + 1
    if not drafts[0].blocks:
        drafts[0].blocks.append(("section", ["…"]))
    messages = [
        Message(text=_fallback(d.plain),
                blocks=[_text(kind, "\n".join(texts)) for kind, texts in d.blocks])
        for d in drafts
    ]
    messages[-1]["blocks"].extend(buttons)
    return messages


def _slash(text: str) -> str:
    def spoken(match: re.Match[str]) -> str:
        word, following = match.group(1), (match.group(2) or "").strip()
        if word.lower() == "mesa" and following and (
                following.lower() in _SLACK_WORDS or find(following) is not None):
            return match.group(0)  # already "/mesa tomar", "/mesa unirme"
        return f"/mesa {word}" if find(word) is not None else match.group(0)

    return _COMMAND.sub(spoken, text)


def slash_commands(reply: Reply) -> Reply:
    """``reply`` with each command it names written as typed on Slack: ``/mesa tomar``
    for ``/tomar`` (the buttons carry the command itself, not text)."""
    return Reply(lines=[Line(_slash(line.text), line.style) for line in reply.lines],
                 buttons=reply.buttons, subject=reply.subject, replaces=reply.replaces,
                 private=slash_commands(reply.private) if reply.private else None,
                 attachments=reply.attachments)
