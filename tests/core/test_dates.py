"""Dates as people type them, relative to Monday 11 January 2027 in Lima."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.parse import Usage, parse_deadline
from bot.commands.present import Presenter
from bot.core.dates import (
    Reading,
    add_working_days,
    latest_due,
    parse_due_date,
    parse_local_datetime,
    read_deadline,
)
from bot.core.errors import (
    DateAmbiguous,
    DatePast,
    DateTooFar,
    DateUnreadable,
    DateVague,
    DateWeekdayMismatch,
    DomainError,
    TimeUnreadable,
)

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


#: Monday 23 November 2026: the day numbers people type without a month.
NOVEMBER_23 = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # a day number, alone or with a weekday: the next such date that fits
        ("el 15", date(2026, 12, 15)),
        ("15", date(2026, 12, 15)),
        ("hasta el 15", date(2026, 12, 15)),
        ("el 23", date(2026, 11, 23)),
        ("el 30", date(2026, 11, 30)),
        ("el 31", date(2026, 12, 31)),
        ("el lunes 7", date(2026, 12, 7)),
        ("para el viernes 15", date(2027, 1, 15)),
        ("el martes 15", date(2026, 12, 15)),
        ("el domingo 31", date(2027, 1, 31)),
        ("Monday the 7th", date(2026, 12, 7)),
        # este / esta with a weekday
        ("este viernes", date(2026, 11, 27)),
        ("esta viernes", date(2026, 11, 27)),
        ("este jueves 26", date(2026, 11, 26)),
        # the first of a month, as ordinals are written
        ("primero de diciembre", date(2026, 12, 1)),
        ("1ro de diciembre", date(2026, 12, 1)),
        ("1° de diciembre", date(2026, 12, 1)),
        ("1.º de diciembre", date(2026, 12, 1)),
        ("el 1ro", date(2026, 12, 1)),
        ("el primero de enero", date(2027, 1, 1)),
        # the end of the month
        ("fin de mes", date(2026, 11, 30)),
        ("a fin de mes", date(2026, 11, 30)),
        ("para fin de mes", date(2026, 11, 30)),
        ("end of the month", date(2026, 11, 30)),
        # how people bound a promise
        ("hasta el viernes", date(2026, 11, 27)),
        ("a más tardar el 15 de diciembre", date(2026, 12, 15)),
        ("a más tardar el viernes", date(2026, 11, 27)),
        ("hasta el lunes 7", date(2026, 12, 7)),
    ],
)
def test_day_numbers_and_phrases_read_as_the_next_date_that_fits(
    typed: str, expected: date
) -> None:
    assert parse_due_date(typed, today=NOVEMBER_23) == expected


@pytest.mark.parametrize(
    ("typed", "first_that_does_not_fit"),
    [("el domingo 30", date(2026, 11, 30)), ("el sábado 31", date(2026, 12, 31)),
     ("lunes 7 de diciembre de 2027", date(2027, 12, 7))],
)
def test_a_weekday_no_coming_date_falls_on_is_refused(
    typed: str, first_that_does_not_fit: date
) -> None:
    with pytest.raises(DateWeekdayMismatch) as refused:
        parse_due_date(typed, today=NOVEMBER_23)
    assert refused.value.params["date"] == first_that_does_not_fit


@pytest.mark.parametrize(
    ("typed", "instead"),
    [
        ("la otra semana", "viernes 4 de diciembre de 2026"),
        ("la próxima semana", "viernes 4 de diciembre de 2026"),
        ("la semana que viene", "viernes 4 de diciembre de 2026"),
        ("next week", "viernes 4 de diciembre de 2026"),
        ("a fines de diciembre", "jueves 31 de diciembre de 2026"),
        ("a finales de enero", "domingo 31 de enero de 2027"),
        ("a fines de mes", "lunes 30 de noviembre de 2026"),
        ("a principios de enero", "viernes 1 de enero de 2027"),
    ],
)
def test_vague_times_are_refused_with_the_day_to_type_instead(typed: str, instead: str
                                                              ) -> None:
    with pytest.raises(DateVague) as refused:
        parse_due_date(typed, today=NOVEMBER_23)
    said = Presenter("es", LIMA).domain_error(refused.value).lines[0].text
    assert said == f"«{typed}» no dice qué día. Escriba el día, por ejemplo: «{instead}»."
    # and what it suggests is read as that day
    assert parse_due_date(instead, today=NOVEMBER_23) == refused.value.params["suggestion"]


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


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("el 4 de enero", date(2027, 1, 4)),
        ("4/01", date(2027, 1, 4)),
        ("viernes 8 de enero", date(2027, 1, 8)),
        ("January 10", date(2027, 1, 10)),
    ],
)
def test_a_day_and_month_just_gone_is_past_not_next_year(typed: str, meant: date) -> None:
    """On Monday 11 January, "el 4 de enero" is a slip, refused as past; read as January
    2028 it would be a date a year late that nobody would notice."""
    with pytest.raises(DatePast) as past:
        parse_due_date(typed, today=TODAY)
    assert past.value.params["date"] == meant


def test_a_day_and_month_months_gone_is_next_years() -> None:
    assert parse_due_date("15 de septiembre", today=TODAY) == date(2027, 9, 15)
    assert parse_due_date("4 de enero de 2028", today=TODAY) == date(2028, 1, 4)


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
    except (DateUnreadable, DatePast, DateWeekdayMismatch, DateTooFar):
        return
    assert TODAY <= parsed <= latest_due(TODAY)


@given(st.integers(min_value=0, max_value=10**30),
       st.sampled_from(["días", "semanas", "días hábiles", "working days", "meses", "años"]))
def test_any_count_ahead_is_a_date_or_a_clear_refusal(count: int, unit: str) -> None:
    try:
        parsed = parse_due_date(f"en {count} {unit}", today=TODAY)
    except (DateUnreadable, DateTooFar):
        return
    assert TODAY <= parsed <= latest_due(TODAY)


@pytest.mark.parametrize(
    "typed",
    ["en 99999999 días hábiles", "en 99999999999 semanas", "en 99999999 dias",
     "31/12/9999", "12/01/2032", "en 6 años"],
)
def test_dates_more_than_five_years_ahead_are_refused(typed: str) -> None:
    with pytest.raises(DateTooFar) as refused:
        parse_due_date(typed, today=TODAY)
    assert refused.value.params["limit"] == date(2032, 1, 11)


def test_five_years_ahead_is_still_a_date() -> None:
    assert parse_due_date("11/01/2032", today=TODAY) == date(2032, 1, 11)
    assert latest_due(date(2028, 2, 29)) == date(2033, 2, 28)


def test_a_deadline_is_read_whole_when_the_longer_reading_agrees_or_does_not_read() -> None:
    # Only "el lunes" reads as a date: the reason keeps its own comma.
    assert read_deadline(
        [("el lunes", "falta la firma, y el sello"), ("el lunes, falta la firma", "y el sello")],
        today=TODAY,
    ) == Reading(date(2027, 1, 18), "el lunes", "falta la firma, y el sello")
    # The 15th is that Friday: one date, said twice; the reason follows the longer words.
    assert read_deadline(
        [("viernes", "15 de enero, por la huelga"), ("viernes, 15 de enero", "por la huelga")],
        today=TODAY,
    ) == Reading(date(2027, 1, 15), "viernes, 15 de enero", "por la huelga")
    assert read_deadline(
        [("January 22", "2027, strike"), ("January 22, 2027", "strike")], today=TODAY,
    ) == Reading(date(2027, 1, 22), "January 22, 2027", "strike")


def test_a_deadline_that_reads_as_two_dates_is_not_guessed() -> None:
    with pytest.raises(DateAmbiguous) as ambiguous:
        read_deadline(
            [("viernes", "22 de enero, por la huelga"), ("viernes, 22 de enero", "por la huelga")],
            today=TODAY,
        )
    assert ambiguous.value.params["readings"] == [
        Reading(date(2027, 1, 15), "viernes", "22 de enero, por la huelga"),
        Reading(date(2027, 1, 22), "viernes, 22 de enero", "por la huelga"),
    ]


def test_a_weekday_contradicting_the_longer_date_is_said_not_shortened() -> None:
    # 4 December 2027 is a Saturday: "viernes" alone would read, but it is not what was
    # written, so the contradiction is answered.
    with pytest.raises(DateWeekdayMismatch):
        read_deadline(
            [("viernes", "4 de diciembre, por la huelga"),
             ("viernes, 4 de diciembre", "por la huelga")],
            today=TODAY,
        )


def test_a_date_written_in_full_with_digits_ends_at_its_separator() -> None:
    assert read_deadline(
        [("15/01/2027", "22 de enero, por la huelga"), ("15/01/2027, 22 de enero", "por")],
        today=TODAY,
    ) == Reading(date(2027, 1, 15), "15/01/2027", "22 de enero, por la huelga")


_PIECES = ["viernes", "22 de enero", "15 de enero", "el lunes", "mañana", "por la huelga",
           "falta la firma", "en 3 días", "porque", "2027", "ayer", "x"]


@given(st.lists(st.sampled_from(_PIECES), min_size=2, max_size=5),
       st.lists(st.sampled_from([", ", "; ", " ", " porque "]), min_size=4, max_size=4))
def test_a_deadline_is_never_a_date_other_than_one_every_reading_agrees_on(
    pieces: list[str], separators: list[str]
) -> None:
    """Whatever split is taken, no other split reads as a different date."""
    joined = zip(separators[: len(pieces) - 1], pieces[1:], strict=True)
    text = pieces[0] + "".join(sep + piece for sep, piece in joined)
    try:
        splits = parse_deadline(text)
    except Usage:
        return
    try:
        reading = read_deadline(splits, today=TODAY)
    except DomainError:
        return
    for words, _ in splits:
        try:
            other = parse_due_date(words, today=TODAY)
        except DomainError:
            continue
        assert other == reading.due_on, (text, words)
