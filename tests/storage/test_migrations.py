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


async def test_upgrade_moves_each_persons_entity_onto_their_memberships(tmp_path: Path) -> None:
    """Whom someone speaks for moved from the person to each mesa they sit in; a pending
    role of the old kind (an inactive membership) becomes a request to approve."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(db, "0004")
        async with db.engine.begin() as connection:
            for sql in (
                "INSERT INTO entity (id, name, full_name, is_public) VALUES (1, 'SERFOR', '', 1)",
                "INSERT INTO mesa (id, slug, name, kind, region, timezone, country, language, "
                "cadence, status, priority_limit, next_bottleneck_no, next_action_no, "
                "next_session_no, created_at) VALUES (1, 'forestal', 'Mesa Forestal', "
                "'sector', '', 'America/Lima', 'PE', 'es', 'weekly', 'active', 4, 1, 1, 1, "
                "'2027-01-11 14:00:00')",
                "INSERT INTO member (id, handle, name, entity_id, language, language_chosen, "
                "created_at) VALUES (1, 'jorge', 'Jorge', 1, 'es', 0, '2027-01-11 14:00:00')",
                "INSERT INTO member (id, handle, name, entity_id, language, language_chosen, "
                "created_at) VALUES (2, 'carla', 'Carla', 1, 'es', 0, '2027-01-11 14:00:00')",
                "INSERT INTO membership (mesa_id, member_id, role, active, created_at) "
                "VALUES (1, 1, 'public_official', 1, '2027-01-11 14:00:00')",
                "INSERT INTO membership (mesa_id, member_id, role, active, created_at) "
                "VALUES (1, 2, 'public_official', 0, '2027-01-11 14:00:00')",
            ):
                await connection.execute(text(sql))
        await upgrade(db)
        async with db.engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT member_id, entity_id, active, pending_role, pending_entity_id "
                "FROM membership ORDER BY member_id"
            ))).all()
        assert [tuple(r) for r in rows] == [
            (1, 1, True, None, None), (2, 1, False, "public_official", 1)]
    finally:
        await db.dispose()
