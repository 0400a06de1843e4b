"""Text as people type it on phones: case and accents vary, meaning does not."""

from __future__ import annotations

import re
import unicodedata

# Control characters other than tab and newline: invisible on a phone, and NUL is not
# even storable in PostgreSQL text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Lone halves of a surrogate pair: not text at all, and no database driver can encode
# them (a Python string can hold one when a client sends broken JSON escapes).
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Invisible characters that change nothing a reader sees but make two equal titles
# differ, hide a blank one, or (the bidirectional overrides) make a line display in an
# order other than the one stored: zero-width space and non-joiner, word joiner, byte
# order mark, left-to-right and right-to-left marks, embeddings, overrides and isolates.
_INVISIBLE = re.compile(r"[\u200b\u200c\u200e\u200f\u2060\ufeff\u061c\u202a-\u202e\u2066-\u2069]")
# The zero-width joiner glues emoji into one ("👩‍🌾"); anywhere else it only hides.
_PICTOGRAPH = r"\U0001f000-\U0001faff\u2600-\u27bf\ufe0f"
_LOOSE_JOINER = re.compile(rf"(?<![{_PICTOGRAPH}])\u200d|\u200d(?![{_PICTOGRAPH}])")


def fold(text: str) -> str:
    """Lower-case and without accents, so "Acción", "accion" and "ACCION" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def scrub(text: str) -> str:
    """Text without what cannot be stored or seen: control characters (tab and newline
    stay), lone surrogates, zero-width and bidirectional-override characters.

    Applied once where text enters the bot (every face goes through the dispatcher), and
    again before anything is stored, so no path can store what a reader cannot see.
    """
    text = _SURROGATE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _INVISIBLE.sub("", text)
    return _LOOSE_JOINER.sub("", text)


# Characters that draw nothing although they are letters or symbols to Unicode.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_UNSEEN = frozenset(("Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"))


def visible(text: str) -> bool:
    """Whether anything in ``text`` shows on a screen: a title of only blanks,
    invisible formatting or "filler" letters would be an item nobody can read."""
    return any(
        c not in _BLANK_LETTERS and unicodedata.category(c) not in _UNSEEN for c in text
    )


def clean(text: str) -> str:
    """Text as it will be stored: scrubbed, no surrounding blanks."""
    return scrub(text).strip()
