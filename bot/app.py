"""The composition root: settings in, database and services out. Called from ``main()``;
nothing is built at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.core.audit import new_key, parse_keys
from bot.core.clock import Clock, SystemClock
from bot.core.services import Services
from bot.settings import Settings
from bot.storage.database import Database

if TYPE_CHECKING:
    from aiohttp import web

    from bot.handlers.health import Health
    from scheduler.leadership import Leadership


class RedactingFormatter(logging.Formatter):
    """Replace secrets in everything a handler writes: the message and the traceback.

    A Telegram request URL carries the bot token, and httpx and python-telegram-bot both
    log URLs (at INFO and DEBUG) and put them in exception messages; redacting the
    formatted text covers every logger and every traceback.
    """

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "<secret>")
        return text


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    secrets = [s.get_secret_value() for s in
               (settings.telegram_bot_token, settings.telegram_webhook_secret,
                settings.audit_key) if s is not None]
    if settings.telegram_bot_token is not None:  # its secret half, wherever it shows alone
        secrets.append(settings.telegram_bot_token.get_secret_value().partition(":")[2])
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                            secrets))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # Request URLs at INFO are noise; the formatter above keeps them harmless at DEBUG too.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler


class AuditKeyMissing(Exception):
    """No audit key is configured and none may be created here."""


#: ``mesabot run`` and ``mesabot scheduler`` exit codes: a setting is missing (or a second
#: scheduler on one SQLite database), or an error no retry can fix (a token Telegram
#: refuses, another process polling the same token) stopped the process.
EXIT_CONFIG = 2
EXIT_FATAL = 3


def default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mesabot" / "audit.key"


def audit_key_file(settings: Settings) -> Path:
    return settings.audit_key_file or default_key_file()


def load_audit_keys(settings: Settings, *, create: bool) -> tuple[bytes, ...]:
    """The audit keys, newest first: ``MESABOT_AUDIT_KEY`` if set, else the key file.

    With ``create``, a missing key file is made with a fresh key (readable by its owner
    only), and the log says where and what to do with it. Called from ``main()`` before
    the loop starts, since it reads and writes a file.

    Raises:
        AuditKeyMissing: no key, and ``create`` is false.
        ValueError: a key that is not one.
    """
    if settings.audit_key is not None:
        return parse_keys(settings.audit_key.get_secret_value())
    path = audit_key_file(settings)
    if not path.exists():
        if not create:
            raise AuditKeyMissing(f"no audit key: set MESABOT_AUDIT_KEY, or create {path}")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(f"# mesabot audit keys, newest first\n{new_key()}\n")
        logging.getLogger("mesabot").warning(
            "Created the audit key at %s. Back it up apart from the database and keep it "
            "off the database's machine: whoever holds both the key and write access to "
            "the database can rewrite the record.", path,
        )
    return parse_keys(path.read_text())


def rotate_key_file(settings: Settings) -> tuple[bytes, ...]:
    """Put a fresh key first in the key file, keeping the old ones (they verify what they
    signed); returns the keys, newest first. With ``MESABOT_AUDIT_KEY`` set, the file is
    not the source: its keys are returned unchanged, the operator having put a new one
    first there."""
    if settings.audit_key is not None:
        return parse_keys(settings.audit_key.get_secret_value())
    path = audit_key_file(settings)
    old = load_audit_keys(settings, create=False)
    fresh = new_key()
    temporary = path.with_suffix(".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write("# mesabot audit keys, newest first\n" + fresh + "\n"
                   + "".join(key.decode() + "\n" for key in old))
    temporary.replace(path)  # never a half-written key file
    return (fresh.encode(), *old)


def build_services(
    database_url: str, clock: Clock | None = None, *, audit_keys: tuple[bytes, ...] = ()
) -> Services:
    return Services.build(db=Database(database_url, audit_keys=audit_keys),
                          clock=clock or SystemClock())



def _scheduler(services: Services, health: Health) -> Leadership:
    """The scheduler's jobs, run in this process only while it leads on the database."""
    from scheduler.jobs import build_scheduler
    from scheduler.leadership import Leadership, lock_for

    return Leadership(lock_for(services.db),
                      lambda: build_scheduler(services, platforms=["telegram"], health=health),
                      health=health)


