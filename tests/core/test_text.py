"""Text as it arrives from phones and broken clients, and as it is stored."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import clean, scrub, visible


def test_what_cannot_be_stored_or_seen_is_dropped() -> None:
    assert scrub("a\x00b\x07c\td\ne") == "abc\td\ne"
    assert scrub("lone \ud800 and \udfff halves") == "lone  and  halves"
    assert scrub("zero\u200bwidth\u2060 \ufeffmarks\u200e\u200f") == "zerowidth marks"
    assert scrub("\u202egnp.exe\u202c and \u2067isolate\u2069") == "gnp.exe and isolate"


def test_an_emoji_keeps_its_joiner_and_a_word_loses_it() -> None:
    assert scrub("👩\u200d🌾 agricultora") == "👩\u200d🌾 agricultora"
    assert scrub("ho\u200dla") == "hola"


def test_visible_means_something_shows_on_a_screen() -> None:
    assert visible("P-1 «Guías»") and visible("🌳")
    assert not visible("") and not visible(" \u00a0\u3000")
    assert not visible("\u2800\u3164\u115f") and not visible("\u00ad\u034f")


@given(st.text())
def test_clean_text_is_always_storable_text(typed: str) -> None:
    cleaned = clean(typed)
    cleaned.encode("utf-8")  # no lone surrogate survives
    assert "\x00" not in cleaned and "\u202e" not in cleaned and "\u200b" not in cleaned
    assert clean(cleaned) == cleaned
