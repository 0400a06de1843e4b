"""The composition root: settings in, database and services out. Called from ``main()``;
nothing is built at import time."""

from __future__ import annotations

import asyncio
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
                settings.audit_key, settings.slack_bot_token, settings.slack_signing_secret,
                settings.slack_app_token) if s is not None]
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
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # a line per request
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
    from bot.storage.backlog import PLATFORMS
    from scheduler.jobs import build_scheduler
    from scheduler.leadership import Leadership, lock_for

    return Leadership(lock_for(services.db),
                      lambda: build_scheduler(services, platforms=list(PLATFORMS), health=health),
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


def _faces_configured(settings: Settings, log: logging.Logger) -> bool:
    """Whether the settings name at least one face, and each one whole; says what is
    missing otherwise."""
    if settings.slack_bot_token is not None and settings.slack_signing_secret is None:
        log.error("SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN (see README, Slack).")
        return False
    if settings.telegram_bot_token is None and settings.slack_bot_token is None:
        log.error("No face is configured: set TELEGRAM_BOT_TOKEN, or SLACK_BOT_TOKEN and "
                  "SLACK_SIGNING_SECRET (see README).")
        return False
    if settings.telegram_webhook_url and settings.telegram_webhook_secret is None:
        log.error("TELEGRAM_WEBHOOK_SECRET is required in webhook mode.")
        return False
    return True


async def run(settings: Settings, audit_keys: tuple[bytes, ...]) -> int:
    """``mesabot run``: every configured face (Telegram, Slack), the scheduler (when
    this process leads, see :mod:`scheduler.leadership`) and the HTTP listener
    (``/healthz`` always, ``/telegram`` in webhook mode, ``/slack/events`` for Slack
    over HTTP) on one loop, until a signal or an error no retry can fix; stopped in
    reverse order."""
    from slack_sdk.errors import SlackApiError
    from telegram.error import InvalidToken

    from bot.handlers.health import Health
    from scheduler.leadership import Role

    log = logging.getLogger("mesabot")
    if not _faces_configured(settings, log):
        return EXIT_CONFIG
    services = build_services(settings.database_url, audit_keys=audit_keys)
    services.outbox.lease = timedelta(seconds=settings.outbox_lease_seconds)
    stop = asyncio.Event()
    health = Health(services.clock, on_fatal=stop.set,
                    max_age=timedelta(seconds=settings.health_max_backlog_seconds))
    faces = _Faces(settings, services, health)
    leadership = _scheduler(services, health)
    web_runner: web.AppRunner | None = None
    watch: asyncio.Task[None] | None = None
    _stop_on_signals(stop)
    try:
        if await leadership.begin() is not Role.REFUSED:
            watch = health.start("scheduler.leadership", leadership.round)
        else:
            log.warning("This process runs its face without the scheduler; the process "
                        "that holds the lock sends the pings, agendas and digests.")
        routes = health.routes() + await faces.start()
        web_runner = await _listen(routes, settings.http_port)
        await faces.connect()
        log.info("Mesa bot running (%s; health on :%s/healthz)", faces.describe(),
                 settings.http_port)
        await stop.wait()
    except InvalidToken as error:
        log.critical("Stopping: Telegram refused the bot token (%s); check TELEGRAM_BOT_TOKEN",
                     error.message)
        return EXIT_FATAL
    except SlackApiError as error:
        log.critical("Stopping: Slack refused the bot (%s); check SLACK_BOT_TOKEN and "
                     "SLACK_APP_TOKEN", error.response.get("error"))
        return EXIT_FATAL
    finally:
        await health.stop_all([watch] if watch else [])
        await leadership.end()
        if web_runner is not None:
            await web_runner.cleanup()
        await faces.stop()
        await services.db.dispose()
    return EXIT_FATAL if health.fatal is not None else 0


class _Faces:
    """The faces the settings name, started and stopped together."""

    def __init__(self, settings: Settings, services: Services, health: Health) -> None:
        from bot.handlers.slack.face import SlackFace
        from bot.handlers.telegram.face import TelegramFace

        self.settings = settings
        lease = timedelta(seconds=settings.inbox_lease_seconds)
        self.telegram: TelegramFace | None = None
        self.slack: SlackFace | None = None
        self.socket = False  # Slack by Socket Mode rather than HTTP
        if settings.telegram_bot_token is not None:
            self.telegram = TelegramFace(
                services, token=settings.telegram_bot_token.get_secret_value(),
                api_base_url=settings.telegram_api_base_url, clock=services.clock,
                lease=lease, health=health)
        if settings.slack_bot_token is not None and settings.slack_signing_secret is not None:
            self.slack = SlackFace(
                services, token=settings.slack_bot_token.get_secret_value(),
                signing_secret=settings.slack_signing_secret.get_secret_value(),
                api_url=settings.slack_api_url, clock=services.clock, lease=lease,
                health=health)

    @property
    def webhook(self) -> bool:
        return bool(self.settings.telegram_webhook_url)

    async def start(self) -> list[web.RouteDef]:
        """Start each face; the HTTP routes they answer on."""
        from bot.handlers.telegram import webhook

        routes: list[web.RouteDef] = []
        secret = self.settings.telegram_webhook_secret
        if self.telegram is not None:
            await self.telegram.start(poll=not self.webhook)
            if self.webhook and secret is not None:
                routes += webhook.routes(self.telegram, secret.get_secret_value())
        if self.slack is not None:
            await self.slack.start()
            if self.settings.slack_app_token is None:
                routes += self.slack.routes()
        return routes

    async def connect(self) -> None:
        """Once the listener is up: tell Telegram the webhook, open Slack's socket."""
        secret = self.settings.telegram_webhook_secret
        if self.telegram is not None and self.webhook and secret is not None:
            await self.telegram.bot.set_webhook(
                url=f"{self.settings.telegram_webhook_url}",
                secret_token=secret.get_secret_value(),
                allowed_updates=["message", "callback_query"])
        if self.slack is not None and self.settings.slack_app_token is not None:
            await self.slack.open_socket(self.settings.slack_app_token.get_secret_value())
            self.socket = True

    def describe(self) -> str:
        named = []
        if self.telegram is not None:
            named.append("Telegram, " + ("webhook" if self.webhook else "polling"))
        if self.slack is not None:
            named.append("Slack, " + ("Socket Mode" if self.socket
                                      else "HTTP on /slack/events"))
        return "; ".join(named)

    async def stop(self) -> None:
        if self.slack is not None:
            await self.slack.stop()
        if self.telegram is not None:
            await self.telegram.stop()


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
        await health.stop_all([watch] if watch else [])
        await leadership.end()
        if web_runner is not None:
            await web_runner.cleanup()
        await services.db.dispose()
    return EXIT_FATAL if health.fatal is not None else 0
