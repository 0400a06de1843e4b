"""What goes wrong on Slack, through the real Bolt app: forged and stale requests,
Slack's retries, a first delivery the database refused, text that tries to be markup,
text far too long, words the bot does not know, and people or channels outside the mesa.
Each is answered as a person would expect, and nothing is half-written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import httpx
import pytest
from sqlmodel import select

from bot.handlers.slack.face import SlackFace
from bot.storage.inbox import Incoming
from bot.storage.tables import Bottleneck, InboundUpdate
from tests.handlers.slack.conftest import GROUND, TEAM_CHANNEL
from tests.handlers.slack.test_scenario import _linked
from tests.slack_requests import SlackRequests
from tests.slack_server import FakeSlack, text_of


async def _bottlenecks(face: SlackFace) -> list[Bottleneck]:
    async with face.services.db.read() as s:
        return list((await s.exec(select(Bottleneck))).all())


async def _stored(face: SlackFace) -> list[InboundUpdate]:
    async with face.services.db.read() as s:
        return list((await s.exec(select(InboundUpdate))).all())


async def test_forged_and_stale_requests_of_every_kind_get_401_and_change_nothing(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    maria = people["maria"]
    dm = slack.dm(maria)["id"]
    requests = [
        slack_requests.command(maria, GROUND, "vincular grupo").forged(),
        slack_requests.command(maria, GROUND, "problema Viejo", age=600),
        slack_requests.message(maria, dm, "problema Falso").forged(),
        slack_requests.message(maria, dm, "problema Viejo", age=301),
        slack_requests.retry(slack_requests.message(maria, dm, "problema X")).forged(),
    ]
    for request in requests:
        assert (await request.send(app)).status_code == 401
    assert await _stored(slack_face) == []
    assert await _bottlenecks(slack_face) == []
    assert slack.sent_calls("chat.postMessage") == [] and slack.responses == {}


async def test_a_retried_event_is_processed_once_and_answered_once(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    dm = slack.dm(people["maria"])["id"]
    first = slack_requests.message(people["maria"], dm, "problema Puerto congestionado")
    for request in (first, slack_requests.retry(first), slack_requests.retry(first, 2)):
        assert (await request.send(app)).status_code == 200
    await slack.wait_for_text(dm, "Registrado como P-1")
    await slack_requests.message(people["maria"], dm, "ayuda").send(app)
    answers = await slack.wait_for_messages(dm, 2)
    assert [text_of(m).count("Registrado como") for m in answers] == [2, 0]
    assert [b.title for b in await _bottlenecks(slack_face)] == ["Puerto congestionado"]


async def test_a_retry_whose_first_delivery_was_never_stored_is_processed(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace, monkeypatch: pytest.MonkeyPatch,
) -> None:
    dm = slack.dm(people["maria"])["id"]
    store = slack_face.inbox.store
    refused: list[Sequence[Incoming]] = []

    async def fails_once(updates: Sequence[Incoming], *, now: datetime) -> int:
        if not refused:
            refused.append(updates)
            raise ConnectionError("the database is down")
        return await store(updates, now=now)

    monkeypatch.setattr(slack_face.inbox, "store", fails_once)
    first = slack_requests.message(people["maria"], dm, "problema Guías lentas")
    assert (await first.send(app)).status_code == 500  # Slack will retry it
    assert await _stored(slack_face) == []
    assert (await slack_requests.retry(first).send(app)).status_code == 200
    await slack.wait_for_text(dm, "Registrado como P-1")
    assert [b.title for b in await _bottlenecks(slack_face)] == ["Guías lentas"]


MARKUP = "<!channel> *urgente* <https://evil.example|Banco de la Nación> & <@U0ROSA>"


async def test_markup_in_a_title_is_shown_as_typed_and_never_notifies_or_links(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    await slack_requests.command(people["maria"], GROUND, f"problema {MARKUP}").send(app)
    await slack.wait_for_answer(GROUND, "Registrado como P-1")
    await slack.wait_for_text(TEAM_CHANNEL, "Nuevo problema P-1")
    shown = ([m for c in (GROUND, TEAM_CHANNEL) for m in slack.sent(c)]
             + [r for c in slack.responses for r in slack.responses[c]])
    for message in shown:
        words = text_of(message)
        assert not re.search(r"<[!@#]|<https?:", words), words
        if "P-1" in words:
            assert "&lt;!channel&gt;" in words
            assert "&lt;https://evil.example|Banco de la Nación&gt;" in words
            assert "*urgente*" not in words and "&amp;" in words
        for block in message.get("blocks") or []:
            text = block.get("text") or {}
            assert text.get("type") != "mrkdwn" or text.get("verbatim") is True


async def test_a_ten_thousand_character_problem_is_refused_and_a_long_one_fits_slack(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    words = " ".join(["demora<&>"] * 1000) + "."  # 10,000 characters
    await slack_requests.command(people["maria"], GROUND, f"problema {words}").send(app)
    _, refusal = await slack.wait_for_response(GROUND, 2)
    assert refusal["response_type"] == "ephemeral"
    assert "10000 caracteres y el máximo aquí es 5000. No se guardó nada" in text_of(refusal)
    assert await _bottlenecks(slack_face) == []

    # Just within the core's limit, escaped it is longer than a Slack text may be
    # (3,000): whoever asks to see it whole gets it cut so that Slack takes it.
    title = words[:4_990]
    await slack_requests.command(people["maria"], GROUND, f"problema {title}").send(app)
    await slack.wait_for_answer(GROUND, "Registrado como P-1")
    await slack.wait_for_text(TEAM_CHANNEL, "Nuevo problema P-1")
    await slack_requests.command(people["rosa"], TEAM_CHANNEL, "ver P-1").send(app)
    await slack.wait_for_response(TEAM_CHANNEL, 2)
    seen = text_of(slack.responses[TEAM_CHANNEL][-1])
    assert seen.count("demora&lt;&amp;&gt;") >= 4_990 // 10  # all of it, in the blocks
    (stored,) = await _bottlenecks(slack_face)
    assert stored.detail == title.strip()


async def test_an_unknown_word_is_answered_with_what_to_type_instead(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    await slack_requests.command(people["maria"], GROUND, "reclamar A-1").send(app)
    _, answer = await slack.wait_for_response(GROUND, 2)
    assert answer["response_type"] == "ephemeral"
    # the nearest command, written as typed on Slack
    assert "¿Quiso decir /mesa rechazar?" in text_of(answer)
    tom = slack.dm(people["tom"])["id"]
    await slack_requests.message(people["tom"], tom, "gimme the list").send(app)
    (said,) = await slack.wait_for_messages(tom, 1)
    assert "/mesa help" in text_of(said)


async def test_a_member_of_another_mesa_cannot_act_in_this_mesas_channel(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _linked(app, slack, slack_requests, people)
    slack.add_user("U0PEDRO", "Pedro Ruiz")
    await slack_face.services.members.link_identity(handle="pedro", slack_user_id="U0PEDRO")
    await slack_requests.command("U0PEDRO", GROUND, "problema Algo de acuicultura").send(app)
    _, answer = await slack.wait_for_response(GROUND, 2)
    assert answer["response_type"] == "ephemeral"
    assert "Mesa Forestal" not in text_of(answer)  # nobody is shown another mesa's name
    assert await _bottlenecks(slack_face) == []


async def test_in_a_channel_the_bot_was_not_invited_to_answers_still_reach_the_person(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    """Slash commands work where the bot is not a member; its own messages do not (the
    fake answers channel_not_found for a channel it was never added to): an answer
    about an action goes back through the command's response_url instead."""
    outside = "C0AFUERA"
    await slack_requests.command(people["rosa"], outside, "vincular grupo").send(app)
    await slack.wait_for_answer(outside, "como grupo de la mesa")
    await slack_requests.command(people["maria"], outside, "problema Registro lento").send(app)
    await slack.wait_for_answer(outside, "Registrado como P-1")
    await slack_requests.command(people["rosa"], outside, "accion P-1 Publicar").send(app)
    await slack.wait_for_answer(outside, "Acción A-1 propuesta")
    await slack_requests.command(people["jorge"], outside, "tomar A-1").send(app)
    claimed = await slack.wait_for_answer(outside, "A-1 la asume Jorge Salas")
    assert claimed["response_type"] == "in_channel"
