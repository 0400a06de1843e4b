"""The composition root: settings in, database and services out. Called from ``main()``;
nothing is built at import time."""

from __future__ import annotations

import logging
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.core.audit import new_key, parse_keys
from bot.core.clock import Clock, SystemClock
from bot.core.services import Services
from bot.settings import Settings
from bot.storage.database import Database


class RedactSecrets(logging.Filter):
    """Replace secrets in every record a handler writes.

    A Telegram request URL carries the bot token, and httpx and python-telegram-bot both
    log URLs (at INFO and DEBUG); filtering at the handler covers every logger.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<secret>")
            record.msg, record.args = message, None
        return True


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    secrets = [s.get_secret_value() for s in
               (settings.telegram_bot_token, settings.telegram_webhook_secret,
                settings.audit_key) if s is not None]
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # Request URLs at INFO are noise; the filter above keeps them harmless at DEBUG too.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler


class AuditKeyMissing(Exception):
    """No audit key is configured and none may be created here."""


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


async def run(settings: Settings, audit_keys: tuple[bytes, ...]) -> int:
    """``mesabot run``: every configured face and the scheduler on one loop, until a
    signal; stopped in reverse order."""
    import asyncio
    import signal

    from aiohttp import web

    from bot.handlers.telegram import webhook
    from bot.handlers.telegram.face import TelegramFace
    from scheduler.jobs import build_scheduler

    log = logging.getLogger("mesabot")
    if settings.telegram_bot_token is None:
        log.error("No face is configured: set TELEGRAM_BOT_TOKEN (see README).")
        return 2
    services = build_services(settings.database_url, audit_keys=audit_keys)
    telegram = TelegramFace(
        services, token=settings.telegram_bot_token.get_secret_value(),
        api_base_url=settings.telegram_api_base_url, clock=services.clock,
        lease=timedelta(seconds=settings.inbox_lease_seconds),
    )
    use_webhook = bool(settings.telegram_webhook_url)
    web_runner: web.AppRunner | None = None
    scheduler = build_scheduler(services, platforms=["telegram"])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await telegram.start(poll=not use_webhook)
        if use_webhook:
            secret = settings.telegram_webhook_secret
            if secret is None:
                log.error("TELEGRAM_WEBHOOK_SECRET is required in webhook mode.")
                return 2
            app = web.Application()
            app.add_routes(webhook.routes(telegram, secret.get_secret_value()))
            web_runner = web.AppRunner(app)
            await web_runner.setup()
            await web.TCPSite(web_runner, "0.0.0.0", settings.http_port).start()
            await telegram.bot.set_webhook(
                url=f"{settings.telegram_webhook_url}", secret_token=secret.get_secret_value(),
                allowed_updates=["message", "callback_query"],
            )
        scheduler.start()
        log.info("Mesa bot running (Telegram, %s)", "webhook" if use_webhook else "polling")
        await stop.wait()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        if web_runner is not None:
            await web_runner.cleanup()
        await telegram.stop()
        await services.db.dispose()
    return 0
