"""Alembic, driven from code: ``mesabot db upgrade`` and the demo call :func:`upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database to ``revision``.

    On SQLite a migration that drops or changes a column rebuilds the table, which its
    foreign keys forbid while they are enforced; as SQLite's own procedure says, the
    migration runs on a connection without them, and the keys are checked afterwards.
    """

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    if not db.is_sqlite:
        async with db.engine.begin() as connection:
            await connection.run_sync(run)
        return
    engine = create_async_engine(db.url)  # SQLite's default: foreign keys not enforced
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
            broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
            if broken:
                raise RuntimeError(f"migration left broken references: {broken[:5]}")
    finally:
        await engine.dispose()
