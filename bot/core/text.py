"""Text as people type it on phones: case and accents vary, meaning does not."""

from __future__ import annotations

import re
import unicodedata

# Control characters other than tab and newline: invisible on a phone, and NUL is not
# even storable in PostgreSQL text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def fold(text: str) -> str:
    """Lower-case and without accents, so "Acción", "accion" and "ACCION" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def clean(text: str) -> str:
    """Text as it will be stored: no control characters, no surrounding blanks."""
    return _CONTROL.sub("", text).strip()