async def _listen(routes: list[web.RouteDef], port: int) -> web.AppRunner:
    """The HTTP listener: ``/healthz`` always, and the webhook when there is one."""
    from aiohttp import web

    app = web.Application()
    app.add_routes(routes)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()
    return runner


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def run(settings: Settings, audit_keys: tuple[bytes, ...]) -> int:
    """``mesabot run``: every configured face, the scheduler (when this process leads,
    see :mod:`scheduler.leadership`) and the HTTP listener (``/healthz`` always,
    ``/telegram`` in webhook mode) on one loop, until a signal or an error no retry can
    fix; stopped in reverse order."""
    from telegram.error import InvalidToken

    from bot.handlers.health import Health
    from bot.handlers.telegram import webhook
    from bot.handlers.telegram.face import TelegramFace
    from scheduler.leadership import Role

    log = logging.getLogger("mesabot")
    if settings.telegram_bot_token is None:
        log.error("No face is configured: set TELEGRAM_BOT_TOKEN (see README).")
        return EXIT_CONFIG
    use_webhook = bool(settings.telegram_webhook_url)
    secret = settings.telegram_webhook_secret
    if use_webhook and secret is None:
        log.error("TELEGRAM_WEBHOOK_SECRET is required in webhook mode.")
        return EXIT_CONFIG
    services = build_services(settings.database_url, audit_keys=audit_keys)
    stop = asyncio.Event()
    health = Health(services.clock, on_fatal=stop.set,
                    max_age=timedelta(seconds=settings.health_max_backlog_seconds))
    telegram = TelegramFace(
        services, token=settings.telegram_bot_token.get_secret_value(),
        api_base_url=settings.telegram_api_base_url, clock=services.clock,
        lease=timedelta(seconds=settings.inbox_lease_seconds), health=health,
    )
    web_runner: web.AppRunner | None = None
    leadership = _scheduler(services, health)
    watch: asyncio.Task[None] | None = None
    _stop_on_signals(stop)
    try:
        if await leadership.begin() is not Role.REFUSED:
            watch = health.start("scheduler.leadership", leadership.round)
        else:
            log.warning("This process runs its face without the scheduler; the process "
                        "that holds the lock sends the pings, agendas and digests.")
        await telegram.start(poll=not use_webhook)
        routes = health.routes()
        if use_webhook and secret is not None:
            routes += webhook.routes(telegram, secret.get_secret_value())
        web_runner = await _listen(routes, settings.http_port)
        if use_webhook and secret is not None:
            await telegram.bot.set_webhook(
                url=f"{settings.telegram_webhook_url}", secret_token=secret.get_secret_value(),
                allowed_updates=["message", "callback_query"],
            )
        log.info("Mesa bot running (Telegram, %s; health on :%s/healthz)",
                 "webhook" if use_webhook else "polling", settings.http_port)
        await stop.wait()
    except InvalidToken as error:
        log.critical("Stopping: Telegram refused the bot token (%s); check TELEGRAM_BOT_TOKEN",
                     error.message)
        return EXIT_FATAL
    finally:
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        await leadership.end()
        if web_runner is not None:
            await web_runner.cleanup()
        await telegram.stop()
        await services.db.dispose()
    return EXIT_FATAL if health.fatal is not None else 0


async def run_scheduler(settings: Settings, audit_keys: tuple[bytes, ...]) -> int:
    """``mesabot scheduler``: the scheduler's jobs and ``/healthz``, no face. For a
    deployment of several bot processes: the faces of the ``mesabot run`` processes
    deliver what the jobs queue. On SQLite, a second scheduler is a mistake: it exits
    with :data:`EXIT_CONFIG`."""
    from bot.handlers.health import Health
    from scheduler.leadership import Role

    log = logging.getLogger("mesabot")
    services = build_services(settings.database_url, audit_keys=audit_keys)
    stop = asyncio.Event()
    health = Health(services.clock, on_fatal=stop.set,
                    max_age=timedelta(seconds=settings.health_max_backlog_seconds))
    leadership = _scheduler(services, health)
    web_runner: web.AppRunner | None = None
    watch: asyncio.Task[None] | None = None
    _stop_on_signals(stop)
    try:
        if await leadership.begin() is Role.REFUSED:
            log.error("Stopping: another process runs the scheduler on this SQLite "
                      "database (see above).")
            return EXIT_CONFIG
        watch = health.start("scheduler.leadership", leadership.round)
        web_runner = await _listen(health.routes(), settings.http_port)
        log.info("Mesa bot scheduler running (health on :%s/healthz)", settings.http_port)
        await stop.wait()
    finally:
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        await leadership.end()
        if web_runner is not None:
            await web_runner.cleanup()
        await services.db.dispose()
    return EXIT_FATAL if health.fatal is not None else 0
