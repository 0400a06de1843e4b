"""The one settings class, read from the environment (and ``.env``) once in ``main()``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MESABOT_", env_file=".env", extra="ignore")

    #: SQLite file by default; ``postgresql+asyncpg://user@host:5432/db`` in production.
    database_url: str = "sqlite+aiosqlite:///mesabot.db"
    log_level: str = "INFO"
    #: Port of the HTTP listener: ``/healthz`` always, ``/telegram`` in webhook mode,
    #: ``/slack/events`` when Slack is configured without Socket Mode.
    http_port: int = 8080
    #: How long a claim on an incoming update lasts unless its process renews it (a live
    #: process renews every third of it; a crashed one's chats resume after it).
    inbox_lease_seconds: int = 10
    #: How long a notice being sent is held by its process; after a crash, the notice
    #: that was being sent goes out this long after (the others at once).
    outbox_lease_seconds: int = 300
    #: ``/healthz`` answers 503 when the oldest waiting update or notice, or a loop's
    #: last successful round, is older than this.
    health_max_backlog_seconds: int = 300
    #: The key(s) that sign the audit trail, newest first, comma-separated. Never stored in
    #: the database; unset means the key file below.
    audit_key: SecretStr | None = None
    #: A file of audit keys, one a line, newest first; ``~/.config/mesabot/audit.key`` by
    #: default, created with a fresh key on first start.
    audit_key_file: Path | None = None

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias="TELEGRAM_BOT_TOKEN"
    )
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org", validation_alias="TELEGRAM_API_BASE_URL"
    )
    #: Public HTTPS URL Telegram posts updates to; unset means long polling.
    telegram_webhook_url: str | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )

    #: Slack: the bot token (``xoxb-``) and the signing secret turn the Slack face on.
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    #: An app-level token (``xapp-``): Socket Mode instead of HTTP requests from Slack.
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    #: The Web API's base URL (change only to use a local test double).
    slack_api_url: str = Field(default="https://slack.com/api/",
                               validation_alias="SLACK_API_URL")
