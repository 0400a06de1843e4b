"""The monthly series column arrives empty on series that already run (they stay
weekly), and going back down removes it and keeps the series."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.storage.database import Database
from bot.storage.migrate import alembic_config, upgrade


def _downgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "0008")


async def test_running_weekly_series_stay_weekly_and_the_column_goes_back_down(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(db, "0008")
        async with db.engine.begin() as connection:
            for sql in (
                "INSERT INTO mesa (id, slug, name, kind, region, timezone, country, language, "
                "cadence, status, priority_limit, next_bottleneck_no, next_action_no, "
                "next_session_no, created_at, ping_hours, agenda_hours, grace_days, "
                "day_starts, day_ends) VALUES (1, 'forestal', 'Mesa Forestal', 'sector', '', "
                "'America/Lima', 'PE', 'es', 'weekly', 'active', 4, 1, 1, 1, "
                "'2027-01-11 14:00:00', '48,24', 2, 7, 7, 21)",
                "INSERT INTO session_series (id, mesa_id, kind, weekday, at_time, every_weeks, "
                "anchor_on, created_at) VALUES (1, 1, 'regular', 4, '10:00', 1, '2027-01-15', "
                "'2027-01-11 14:00:00')",
            ):
                await connection.execute(text(sql))
        await upgrade(db)
        async with db.engine.connect() as connection:
            row = (await connection.execute(text(
                "SELECT weekday, week_of_month FROM session_series"))).one()
        assert tuple(row) == (4, None)
        async with db.engine.begin() as connection:
            await connection.run_sync(_downgrade)
            columns = (await connection.execute(text(
                "SELECT name FROM pragma_table_info('session_series')"))).scalars().all()
            kept = (await connection.execute(text(
                "SELECT weekday, at_time FROM session_series"))).one()
        assert "week_of_month" not in columns
        assert tuple(kept) == (4, "10:00")
    finally:
        await db.dispose()
