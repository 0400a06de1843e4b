"""Dates as people type them, in Spanish and English.

dateparser alone misses much of how people say a date ("el viernes", "en dos semanas",
"pasado mañana", "el 15 de enero") and its ``search_dates`` silently drops words, so this
layer normalises the phrase first (articles, prepositions, number words, "próximo" and
"que viene"), does the arithmetic it can do exactly itself (days, weeks, working days over
the country's holidays), hands the rest to dateparser whole, and refuses when anything
was not understood. A due date is a calendar date in the mesa's time zone, at most
``MAX_YEARS_AHEAD`` years away: a farther one is a typing slip, and bounding it keeps
"en 99999999 días hábiles" from counting days for seconds or overflowing the calendar.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

from bot.core.day_numbers import (
    DAY_NUMBER,
    END_OF_MONTH,
    FIRST,
    day_number,
    month_end,
    next_weekday,
    vague,
)
from bot.core.errors import (
    DateAmbiguous,
    DatePast,
    DateTooFar,
    DateUnreadable,
    DateWeekdayMismatch,
    DomainError,
    TimeUnreadable,
)
from bot.core.text import fold
from bot.core.workdays import add_working_days as add_working_days
from bot.core.workdays import day_off as day_off
from bot.core.workdays import is_holiday as is_holiday
from bot.core.workdays import is_working_day as is_working_day

MAX_DATE_TEXT = 80
MAX_YEARS_AHEAD = 5

_FILLERS = (
    "a mas tardar el", "a mas tardar", "antes del", "hasta el", "hasta", "para el", "para",
    "desde el", "el dia", "el", "la", "by", "on", "due", "until", "before", "the", "for",
)
_NUMBER_WORDS = {
    "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
    "catorce": 14, "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18,
    "diecinueve": 19, "veinte": 20, "treinta": 30,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30,
}
WEEKDAYS = {
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5,
    "domingo": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}
_NEXT_WORDS = ("proximo", "proxima", "siguiente", "que viene", "este", "esta", "next", "this",
               "coming")
_RELATIVE_DAYS = {
    "hoy": 0, "today": 0, "manana": 1, "tomorrow": 1, "pasado manana": 2,
    "day after tomorrow": 2, "the day after tomorrow": 2,
}
_UNIT_DAYS = {
    "dia": 1, "dias": 1, "day": 1, "days": 1, "semana": 7, "semanas": 7, "week": 7,
    "weeks": 7,
}
_IN = r"(?:en|dentro de|in|within)"
_WORKING = re.compile(
    rf"^{_IN} (\d+) (?:dias? (?:habiles|laborables|utiles)|(?:working|business) days?)$"
)
_IN_UNITS = re.compile(rf"^{_IN} (\d+) (\w+)$")
_TIME = re.compile(
    r"(?:\s+(?:a las|a la|at))?\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|h|hrs|horas)?$"
)


#: A year written out: the date is the one typed, past or not.
_YEAR = re.compile(r"\b\d{4}\b")
#: How far back a day and month without a year still reads as a slip (refused as past)
#: rather than as next year's.
RECENT_PAST = timedelta(days=92)


def fold_phrase(text: str) -> str:
    """Lower-case, without accents, single-spaced: the form every rule below matches."""
    plain = re.sub(r"[,;!¡¿?]", " ", fold(text)).strip().rstrip(".")
    return re.sub(r"\s+", " ", plain).strip()


def strip_fillers(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for filler in _FILLERS:
            if text.startswith(filler + " "):
                text = text[len(filler) + 1 :]
                changed = True
    return text


def _numbers_to_digits(text: str) -> str:
    words = text.split(" ")
    # "a"/"an" are numbers only before a unit ("in a week"), not elsewhere.
    out = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in ("a", "an") and nxt not in _UNIT_DAYS and nxt not in ("month", "mes"):
            out.append(word)
        else:
            out.append(str(_NUMBER_WORDS[word]) if word in _NUMBER_WORDS else word)
    return " ".join(out)


def _weekday_phrase(text: str) -> tuple[int | None, str]:
    """Split a weekday name (and "próximo"/"que viene"/"next") off the phrase."""
    words = text
    for marker in _NEXT_WORDS:
        words = re.sub(rf"(^|\s){marker}(\s|$)", " ", words).strip()
    first, _, rest = words.partition(" ")
    if first in WEEKDAYS:
        return WEEKDAYS[first], rest.strip()
    return None, text


def _dateparser(text: str, today: date) -> date | None:
    """The date dateparser reads, the future preferred, except for a day and month
    without a year that passed lately: "el 4 de diciembre" on the 7th is a slip to
    refuse as past, not next year's 4 December (a date months back is next year's)."""
    try:
        parsed = _dateparser_raw(text, today)
        if parsed is None or parsed.year == today.year or _YEAR.search(text):
            return parsed.date() if parsed is not None else None
        this_year = _dateparser_raw(text, today, prefer="current_period")
    except (OverflowError, ValueError):  # "en 999999 meses": past the calendar's end
        return None
    if this_year is not None and (this_year.month, this_year.day) == (parsed.month,
                                                                      parsed.day):
        lately = today - this_year.date()
        if timedelta(0) < lately <= RECENT_PAST:
            return this_year.date()
    return parsed.date()


def _dateparser_raw(text: str, today: date, prefer: str = "future") -> datetime | None:
    parsed: datetime | None = dateparser.parse(
        text,
        languages=["es", "en"],
        settings={
            "PREFER_DATES_FROM": prefer,
            "RELATIVE_BASE": datetime.combine(today, time(12, 0)),
            "DATE_ORDER": "DMY",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return parsed


def latest_due(today: date) -> date:
    """The farthest date accepted: ``MAX_YEARS_AHEAD`` years from ``today``."""
    try:
        return today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:  # 29 February, and no such day that year
        return today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)


def _days_ahead(text: str, today: date, days: int) -> date:
    """``today`` plus ``days``, refused before the arithmetic when beyond the limit."""
    if days > (latest_due(today) - today).days:
        raise DateTooFar(text=text, limit=latest_due(today))
    return today + timedelta(days=days)


def _read(text: str, today: date, country: str) -> date | None:
    phrase = _numbers_to_digits(strip_fillers(FIRST.sub("1", fold_phrase(text))))
    if not phrase:
        return None
    if END_OF_MONTH.match(phrase):
        return month_end(today.year, today.month)
    vague(phrase, text, today)
    if match := DAY_NUMBER.match(phrase):
        return day_number(today, int(match.group(1)), None, text)
    if phrase in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[phrase])
    if match := _WORKING.match(phrase):
        # Working days are never fewer than calendar days: a count beyond the limit in
        # calendar days is refused before counting, so the loop below stays short.
        count = int(match.group(1))
        _days_ahead(text, today, count)
        return add_working_days(today, count, country)
    if (match := _IN_UNITS.match(phrase)) and match.group(2) in _UNIT_DAYS:
        return _days_ahead(text, today, int(match.group(1)) * _UNIT_DAYS[match.group(2)])
    weekday, rest = _weekday_phrase(phrase)
    if weekday is not None:
        if not rest:
            return next_weekday(today, weekday)
        rest = strip_fillers(rest)
        if match := DAY_NUMBER.match(rest):
            return day_number(today, int(match.group(1)), weekday, text)
        day = _dateparser(rest, today)
        if day is not None and day.weekday() != weekday:
            raise DateWeekdayMismatch(text=text, date=day, weekday=weekday)
        return day
    return _dateparser(phrase, today)


def parse_due_date(text: str, *, today: date, country: str = "PE") -> date:
    """Read a due date; refuse what is unreadable or already past.

    Args:
        text: the words as typed ("para el viernes 15", "en 10 días hábiles").
        today: the local date in the mesa's time zone.
        country: ISO code whose public holidays are not working days.

    Raises:
        DateUnreadable: some word was not understood.
        DatePast: the date is before ``today``.
        DateWeekdayMismatch: "lunes 7 de diciembre" when the 7th is a Tuesday.
        DateTooFar: more than ``MAX_YEARS_AHEAD`` years away.
    """
    if not text.strip() or len(text) > MAX_DATE_TEXT:
        raise DateUnreadable(text=text[:MAX_DATE_TEXT])
    day = _read(text, today, country)
    if day is None:
        raise DateUnreadable(text=text)
    if day < today:
        raise DatePast(text=text, date=day)
    if day > latest_due(today):
        raise DateTooFar(text=text, limit=latest_due(today))
    return day


def parse_local_datetime(
    text: str, *, now: datetime, tz: ZoneInfo, country: str = "PE"
) -> datetime:
    """Read a day and a time of day ("viernes 10:00", "15 de enero a las 9 am").

    Returns an aware datetime in ``tz``. The time must be written with minutes, am/pm or
    "h", so that a bare number stays a day of the month.
    """
    at, day_text = split_time(text)
    local_now = now.astimezone(tz)
    day = parse_due_date(day_text, today=local_now.date(), country=country)
    when = datetime.combine(day, at, tzinfo=tz)
    if when < local_now:
        raise DatePast(text=text, date=day)
    return when


def split_time(text: str) -> tuple[time, str]:
    """The time of day at the end of ``text`` and the (folded) words before it."""
    folded = fold_phrase(text)
    match = _TIME.search(" " + folded)
    spoken = "a las" in folded or "at " in folded
    if match is None or not (match.group(2) or match.group(3) or spoken):
        raise TimeUnreadable(text=text)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").replace(".", "")
    if suffix == "pm" and hour < 12:
        hour += 12
    if suffix == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise TimeUnreadable(text=text)
    return time(hour, minute), (" " + folded)[: match.start()].strip()


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


#: A date written out in full with digits ("04/12/2026", "2026-12-04"): it cannot grow
#: into another date, so what follows its separator is the reason, whatever it says.
_FULL_NUMERIC = re.compile(r"^\s*(?:\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})\s*$")


@dataclass(frozen=True)
class Reading:
    """One way to read "<date>, <reason>": the date, the words read as it, the reason."""

    due_on: date
    words: str
    reason: str


def read_deadline(
    splits: Sequence[tuple[str, str]], *, today: date, country: str = "PE"
) -> Reading:
    """The one date and reason meant by words that a separator may split in several
    places ("viernes, 4 de diciembre, por la huelga"), or a refusal: a command that
    moves a date must never commit a date other than the one written.

    Args:
        splits: every (date words, reason) the text allows, shortest date first.

    Raises:
        DateAmbiguous: splits read as different dates; ``readings`` lists each one.
        DatePast, DateWeekdayMismatch, DateTooFar: the longest words that read as a
            date are refused, so a shorter reading would not be the date written.
        DateUnreadable: no split starts with a date.
    """
    if not splits:
        raise DateUnreadable(text="")
    first_words, first_reason = splits[0]
    if _FULL_NUMERIC.match(first_words):
        return Reading(parse_due_date(first_words, today=today, country=country),
                       first_words, first_reason)
    readings: list[tuple[int, Reading]] = []
    refused: list[tuple[int, DomainError]] = []
    for index, (words, reason) in enumerate(splits):
        try:
            readings.append((index, Reading(
                parse_due_date(words, today=today, country=country), words, reason)))
        except DateUnreadable:
            continue
        except (DatePast, DateWeekdayMismatch, DateTooFar) as error:
            refused.append((index, error))
    if refused and (not readings or refused[-1][0] > readings[-1][0]):
        raise refused[-1][1]
    if not readings:
        raise DateUnreadable(text=first_words[:MAX_DATE_TEXT])
    distinct: dict[date, Reading] = {}
    for _, reading in readings:  # per date, the longest words that read as it
        distinct[reading.due_on] = reading
    if len(distinct) > 1:
        raise DateAmbiguous(readings=list(distinct.values()))
    # All agree: the reason is what follows the longest date ("January 22, 2027, strike"
    # gives "strike", not "2027, strike").
    return readings[-1][1]


def full_numeric(day: date) -> str:
    """``day`` as "04/12/2026", the form :func:`read_deadline` never reads two ways."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"
