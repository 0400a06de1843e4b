"""The async engine and the two kinds of transaction the core opens.

SQLite (aiosqlite) is the embedded default: WAL, foreign keys on, a busy timeout, and
write transactions begun with ``BEGIN IMMEDIATE``. A busy timeout alone does not stop
"database is locked" when a reading transaction turns into a writing one, so a write
takes the lock up front and concurrent writers simply queue. PostgreSQL (asyncpg) is the
production store; there rows are locked with ``SELECT ... FOR UPDATE`` by the core.

Every session carries the audit keys in ``session.info`` (see :mod:`bot.core.audit`), so
a use case records its audit event without handling keys, and the keys stay in this
process: never in the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage import tables  # noqa: F401  (registers the tables on the metadata)

_WRITE = "mesabot_write"
#: The ``session.info`` entry that holds the audit keys, newest first.
AUDIT_KEYS = "audit_keys"
#: Set in the ``info`` of a writing session: a use case may then lock what it reads.
WRITING = "writing"

WriteHook = Callable[[AsyncSession], Awaitable[None]]
_write_hook: ContextVar[WriteHook | None] = ContextVar("mesabot_write_hook", default=None)


_effects_done: ContextVar[bool] = ContextVar("mesabot_effects_done", default=False)


@contextmanager
def redoing(done: bool) -> Iterator[None]:
    """Handle an incoming update whose effects were committed before (its process died
    before answering): in this context :func:`effects_done` is true, so the face answers
    again instead of running the command a second time."""
    token = _effects_done.set(done)
    try:
        yield
    finally:
        _effects_done.reset(token)


def effects_done() -> bool:
    return _effects_done.get()


class AlreadyDone(Exception):
    """The work this write belongs to was already done: the write is rolled back."""


@contextmanager
def with_each_write(hook: WriteHook) -> Iterator[None]:
    """Run ``hook`` inside every writing transaction opened in this context, just before
    it commits. A face uses it to mark the incoming update done in the same transaction
    as the update's effects; the hook raises :class:`AlreadyDone` to undo a duplicate.
    Hooks nest: an inner one runs after the ones around it, in the same transaction."""
    outer = _write_hook.get()

    async def both(session: AsyncSession) -> None:
        if outer is not None:
            await outer(session)
        await hook(session)

    token = _write_hook.set(both)
    try:
        yield
    finally:
        _write_hook.reset(token)


@contextmanager
def apart_from_update() -> Iterator[None]:
    """Writes in this context are bookkeeping, not the incoming update's effects (the
    platform a member last wrote from): no hook of :func:`with_each_write` runs in them,
    so the update is still marked done in the transaction of its own effects."""
    token = _write_hook.set(None)
    try:
        yield
    finally:
        _write_hook.reset(token)


#: The asyncio driver of each database the bot runs on.
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg",
                  "postgres": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """``sqlite:///mesa.db`` as ``sqlite+aiosqlite:///mesa.db``: the bot runs on asyncio,
    so a URL written without a driver (as most tools and hosting panels give it) is
    given the async one; a URL naming its driver is kept as written."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme in _ASYNC_DRIVERS:
        return f"{_ASYNC_DRIVERS[scheme]}://{rest}"
    return url


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for an in-memory one or another database."""
    if not _is_sqlite(url):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """Take over transaction control from pysqlite so BEGIN IMMEDIATE is ours to send."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _prepare_postgresql(engine: AsyncEngine) -> None:
    """Take asyncpg's word for a broken connection. A connection the server dropped may
    surface as "cannot switch to state ...; another operation is in progress" (an
    ``InternalClientError``), which SQLAlchemy does not count as a disconnect: counted
    as one, the connection is discarded and the pool renews the others it holds."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _broken(context: ExceptionContext) -> None:
        error = context.original_exception
        cause = error.__cause__ if error is not None else None
        if type(cause).__name__ == "InternalClientError" or (
                type(error).__name__ == "InternalClientError"):
            context.is_disconnect = True


class Database:
    """One engine and its session factory; built once in ``main()``."""

    def __init__(
        self, url: str, *, echo: bool = False, audit_keys: Sequence[bytes] = ()
    ) -> None:
        url = self.url = async_url(url)
        #: Newest first: the first signs new audit events, all of them verify old ones.
        self.audit_keys = tuple(audit_keys)
        self.is_sqlite = _is_sqlite(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            # No ping before each checkout (a round trip every time): a connection the
            # server dropped fails its first use, the pool then renews all it holds
            # (see _prepare_postgresql), and the inbox takes the update again.
            kwargs.update(pool_size=10, max_overflow=10)
        self.engine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _prepare_sqlite(self.engine)
        else:
            _prepare_postgresql(self.engine)
        self._write_engine = self.engine.execution_options(**{_WRITE: True})

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One writing transaction: committed on success, rolled back on any error."""
        async with (
            AsyncSession(self._write_engine, expire_on_commit=False,
                         info={AUDIT_KEYS: self.audit_keys, WRITING: True}) as session,
            session.begin(),
        ):
            yield session
            hook = _write_hook.get()
            if hook is not None:
                await hook(session)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """One reading transaction; never commits anything."""
        async with AsyncSession(self.engine, expire_on_commit=False,
                                info={AUDIT_KEYS: self.audit_keys}) as session:
            yield session  # closing the session rolls the read transaction back

    async def create_all(self) -> None:
        """Create every table directly; tests use this, deployments use migrations."""
        async with self.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)

    async def dispose(self) -> None:
        await self.engine.dispose()
