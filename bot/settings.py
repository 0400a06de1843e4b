"""The one settings class, read from the environment (and ``.env``) once in ``main()``."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MESABOT_", env_file=".env", extra="ignore")

    #: SQLite file by default; ``postgresql+asyncpg://user@host:5432/db`` in production.
    database_url: str = "sqlite+aiosqlite:///mesabot.db"
    log_level: str = "INFO"
