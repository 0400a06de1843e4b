"""The local Slack Web API and signed Slack requests, for the Slack face's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler

from bot.core.services import Services
from bot.handlers.slack.face import SlackFace
from tests.builders import PEOPLE, Cast
from tests.slack_requests import SIGNING_SECRET, SlackRequests
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


# The Slack face on the forestry mesa: each person of the cast has a Slack account.

SLACK_IDS = {handle: f"U0{handle.upper()}" for handle, *_ in PEOPLE}
GROUND = "C0GRUPO"
TEAM_CHANNEL = "C0EQUIPO"


@pytest.fixture
def people(slack: FakeSlack) -> dict[str, str]:
    """Each member of the cast as a Slack user (Tom's Slack is in English)."""
    for handle, name, *_ in PEOPLE:
        slack.add_user(SLACK_IDS[handle], name, locale="en-US" if handle == "tom" else "es-LA")
    slack.add_channel(GROUND, "mesa-forestal")
    slack.add_channel(TEAM_CHANNEL, "equipo-forestal", private=True)
    return SLACK_IDS


@pytest.fixture
async def slack_face(services: Services, cast: Cast, slack: FakeSlack,
                     people: dict[str, str]) -> AsyncIterator[SlackFace]:
    for handle, user_id in people.items():
        await services.members.link_identity(handle=handle, slack_user_id=user_id)
    face = SlackFace(services, token=slack.token, signing_secret=SIGNING_SECRET,
                     api_url=slack.base_url, clock=services.clock)
    await face.start()
    yield face
    await face.stop()


@pytest.fixture
async def app(slack_face: SlackFace) -> AsyncIterator[httpx.AsyncClient]:
    """The face's front app in-process, through Bolt's ASGI adapter."""
    handler = AsyncSlackRequestHandler(slack_face.front)
    transport = httpx.ASGITransport(app=handler)  # type: ignore[arg-type]  # ASGI dict types
    async with httpx.AsyncClient(transport=transport, base_url="http://slack.test") as client:
        yield client
