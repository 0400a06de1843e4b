"""How the rule of a recurring session is read: a weekday and a time ("cada viernes
10:00"), or a week of the month ("primer jueves del mes 9:00"); and the date a week of
the month falls on. Single dates and times are :mod:`bot.core.dates`'s."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from bot.core.dates import MAX_DATE_TEXT, WEEKDAYS, fold_phrase, split_time, strip_fillers
from bot.core.errors import SeriesDayUnreadable, SeriesMonthUnreadable, TimeUnreadable


def parse_weekday_time(text: str) -> tuple[int, time]:
    """Read a weekday and a time of day ("el viernes 10:00", "friday at 9 am"), the
    shape of a session that recurs; anything but a bare weekday before the time is
    refused, so "15 de enero 10:00" is never read as a weekly rule.

    Raises:
        TimeUnreadable: no time of day at the end.
        SeriesDayUnreadable: the day is not one weekday.
    """
    if len(text) > MAX_DATE_TEXT:
        raise SeriesDayUnreadable(text=text[:MAX_DATE_TEXT])
    at, day_text = split_time(text)
    words = strip_fillers(day_text)
    for filler in ("los", "cada", "every", "todos los"):
        words = words.removeprefix(filler + " ")
    # "los sábados", "on Fridays": a weekday in the plural is the same weekday
    weekday = WEEKDAYS.get(words, WEEKDAYS.get(words.removesuffix("s")))
    if weekday is None:
        raise SeriesDayUnreadable(text=text)
    return weekday, at


#: Which week of the month a monthly series keeps: 1 to 4, or -1 for the last. A fifth
#: is refused, as most months have none. Folded forms ("1.º" folds to "1.o").
_WEEK_OF_MONTH = {
    **dict.fromkeys(("primer", "primero", "primera", "1er", "1ero", "1ro", "1o", "1.o",
                     "1.er", "1°", "1a", "1.a", "first", "1st"), 1),
    **dict.fromkeys(("segundo", "segunda", "2do", "2o", "2.o", "2°", "2a", "2.a", "second",
                     "2nd"), 2),
    **dict.fromkeys(("tercer", "tercero", "tercera", "3er", "3ero", "3ro", "3o", "3.o",
                     "3.er", "3°", "3a", "3.a", "third", "3rd"), 3),
    **dict.fromkeys(("cuarto", "cuarta", "4to", "4o", "4.o", "4°", "4a", "4.a", "fourth",
                     "4th"), 4),
    **dict.fromkeys(("ultimo", "ultima", "last"), -1),
}
#: Ordinals that are not a week a series can keep, recognised only to refuse them.
_OTHER_ORDINALS = {"quinto", "quinta", "5to", "5o", "5.o", "5°", "fifth", "5th"}
_OF_THE_MONTH = (r"(?:del|de cada|de todos los|of the|of each|of every|in the|in each|each|every)"
                 r" (?:mes|meses|month)")
_MONTHLY_HINT = re.compile(
    rf"\b(?:{_OF_THE_MONTH}|cada mes|todos los meses|mensual|mensualmente|monthly)\b")
_MONTHLY = re.compile(rf"^(?P<week>\S+) (?P<day>\S+) {_OF_THE_MONTH}$")


def _ordinal_weekday(words: str) -> bool:
    """"primer jueves ...", "quinto jueves ...": a week of the month, known or not."""
    first, _, rest = words.partition(" ")
    word = first.removesuffix("s")  # "los primeros jueves"
    return (word in _WEEK_OF_MONTH or word in _OTHER_ORDINALS) and (
        rest.split(" ")[0] in WEEKDAYS)


def _series_words(text: str) -> str:
    """The folded words of a series rule without its leading fillers ("cada", "el")."""
    words = strip_fillers(fold_phrase(text))
    changed = True
    while changed:
        changed = False
        for filler in ("todos los", "los", "cada", "every", "on the", "the", "el"):
            if words.startswith(filler + " "):
                words = words[len(filler) + 1 :]
                changed = True
    return words


def is_monthly(text: str) -> bool:
    """Whether the words ask for a monthly series ("primer jueves del mes 9:00", "every
    month", or an ordinal before a weekday), so that a malformed one is answered with
    how to write a monthly series instead of being read as something else."""
    folded = fold_phrase(text)
    return bool(_MONTHLY_HINT.search(folded)) or _ordinal_weekday(_series_words(text))


def parse_monthly_time(text: str) -> tuple[int, int, time]:
    """Read which weekday of the month and a time ("primer jueves del mes 9:00", "last
    Friday of each month at 10 am"): returns (week of the month, 1 to 4 or -1 for the
    last; weekday, 0 is Monday; time).

    Raises:
        SeriesMonthUnreadable: no time, no "of the month", a fifth week, or anything else
            not understood; the answer shows how to write one.
    """
    if len(text) > MAX_DATE_TEXT:
        raise SeriesMonthUnreadable(text=text[:MAX_DATE_TEXT])
    try:
        at, day_text = split_time(text)
    except TimeUnreadable:
        raise SeriesMonthUnreadable(text=text) from None
    match = _MONTHLY.match(_series_words(day_text))
    if match is None:
        raise SeriesMonthUnreadable(text=text)
    week = _WEEK_OF_MONTH.get(match["week"], _WEEK_OF_MONTH.get(match["week"].removesuffix("s")))
    day = match["day"]
    weekday = WEEKDAYS.get(day, WEEKDAYS.get(day.removesuffix("s")))
    if week is None or weekday is None:
        raise SeriesMonthUnreadable(text=text)
    return week, weekday, at


def nth_weekday(year: int, month: int, weekday: int, week: int) -> date:
    """The ``week``-th ``weekday`` of the month (1 to 4, or -1 for the last one)."""
    if week == -1:
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))
