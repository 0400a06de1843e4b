"""What people type, read into what the core takes."""

from __future__ import annotations

import pytest

from bot.commands.parse import (
    BEYOND,
    Usage,
    parse_blocked,
    parse_deadline,
    parse_invite,
    parse_prioritize,
    parse_session,
    parse_triage,
    session_number,
    split_command,
    whole_number,
)
from bot.commands.words import find
from bot.core.enums import BlockedReason, OwnerClass, RequestKind, RootCause
from bot.core.errors import BadTriage, SessionNotFound


def test_commands_in_spanish_english_accents_and_bot_names() -> None:
    assert find("/acción") is find("/accion") is find("/action")
    assert find("/tomar@MesaBot") is find("/claim")
    assert find("/problemas") is find("/matriz")
    assert find("/nada") is None


def test_split_keeps_the_text_whole() -> None:
    assert split_command("/problema Línea 1\nLínea 2") == ("/problema", "Línea 1\nLínea 2")
    assert split_command("hola") == (None, "hola")


def test_triage_in_any_order() -> None:
    triage = parse_triage("implementación MP facilidad 4 impacto 5 SERFOR")
    assert (triage.owner_class, triage.root_cause, triage.impact, triage.ease, triage.entity) == (
        OwnerClass.MP, RootCause.IMPLEMENTATION, 5, 4, "SERFOR"
    )
    short = parse_triage("YP ley 3 2 subsidio")
    assert (short.impact, short.ease, short.request_kind) == (3, 2, RequestKind.SUBSIDY)


def test_an_incomplete_triage_says_what_is_missing_and_reads_back_its_command() -> None:
    partial = parse_triage("declarativa ley 4")
    assert partial.missing == "owner_class"
    step = parse_triage("MP " + partial.command("P-7").removeprefix("/triage P-7 "))
    assert (step.missing, step.request_kind, step.root_cause, step.impact) == (
        "ease", RequestKind.DECLARATORY, RootCause.LAW, 4
    )
    assert parse_triage("").missing == "owner_class"


@pytest.mark.parametrize(("typed", "word"), [
    ("MP ley impacto 9 facilidad 2", "9"), ("MP ley 1 2 3", "3"),
    ("MP ley 3 2 SERFOR OSINFOR", "OSINFOR"),
    # a triage word mistyped is named, never carried along as if it were an entity
    ("XP implementación 5 4", "XP"), ("XP", "XP"), ("MP implementacon 5 4 SERFOR",
                                                     "implementacon"),
    ("MP regulacion 5 4 facilidd", "facilidd"),
])
def test_triage_names_what_it_did_not_understand(typed: str, word: str) -> None:
    with pytest.raises(BadTriage) as refused:
        parse_triage(typed)
    assert refused.value.params["value"] == word


def test_an_entity_is_still_any_other_word() -> None:
    for entity in ("SERFOR", "GIZ", "OSINFOR", "ANA", "MINAM", "PRODUCE"):
        assert parse_triage(f"MP ley 3 2 {entity}").entity == entity


def test_blocked_reason_and_detail() -> None:
    assert parse_blocked("presupuesto sin partida") == (BlockedReason.BUDGET, "sin partida")
    assert parse_blocked("falta una firma") == (BlockedReason.OTHER, "falta una firma")


def test_deadline_splits_date_and_reason() -> None:
    assert parse_deadline("el lunes, falta la firma") == [("el lunes", "falta la firma")]
    assert parse_deadline("next Monday because of the audit") == [
        ("next Monday", "of the audit")]
    with pytest.raises(Usage):
        parse_deadline("el lunes")


def test_deadline_offers_every_place_a_comma_could_end_the_date() -> None:
    assert parse_deadline("viernes, 4 de diciembre, por la huelga") == [
        ("viernes", "4 de diciembre, por la huelga"),
        ("viernes, 4 de diciembre", "por la huelga"),
    ]
    assert parse_deadline("15/01/2027; falta firma, y sello") == [
        ("15/01/2027", "falta firma, y sello"), ("15/01/2027; falta firma", "y sello")]


def test_sessions_and_prioritize() -> None:
    assert parse_session("").verb == "list"
    assert parse_session("3 realizada").number == 3
    assert parse_session("S-3 cancelada").verb == "cancelled"
    high = parse_session("alto nivel jueves 9:00")
    assert (high.verb, high.when, high.high_level) == ("schedule", "jueves 9:00", True)
    assert parse_prioritize("P-7 en lugar de P-3") == ("P-7", "P-3")
    assert parse_prioritize("P-7") == ("P-7", None)


def test_numbers_are_decimal_digits_and_absurd_ones_are_beyond_anything() -> None:
    assert (whole_number("12"), whole_number("²"), whole_number("-1"), whole_number("")) == (
        12, None, None, None)
    assert whole_number("9" * 5000) == BEYOND  # int() would refuse over 4,300 digits
    assert session_number("S-3") == 3
    with pytest.raises(SessionNotFound):
        session_number("99999999999")
    with pytest.raises(BadTriage):
        parse_triage("MP ley 99999999999999999999 3")
    with pytest.raises(Usage):
        parse_invite("representante " + "9" * 30)


def test_sessions_that_recur_moving_one_and_ending_a_series() -> None:
    weekly = parse_session("cada viernes 10:00")
    assert (weekly.verb, weekly.when, weekly.every_weeks) == ("series", "viernes 10:00", 1)
    assert parse_session("todos los viernes a las 10:00").when == "viernes a las 10:00"
    assert parse_session("every Friday 10:00").when == "friday 10:00"
    for biweekly in ("cada dos semanas el viernes 10:00", "cada 2 semanas, viernes 10:00",
                     "every other Friday 10:00", "biweekly on Friday 10:00",
                     "every two weeks on Friday 10:00"):
        parsed = parse_session(biweekly)
        assert (parsed.verb, parsed.when, parsed.every_weeks) == (
            "series", "viernes 10:00" if "viernes" in biweekly else "friday 10:00", 2), biweekly
    high = parse_session("alto nivel cada jueves 9:00")
    assert (high.verb, high.high_level) == ("series", True)
    moved = parse_session("3 jueves 11:00")
    assert (moved.verb, moved.number, moved.when) == ("move", 3, "jueves 11:00")
    assert parse_session("S-3 15 de enero 11:00").verb == "move"
    assert parse_session("15 de enero 10:00").verb == "schedule"  # a date, not session 15
    assert parse_session("15 January 10:00").verb == "schedule"
    assert parse_session("Fin de serie").verb == "end_series"
    assert parse_session("end series").verb == "end_series"


def test_a_monthly_series_goes_to_the_series_whole_and_high_level_stays() -> None:
    for text in ("primer jueves del mes 9:00", "el primer jueves de cada mes 9:00",
                 "cada primer jueves del mes 9:00", "último viernes del mes 10:00",
                 "first Thursday of the month 9:00", "every first Thursday of the month at 9",
                 "last Friday of each month 10:00",
                 # refused by the core with how to write one, not read as a date or a move
                 "quinto jueves del mes 9:00", "primer jueves 9:00", "primer jueves del mes"):
        parsed = parse_session(text)
        assert (parsed.verb, parsed.high_level, parsed.every_weeks) == (
            "series", False, 1), text
    high = parse_session("alto nivel primer jueves del mes 9:00")
    assert (high.verb, high.high_level, high.when) == (
        "series", True, "primer jueves del mes 9:00")
    assert parse_session("high level last Friday of each month 10:00").high_level
    assert parse_session("el primero de febrero 10:00").verb == "schedule"
    assert parse_session("en un mes 10:00").verb == "schedule"
