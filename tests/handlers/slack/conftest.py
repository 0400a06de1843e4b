"""The local Slack Web API and signed Slack requests, for the Slack face's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.slack_requests import SlackRequests
from tests.slack_server import FakeSlack


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def slack_requests(slack: FakeSlack) -> SlackRequests:
    return SlackRequests(fake=slack)
