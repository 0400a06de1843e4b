"""Working days and days off: a country's public holidays (the holidays library) and
weekends, for counting working days and for saying when a date falls on a day off."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def known_country(country: str) -> bool:
    """Whether the holidays library knows ``country``'s public holidays (a two-letter code)."""
    return country.upper() in holidays.list_supported_countries()


def is_holiday(day: date, country: str) -> bool:
    """A public holiday of ``country`` (weekends aside)."""
    return day in _holidays(country, day.year)


#: The languages holiday names are given in, as the holidays library spells them.
_HOLIDAY_LANGUAGES = {"es": "es", "en": "en_US"}


@lru_cache(maxsize=64)
def _holiday_names(country: str, year: int, language: str) -> dict[date, str]:
    try:
        found = holidays.country_holidays(country, years=year, language=language)
    except NotImplementedError:
        return {}
    return dict(found.items())


def day_off(day: date, country: str) -> dict[str, str] | None:
    """Whether ``day`` is no working day in ``country``: None if it is one; else the
    public holiday's name in each language ({} for a weekend that is no holiday)."""
    if is_working_day(day, country):
        return None
    names = {lang: _holiday_names(country, day.year, code).get(day, "")
             for lang, code in _HOLIDAY_LANGUAGES.items()}
    return {lang: name for lang, name in names.items() if name}


def is_working_day(day: date, country: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(country, day.year)


def add_working_days(start: date, count: int, country: str) -> date:
    """The date ``count`` working days after ``start`` (weekends and holidays skipped)."""
    day = start
    left = count
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, country):
            left -= 1
    return day
