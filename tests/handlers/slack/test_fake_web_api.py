"""The local Slack Web API answers slack_sdk's real AsyncWebClient the way Slack does."""

from __future__ import annotations

import json

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_server import BOT, FakeSlack

ROSA, TOM = "U0ROSA", "U0TOM"
CHANNEL = "C0MESA"


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    slack.add_user(ROSA, "Rosa Quispe", locale="es-ES")
    slack.add_user(TOM, "Tom Baker", locale="en-US")
    slack.add_channel(CHANNEL, "mesa-agua")
    return AsyncWebClient(token=slack.token, base_url=slack.base_url)


async def test_auth_test_names_the_bot(client: AsyncWebClient) -> None:
    answer = await client.auth_test()
    assert answer["user_id"] == BOT["user_id"]
    assert answer["bot_id"] == BOT["bot_id"]


async def test_a_wrong_or_revoked_token_is_invalid_auth(slack: FakeSlack,
                                                        client: AsyncWebClient) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack.base_url)
    with pytest.raises(SlackApiError) as error:
        await wrong.chat_postMessage(channel=CHANNEL, text="hola")
    assert error.value.response["error"] == "invalid_auth"
    slack.revoke_token()
    with pytest.raises(SlackApiError) as error:
        await client.auth_test()
    assert error.value.response["error"] == "invalid_auth"
    assert slack.sent(CHANNEL) == []


async def test_messages_are_recorded_per_channel_and_can_be_waited_for(
        slack: FakeSlack, client: AsyncWebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*A-3* vence el lunes"}}]
    posted = await client.chat_postMessage(channel=CHANNEL, text="A-3", blocks=blocks)
    assert posted["channel"] == CHANNEL
    found = await slack.wait_for_text(CHANNEL, "vence el lunes")  # words in blocks count
    assert found["ts"] == posted["ts"]
    await client.chat_update(channel=CHANNEL, ts=posted["ts"], text="A-3 hecha", blocks=[])
    (message,) = await slack.wait_for_messages(CHANNEL, 1)
    assert message["text"] == "A-3 hecha"


async def test_form_encoded_calls_are_understood(slack: FakeSlack,
                                                 client: AsyncWebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "plain_text", "text": "por formulario"}}]
    await client.api_call("chat.postMessage", data={"channel": CHANNEL, "text": "x",
                                                    "blocks": json.dumps(blocks)})
    assert "por formulario" in (await slack.wait_for_text(CHANNEL, "por formulario"))["blocks"][
        0]["text"]["text"]


async def test_a_message_to_a_user_lands_in_their_dm(slack: FakeSlack,
                                                     client: AsyncWebClient) -> None:
    opened = await client.conversations_open(users=ROSA)
    posted = await client.chat_postMessage(channel=ROSA, text="Tu acción vence hoy")
    assert posted["channel"] == opened["channel"]["id"]
    assert [m["text"] for m in slack.sent(ROSA)] == ["Tu acción vence hoy"]
    info = await client.conversations_info(channel=opened["channel"]["id"])
    assert info["channel"]["is_im"] and info["channel"]["user"] == ROSA


async def test_unknown_channels_and_users_are_refused(client: AsyncWebClient) -> None:
    for call, error in [(client.chat_postMessage(channel="C0NONE", text="x"),
                         "channel_not_found"),
                        (client.users_info(user="U0NONE"), "user_not_found"),
                        (client.conversations_info(channel="C0NONE"), "channel_not_found")]:
        with pytest.raises(SlackApiError) as raised:
            await call
        assert raised.value.response["error"] == error


async def test_the_locale_comes_only_when_asked_for(client: AsyncWebClient) -> None:
    plain = await client.users_info(user=TOM)
    assert "locale" not in plain["user"]
    asked = await client.users_info(user=TOM, include_locale=True)
    assert asked["user"]["locale"] == "en-US"


async def test_block_kit_limits_are_enforced(slack: FakeSlack, client: AsyncWebClient) -> None:
    fifty_one = [{"type": "section", "text": {"type": "plain_text", "text": str(i)}}
                 for i in range(51)]
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    for blocks in (fifty_one, too_long):
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel=CHANNEL, text="x", blocks=blocks)
        assert raised.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as raised, pytest.warns(UserWarning, match="text"):
        await client.chat_postMessage(channel=CHANNEL, text="")
    assert raised.value.response["error"] == "no_text"
    await client.chat_postMessage(channel=CHANNEL, text="ok", blocks=fifty_one[:50])
    assert len(slack.sent(CHANNEL)) == 1


