"""Text as people type it on phones: case and accents vary, meaning does not."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case and without accents, so "Acción", "accion" and "ACCION" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
