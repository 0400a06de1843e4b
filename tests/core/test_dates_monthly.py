"""Reading a monthly series rule, as people type it in Spanish and English: which
weekday of the month (first to fourth, or the last), the weekday and the time; a fifth,
a missing "del mes" or a missing time is refused."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import SeriesMonthUnreadable
from bot.core.series_rules import is_monthly, nth_weekday, parse_monthly_time


@pytest.mark.parametrize(("text", "expected"), [
    ("primer jueves del mes 9:00", (1, 3, time(9))),
    ("el primer jueves de cada mes 9:00", (1, 3, time(9))),
    ("cada primer jueves del mes 9:00", (1, 3, time(9))),
    ("Primero jueves del mes, a las 9", (1, 3, time(9))),
    ("1er jueves del mes 9:00", (1, 3, time(9))),
    ("1.º jueves del mes 9:00", (1, 3, time(9))),
    ("1° jueves del mes 9:00", (1, 3, time(9))),
    ("todos los primeros jueves del mes 9:00", (1, 3, time(9))),
    ("segundo martes del mes 10:00", (2, 1, time(10))),
    ("2do martes de cada mes 10:00", (2, 1, time(10))),
    ("tercer miércoles del mes a las 9", (3, 2, time(9))),
    ("3er miercoles del mes 16:30", (3, 2, time(16, 30))),
    ("cuarto lunes del mes 8:30", (4, 0, time(8, 30))),
    ("último viernes del mes 10:00", (-1, 4, time(10))),
    ("el ultimo viernes de cada mes 10:00", (-1, 4, time(10))),
    ("first Thursday of the month 9:00", (1, 3, time(9))),
    ("every first Thursday of the month at 9", (1, 3, time(9))),
    ("on the 2nd Tuesday of every month at 10 am", (2, 1, time(10))),
    ("third Wednesday of each month 3 pm", (3, 2, time(15))),
    ("fourth Monday of the month 8:30", (4, 0, time(8, 30))),
    ("last Friday of each month 10:00", (-1, 4, time(10))),
])
def test_a_monthly_rule_is_read_in_spanish_and_english(
    text: str, expected: tuple[int, int, time]
) -> None:
    assert is_monthly(text)
    assert parse_monthly_time(text) == expected


@pytest.mark.parametrize("text", [
    "quinto jueves del mes 9:00",  # most months have no fifth
    "fifth Friday of the month 10:00",
    "primer jueves 9:00",  # of which month?
    "first Thursday 9:00",
    "primer jueves del mes",  # no time
    "primer jueves del mes 9",  # a bare number is not a time
    "primer día del mes 9:00",  # not a weekday
    "cada mes 9:00",
    "el día 15 de cada mes 9:00",  # a day of the month: not a rule the bot keeps
    "cada dos semanas el primer jueves del mes 9:00",
    "primer jueves del mes " + "9" * 90,
])
def test_a_malformed_monthly_rule_is_refused(text: str) -> None:
    with pytest.raises(SeriesMonthUnreadable):
        parse_monthly_time(text)


@pytest.mark.parametrize("text", [
    "viernes 10:00", "cada viernes 10:00", "15 de enero 10:00", "en un mes 10:00",
    "el primero de febrero 10:00", "3 jueves 11:00", "friday at 9 am",
])
def test_weekly_rules_and_dates_are_not_monthly(text: str) -> None:
    assert not is_monthly(text)


def test_the_nth_weekday_of_a_month() -> None:
    assert nth_weekday(2027, 1, 3, 1) == date(2027, 1, 7)
    assert nth_weekday(2027, 2, 3, 1) == date(2027, 2, 4)
    assert nth_weekday(2027, 4, 3, 1) == date(2027, 4, 1)  # the 1st itself
    assert nth_weekday(2027, 3, 0, 4) == date(2027, 3, 22)
    assert nth_weekday(2027, 1, 4, -1) == date(2027, 1, 29)
    assert nth_weekday(2027, 12, 4, -1) == date(2027, 12, 31)  # the last day itself
    assert nth_weekday(2028, 2, 1, -1) == date(2028, 2, 29)  # a leap year


@given(st.integers(2000, 2100), st.integers(1, 12), st.integers(0, 6),
       st.sampled_from([1, 2, 3, 4, -1]))
def test_the_nth_weekday_is_that_weekday_in_that_week_of_that_month(
    year: int, month: int, weekday: int, week: int
) -> None:
    day = nth_weekday(year, month, weekday, week)
    assert (day.year, day.month, day.weekday()) == (year, month, weekday)
    if week == -1:  # a week later is the next month
        assert date.fromordinal(day.toordinal() + 7).month != month
    else:
        assert (day.day - 1) // 7 + 1 == week
