"""Alembic builds, from an empty database, exactly the schema the tables declare."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bot.storage.database import Database
from bot.storage.migrate import alembic_config, upgrade

PG_URL = os.environ.get("MESABOT_TEST_DATABASE_URL", "")


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def _check(db: Database) -> None:
    await upgrade(db)
    async with db.engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
        version = (await connection.execute(text("SELECT version_num FROM alembic_version")))
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert version.scalar_one() == head


async def test_upgrade_from_empty_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        await _check(db)
        await upgrade(db)  # running it again changes nothing
    finally:
        await db.dispose()


@pytest.mark.skipif(not PG_URL, reason="MESABOT_TEST_DATABASE_URL not set")
async def test_upgrade_from_empty_postgresql() -> None:
    admin = Database(PG_URL)
    async with admin.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        await connection.execute(text("CREATE SCHEMA migration_check"))
    await admin.dispose()
    db = Database(PG_URL)

    from sqlalchemy import event

    @event.listens_for(db.engine.sync_engine, "connect")
    def _search_path(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("SET search_path TO migration_check")
        cursor.close()

    try:
        await _check(db)
    finally:
        await db.dispose()


async def test_upgrade_keeps_existing_members(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(db, "0001")
        async with db.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO member (handle, name, language, created_at) "
                "VALUES ('maria', 'María Quispe', 'es', '2027-01-11 14:00:00')"
            ))
        await upgrade(db)
        async with db.engine.connect() as connection:
            row = (await connection.execute(text(
                "SELECT name, language_chosen FROM member"
            ))).one()
        assert tuple(row) == ("María Quispe", False)
    finally:
        await db.dispose()
