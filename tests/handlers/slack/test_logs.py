"""Slack's bot token and signing secret never reach the logs, whatever the level."""

from __future__ import annotations

import io
import logging

import httpx
from pydantic import SecretStr

from bot.app import configure_logging
from bot.handlers.slack.face import SlackFace
from bot.settings import Settings
from tests.handlers.slack.conftest import GROUND
from tests.slack_requests import SIGNING_SECRET, SlackRequests
from tests.slack_server import FakeSlack


async def test_no_slack_secret_in_debug_logs(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    stream = io.StringIO()
    settings = Settings(log_level="DEBUG", SLACK_BOT_TOKEN=SecretStr(slack.token),
                        SLACK_SIGNING_SECRET=SecretStr(SIGNING_SECRET))
    handler = configure_logging(settings, stream)
    try:
        await slack_requests.command(people["maria"], GROUND, "ayuda").send(app)
        await slack.wait_for_answer(GROUND, "Comandos")
        try:  # what a failed call raises may carry the secrets
            raise ConnectionError(f"token={slack.token} secret={SIGNING_SECRET}")
        except ConnectionError:
            logging.getLogger("bot.handlers.health").exception("slack.outbox: round failed")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    logged = stream.getvalue()
    assert "Traceback" in logged and "token=<secret>" in logged
    assert slack.token not in logged and SIGNING_SECRET not in logged
