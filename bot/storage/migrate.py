"""Alembic, driven from code: ``mesabot db upgrade`` and the demo call :func:`upgrade`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
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


@dataclass(frozen=True)
class Schema:
    """Where a database's schema stands against the code's migrations."""

    #: The revision it was last upgraded to; None if never.
    current: str | None
    #: The newest revision this code knows.
    head: str
    #: Whether its tables exist (without a revision: made directly, as the tests do).
    has_tables: bool
    #: Every revision this code knows, oldest first.
    known: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return self.current == self.head or (self.current is None and self.has_tables)

    @property
    def ahead(self) -> bool:
        """Upgraded by a newer version of the bot than this one."""
        return self.current is not None and self.current not in self.known

    def steps_from(self, before: Schema) -> int:
        """How many migrations took ``before`` to this."""
        start = self.known.index(before.current) + 1 if before.current in self.known else 0
        end = self.known.index(self.current) + 1 if self.current in self.known else 0
        return max(0, end - start)


async def schema(db: Database) -> Schema:
    """Read which revision the database is at, without changing anything."""

    def read(connection: Connection) -> tuple[str | None, bool]:
        current = MigrationContext.configure(connection).get_current_revision()
        return current, inspect(connection).has_table("mesa")

    scripts = ScriptDirectory.from_config(alembic_config())
    known = tuple(reversed([r.revision for r in scripts.walk_revisions()]))
    async with db.engine.connect() as connection:
        current, has_tables = await connection.run_sync(read)
    return Schema(current=current, head=scripts.get_current_head() or "", has_tables=has_tables,
                  known=known)


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