async def test_a_rate_limit_says_when_to_retry(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage", 429, "ratelimited", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=CHANNEL, text="uno")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    await client.chat_postMessage(channel=CHANNEL, text="dos")
    assert [m["text"] for m in slack.sent(CHANNEL)] == ["dos"]


async def test_slack_sdk_retry_handler_reads_retry_after(slack: FakeSlack) -> None:
    slack.add_channel(CHANNEL, "mesa-agua")
    client = AsyncWebClient(token=slack.token, base_url=slack.base_url,
                            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    slack.fail_next("chat.postMessage", 429, "ratelimited", retry_after=0)
    await client.chat_postMessage(channel=CHANNEL, text="tras esperar")
    assert [m["text"] for m in slack.sent(CHANNEL)] == ["tras esperar"]
    assert len(slack.sent_calls("chat.postMessage")) == 2


async def test_an_outage_lasts_until_recovery(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.go_down("chat.postMessage")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=CHANNEL, text="uno")
    assert raised.value.response.status_code == 503
    slack.recover("chat.postMessage")
    await client.chat_postMessage(channel=CHANNEL, text="dos")
    assert [m["text"] for m in slack.sent(CHANNEL)] == ["dos"]


async def test_a_trigger_opens_one_view_once(slack: FakeSlack, client: AsyncWebClient) -> None:
    modal = {"type": "modal", "callback_id": "problema", "title": {"type": "plain_text",
             "text": "Problema"}, "blocks": []}
    trigger = slack.trigger(ROSA)
    opened = await client.views_open(trigger_id=trigger, view=modal)
    assert (await slack.wait_for_view(ROSA))["id"] == opened["view"]["id"]
    for bad, error in [(trigger, "exchanged_trigger_id"), ("1.never.issued", "invalid_trigger_id")]:
        with pytest.raises(SlackApiError) as raised:
            await client.views_open(trigger_id=bad, view=modal)
        assert raised.value.response["error"] == error


async def test_a_view_update_with_a_stale_hash_conflicts(slack: FakeSlack,
                                                         client: AsyncWebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Acción"}, "blocks": []}
    view = (await client.views_open(trigger_id=slack.trigger(ROSA), view=modal))["view"]
    changed = {**modal, "blocks": [{"type": "section",
                                    "text": {"type": "plain_text", "text": "paso 2"}}]}
    updated = await client.views_update(view_id=view["id"], hash=view["hash"], view=changed)
    assert "paso 2" in str((await slack.wait_for_view(ROSA))["blocks"])
    with pytest.raises(SlackApiError) as raised:
        await client.views_update(view_id=view["id"], hash=view["hash"], view=modal)
    assert raised.value.response["error"] == "hash_conflict"
    assert updated["view"]["hash"] != view["hash"]


async def test_app_home_is_kept_per_user(slack: FakeSlack, client: AsyncWebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "section",
                                        "text": {"type": "mrkdwn", "text": "Mis acciones"}}]}
    await client.views_publish(user_id=ROSA, view=home)
    assert (await slack.wait_for_home(ROSA, "Mis acciones"))["type"] == "home"
    assert TOM not in slack.homes
    with pytest.raises(SlackApiError) as raised:
        await client.views_publish(user_id=TOM, view={**home, "type": "modal"})
    assert raised.value.response["error"] == "invalid_arguments"


async def test_permalinks_exist_for_messages_only(slack: FakeSlack,
                                                  client: AsyncWebClient) -> None:
    message = slack.type(ROSA, CHANNEL, "No llegan las tuberías")
    link = await client.chat_getPermalink(channel=CHANNEL, message_ts=message["ts"])
    assert link["permalink"].endswith(f"/archives/{CHANNEL}/p{message['ts'].replace('.', '')}")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_getPermalink(channel=CHANNEL, message_ts="1.000001")
    assert raised.value.response["error"] == "message_not_found"


async def test_ephemeral_messages_are_kept_apart(slack: FakeSlack,
                                                 client: AsyncWebClient) -> None:
    await client.chat_postEphemeral(channel=CHANNEL, user=TOM, text="Only you see this")
    (ephemeral,) = await slack.wait_for_ephemeral(CHANNEL)
    assert ephemeral["user"] == TOM and ephemeral["text"] == "Only you see this"
    assert slack.sent(CHANNEL) == []
