"""Message catalogs (es, en) and the date words of each language.

Every text a member reads comes from here, in their language. Templates hold no markup:
faces add formatting from the structure of a reply, and escape everything.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.i18n import en, es

CATALOGS: dict[str, dict[str, str]] = {"es": es.MESSAGES, "en": en.MESSAGES}
LANGUAGES = tuple(CATALOGS)
DEFAULT = "es"


def lang_of(code: str | None) -> str:
    """The catalog for a language code such as Telegram's "es-PE" or "en"."""
    base = (code or DEFAULT).split("-")[0].lower()
    return base if base in CATALOGS else DEFAULT


def t(lang: str, key: str, **params: Any) -> str:
    catalog = CATALOGS.get(lang, CATALOGS[DEFAULT])
    template = catalog.get(key) or CATALOGS[DEFAULT].get(key) or key
    return template.format(**params) if params else template


def label(lang: str, group: str, value: str | None) -> str:
    """The words for a stored value: ``label("es", "status", "in_progress")``."""
    if value is None:
        return "—"
    return t(lang, f"{group}.{value}")


def long_date(lang: str, day: date) -> str:
    """ "viernes 15 de enero de 2027" / "Friday 15 January 2027": always echoed back."""
    weekday = t(lang, f"weekday.{day.weekday()}")
    month = t(lang, f"month.{day.month}")
    return t(lang, "format.long_date", weekday=weekday, day=day.day, month=month, year=day.year)


def short_date(lang: str, day: date) -> str:
    weekday = t(lang, f"weekday.{day.weekday()}")[:3]
    return t(lang, "format.short_date", weekday=weekday, day=day.day, month=day.month)


def long_datetime(lang: str, when: datetime) -> str:
    return t(lang, "format.long_datetime", date=long_date(lang, when.date()),
             time=when.strftime("%H:%M"))


def short_datetime(lang: str, when: datetime) -> str:
    return f"{when.day:02d}/{when.month:02d} {when:%H:%M}"
