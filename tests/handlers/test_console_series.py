"""Sessions that recur, typed at the console: what the coordinator reads when starting,
listing, moving and ending a series, in Spanish and in English, and the group's notices."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.handlers.console import Console
from tests.builders import Cast
from tests.conftest import LIMA
from tests.handlers.test_console import say


@pytest.fixture
def console(services: Services, cast: Cast) -> Console:
    return Console(services)


async def test_a_series_in_spanish(console: Console) -> None:
    started = await say(console, "rosa", "/sesion cada viernes 10:00")
    assert "Serie programada: sesión cada viernes a las 10:00 (hora de Lima)." in started
    assert "Sesión 1 · viernes 15 de enero de 2027, 10:00 · programada" in started
    assert "Sesión 4 · viernes 5 de febrero de 2027, 10:00" in started
    notices = await console.deliver()
    assert any("Las sesiones serán cada viernes a las 10:00. La próxima: sesión 1" in n
               for n in notices)

    assert "Sesión 2 cancelada." in await say(console, "rosa", "/sesion 2 cancelada")
    moved = await say(console, "rosa", "/sesion 3 jueves 28 de enero 11:00")
    assert "Sesión 3 movida al jueves 28 de enero de 2027, 11:00 " in moved
    assert "(antes: viernes 29 de enero de 2027, 10:00)" in moved
    listed = await say(console, "maria", "/sesion")
    assert ("Sesión 2 · viernes 22 de enero de 2027, 10:00 · cancelada · "
            "serie: cada viernes a las 10:00") in listed
    assert "Sesión 3 · jueves 28 de enero de 2027, 11:00 · programada · serie:" in listed

    replaced = await say(console, "rosa", "/sesion cada dos semanas el jueves 9:00")
    assert "cada dos semanas, el jueves a las 09:00" in replaced
    assert "sus sesiones futuras quedan canceladas: 1, 4." in replaced
    ended = await say(console, "rosa", "/sesion fin de serie")
    assert "Serie terminada: sesión cada dos semanas, el jueves a las 09:00." in ended
    assert "Sesiones canceladas: 5, 6, 7, 8." in ended
    notices = await console.deliver()
    assert any("La sesión 3 se movió al jueves 28 de enero de 2027, 11:00 (antes: viernes 29"
               in n for n in notices)
    assert any("Terminó la serie de sesiones cada dos semanas, el jueves a las 09:00. "
               "Sesiones canceladas: 5, 6, 7, 8." in n for n in notices)
    assert "No hay una serie de sesiones en curso" in await say(
        console, "rosa", "/sesion fin de serie")
    assert "escriba un día de la semana y la hora" in await say(
        console, "rosa", "/sesion cada 15 de enero 10:00")


async def test_a_series_in_english_and_a_holiday_marked(
    console: Console, clock: ManualClock
) -> None:
    await say(console, "rosa", "/idioma en")
    started = await say(console, "rosa", "/session every other Tuesday at 10 am")
    assert "Series scheduled: session every other Tuesday at 10:00 (Lima time)." in started
    listed = await say(console, "tom", "/session")
    assert "Session 1 · Tuesday 12 January 2027, 10:00 · scheduled · series: every other " \
           "Tuesday at 10:00" in listed
    assert "public holiday" not in listed

    clock.set(datetime(2026, 11, 30, 9, tzinfo=LIMA))  # 8 December: a holiday in Peru
    started = await say(console, "rosa", "/session every Tuesday 10:00")
    assert "Tuesday 8 December 2026, 10:00 · scheduled · series: every Tuesday at 10:00 · " \
           "public holiday" in started
    assert "Sessions on a public holiday are kept" in started
    assert "· public holiday" in await say(console, "tom", "/session")
    # the example names the holiday's own session, so typing it acts on that one
    holiday = started.split("Tuesday 8 December")[0].rsplit("Session ", 1)[1].split(" ")[0]
    assert f"cancel them (/session {holiday} cancelled)" in started
    assert holiday != "3"  # the number the example used to name, whatever the holiday



async def test_a_monthly_series_in_spanish_beside_the_weekly_one(
    console: Console, clock: ManualClock
) -> None:
    clock.set(datetime(2027, 1, 15, 12, tzinfo=LIMA))
    await say(console, "rosa", "/sesion cada viernes 10:00")
    started = await say(console, "rosa", "/sesion alto nivel primer jueves del mes 9:00")
    assert ("Serie programada: sesión de alto nivel el primer jueves de cada mes a las "
            "09:00 (hora de Lima).") in started
    assert "Reemplaza" not in started  # the ordinary weekly series goes on
    for number, day in ((5, "4 de febrero"), (6, "4 de marzo"), (7, "1 de abril"),
                        (8, "6 de mayo")):
        assert (f"Sesión de alto nivel {number} · jueves {day} de 2027, 09:00 · programada · "
                "serie: el primer jueves de cada mes a las 09:00") in started
    notices = await console.deliver()
    assert any("Las sesiones de alto nivel serán el primer jueves de cada mes a las 09:00. "
               "La próxima: "
               "sesión 5, jueves 4 de febrero de 2027, 09:00." in n for n in notices)
    listed = await say(console, "maria", "/sesion")  # May is beyond 60 days: still listed
    assert "Sesión de alto nivel 8 · jueves 6 de mayo de 2027, 09:00 · programada · " \
           "serie: el primer " \
           "jueves de cada mes" in listed
    assert "Sesión 4 · viernes 12 de febrero de 2027, 10:00 · programada · serie: cada " \
           "viernes" in listed

    for typed in ("/sesion quinto jueves del mes 9:00", "/sesion primer jueves 9:00",
                  "/sesion primer jueves del mes"):
        refused = await say(console, "rosa", typed)
        assert ("Para una serie mensual escriba la semana del mes (primer, segundo, tercer, "
                "cuarto o último), el día y la hora, por ejemplo: /sesion primer jueves del "
                "mes 9:00.") in refused, typed
    assert "Sesión 9" not in await say(console, "maria", "/sesion")  # nothing written

    ended = await say(console, "rosa", "/sesion alto nivel fin de serie")
    assert "Serie terminada: sesión de alto nivel el primer jueves de cada mes a las 09:00." \
        in ended
    assert "Sesiones canceladas: 5, 6, 7, 8." in ended


async def test_a_monthly_series_in_english_with_a_holiday(
    console: Console, clock: ManualClock
) -> None:
    clock.set(datetime(2027, 1, 15, 12, tzinfo=LIMA))
    await say(console, "rosa", "/idioma en")
    started = await say(console, "rosa", "/session last Friday of each month 10:00")
    assert ("Series scheduled: session on the last Friday of each month at 10:00 "
            "(Lima time).") in started
    assert "Session 1 · Friday 29 January 2027, 10:00 · scheduled" in started
    assert "Session 3 · Friday 26 March 2027, 10:00 · scheduled · series: on the last " \
           "Friday of each month at 10:00 · public holiday" in started  # Good Friday
    assert "Session 4 · Friday 30 April 2027, 10:00" in started
    replaced = await say(console, "rosa", "/session every first Thursday of the month at 9")
    assert "series: on the first Thursday of each month at 09:00" in replaced
    assert "its future sessions are cancelled: 1, 2, 3, 4." in replaced
    assert "Session 5 · Thursday 4 February 2027, 09:00" in replaced
    refused = await say(console, "rosa", "/session fifth Friday of the month 10:00")
    assert ("For a monthly series, type the week of the month (first, second, third, fourth "
            "or last), the weekday and the time, for example: /session first Thursday of "
            "the month 9:00.") in refused
    assert "Session 9" not in await say(console, "tom", "/session")


async def test_a_session_the_series_adds_later_on_a_holiday_is_announced_as_one(
    console: Console, services: Services, clock: ManualClock
) -> None:
    """The series keeps four sessions ahead; when the weeks bring 8 December (a holiday
    in Peru) into view, the group reads that it is a holiday and how to move or cancel
    that very session, and a high-level one says it is high-level."""
    clock.set(datetime(2026, 11, 2, 9, tzinfo=LIMA))
    await say(console, "rosa", "/sesion alto nivel cada martes 10:00")
    await console.deliver()
    clock.set(datetime(2026, 11, 10, 11, tzinfo=LIMA))
    assert await services.series.top_up() == 2  # 1 and 8 December come into view
    notices = await console.deliver()
    first = next(n for n in notices if "Sesión de alto nivel 5 programada" in n)
    assert "1 de diciembre de 2026, 10:00." in first and "feriado" not in first
    holiday = next(n for n in notices if "Sesión de alto nivel 6 programada" in n)
    assert "martes 8 de diciembre de 2026, 10:00." in holiday
    assert "cancélelas (/sesion 6 cancelada)" in holiday
