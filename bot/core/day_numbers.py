"""Dates said by their day: a day number alone or with a weekday ("el 15", "el lunes
7"), the first of a month as ordinals are written, the end of the month, and the vague
times refused with the day to type instead ("la otra semana", "a fines de diciembre").
The phrase reaches here folded and without fillers (see :mod:`bot.core.dates`)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.core.errors import DateVague, DateWeekdayMismatch

#: The first of the month as people write it: "primero", "1ro", "1°", "1.º" (folded).
FIRST = re.compile(r"(?<!\S)(?:primero|1ro|1ero|1er|1o|1\.o|1°|1º|1\.°|1st)(?!\S)")
DAY_NUMBER = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
#: How many months ahead a day number with a weekday is looked for ("viernes 15"):
#: this one and the next two; beyond, the weekday is more likely a slip than a plan.
WEEKDAYMONTHS = 3
END_OF_MONTH = re.compile(
    r"^(?:a |by |at )?(?:fin|final|end) (?:de|del|of|of the) (?:mes|month)$")
MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12, "january": 1, "february": 2, "march": 3, "april": 4, "may": 5,
    "june": 6, "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
    "december": 12,
}
VAGUE_WEEK = re.compile(
    r"^(?:la |a la )?(?:otra semana|proxima semana|semana que viene|semana entrante|"
    r"siguiente semana|next week)$")
VAGUE_MONTH_END = re.compile(
    r"^(?:a |by |at )?(?:fines|finales|fin|end|late) (?:de|del|of|in) (?:mes|(\w+))$")
VAGUE_MONTH_START = re.compile(
    r"^(?:a |at |in )?(?:inicios|principios|comienzos|inicio|principio|the beginning|"
    r"beginning|early) (?:de|del|of|in) (?:mes|(\w+))$")


def next_weekday(today: date, weekday: int) -> date:
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


def month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def months_from(today: date, count: int) -> list[tuple[int, int]]:
    """This month and the ``count - 1`` after it, as (year, month)."""
    return [(today.year + (today.month - 1 + k) // 12, (today.month - 1 + k) % 12 + 1)
            for k in range(count)]


def day_number(today: date, number: int, weekday: int | None, text: str) -> date | None:
    """A day of the month alone ("el 15") is the next such date, never a past one; with
    a weekday ("el lunes 7") the next such date that falls on it, within
    ``WEEKDAYMONTHS`` months, else refused naming the first one that does not."""
    if not 1 <= number <= 31:
        return None
    months = months_from(today, WEEKDAYMONTHS if weekday is not None else 13)
    days = [date(y, m, number) for y, m in months if number <= month_end(y, m).day]
    days = [d for d in days if d >= today]
    if weekday is None:
        return days[0] if days else None
    for day in days:
        if day.weekday() == weekday:
            return day
    if days:
        raise DateWeekdayMismatch(text=text, date=days[0], weekday=weekday)
    return None


def vague(phrase: str, text: str, today: date) -> None:
    """Refuse a time that is not a day, with the day to type instead."""
    if VAGUE_WEEK.match(phrase):
        friday = next_weekday(today, 4)
        if friday - today < timedelta(days=7):
            friday += timedelta(days=7)
        raise DateVague(text=text, suggestion=friday)
    for pattern, last in ((VAGUE_MONTH_END, True), (VAGUE_MONTH_START, False)):
        match = pattern.match(phrase)
        if match is None:
            continue
        name = match.group(1)
        if name is not None and name not in MONTHS:
            return
        month = MONTHS[name] if name else today.month
        year = today.year + (1 if month < today.month else 0)
        day = month_end(year, month) if last else date(year, month, 1)
        if day < today:
            day = month_end(year, month + 1) if last else date(year + month // 12,
                                                                 month % 12 + 1, 1)
        raise DateVague(text=text, suggestion=day)
