"""The composition root: settings in, database and services out. Called from ``main()``;
nothing is built at import time."""

from __future__ import annotations

import logging
import sys
from datetime import timedelta
from typing import TextIO

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
               (settings.telegram_bot_token, settings.telegram_webhook_secret) if s is not None]
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # Request URLs at INFO are noise; the filter above keeps them harmless at DEBUG too.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler


def build_services(database_url: str, clock: Clock | None = None) -> Services:
    return Services.build(db=Database(database_url), clock=clock or SystemClock())


async def run(settings: Settings) -> int:
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
    services = build_services(settings.database_url)
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
