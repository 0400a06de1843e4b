"""The composition root: settings in, database and services out. Called from ``main()``;
nothing is built at import time."""

from __future__ import annotations

import logging

from bot.core.clock import Clock, SystemClock
from bot.core.services import Services
from bot.settings import Settings
from bot.storage.database import Database


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs request URLs at INFO, and a Telegram URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def build_services(database_url: str, clock: Clock | None = None) -> Services:
    return Services.build(db=Database(database_url), clock=clock or SystemClock())
