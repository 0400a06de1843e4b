"""Dates as people type them, relative to Monday 11 January 2027 in Lima."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.dates import add_working_days, parse_due_date, parse_local_datetime
from bot.core.errors import DatePast, DateUnreadable, DateWeekdayMismatch, TimeUnreadable

TODAY = date(2027, 1, 11)  # a Monday
LIMA = ZoneInfo("America/Lima")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("el viernes", date(2027, 1, 15)),
        ("el próximo viernes", date(2027, 1, 15)),
        ("el viernes que viene", date(2027, 1, 15)),
        ("para el viernes 15", date(2027, 1, 15)),
        ("hasta el 15 de enero", date(2027, 1, 15)),
        ("el 15", date(2027, 1, 15)),
        ("15/01", date(2027, 1, 15)),
        ("en dos semanas", date(2027, 1, 25)),
        ("en tres días", date(2027, 1, 14)),
        ("pasado mañana", date(2027, 1, 13)),
        ("mañana", date(2027, 1, 12)),
        ("hoy", date(2027, 1, 11)),
        ("en 10 días hábiles", date(2027, 1, 25)),
        ("in 5 working days", date(2027, 1, 18)),
        ("next Monday", date(2027, 1, 18)),
        ("Friday", date(2027, 1, 15)),
        ("in two weeks", date(2027, 1, 25)),
        ("January 20", date(2027, 1, 20)),
        ("1 de marzo", date(2027, 3, 1)),
    ],
)
def test_spoken_dates(typed: str, expected: date) -> None:
    assert parse_due_date(typed, today=TODAY) == expected


def test_working_days_skip_perus_holidays() -> None:
    # 28 and 29 July are Peru's national holidays; 27 July 2027 is a Tuesday.
    assert add_working_days(date(2027, 7, 27), 2, "PE") == date(2027, 8, 2)


@pytest.mark.parametrize("typed", ["el día del juicio", "banana viernes", "viernes banana", ""])
def test_unreadable_is_refused(typed: str) -> None:
    with pytest.raises(DateUnreadable):
        parse_due_date(typed, today=TODAY)


def test_past_is_refused() -> None:
    with pytest.raises(DatePast):
        parse_due_date("ayer", today=TODAY)


def test_a_weekday_that_does_not_match_the_date_is_refused() -> None:
    with pytest.raises(DateWeekdayMismatch):
        parse_due_date("lunes 7 de diciembre", today=TODAY)  # a Tuesday in 2027


def test_session_times() -> None:
    now = datetime(2027, 1, 11, 9, 0, tzinfo=LIMA)
    assert parse_local_datetime("viernes 10:00", now=now, tz=LIMA) == datetime(
        2027, 1, 15, 10, 0, tzinfo=LIMA
    )
    assert parse_local_datetime("el viernes a las 3 pm", now=now, tz=LIMA).hour == 15
    with pytest.raises(TimeUnreadable):
        parse_local_datetime("viernes", now=now, tz=LIMA)


@given(st.text(max_size=60))
def test_any_text_is_a_date_or_a_clear_refusal(typed: str) -> None:
    try:
        parsed = parse_due_date(typed, today=TODAY)
    except (DateUnreadable, DatePast, DateWeekdayMismatch):
        return
    assert parsed >= TODAY
