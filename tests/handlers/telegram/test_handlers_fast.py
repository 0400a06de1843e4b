"""The Telegram listeners, fast: PTB's Application with a recording request, updates fed
to ``process_update``, no server. The end-to-end tests next to this file cover HTTP."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from telegram import Update

from bot.core.chats import ChatRef
from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.handlers.telegram.face import TelegramFace
from tests.builders import Cast
from tests.handlers.telegram.conftest import GROUP, TELEGRAM_IDS
from tests.telegram_recorder import RecordingRequest

_ids = itertools.count(1)


@pytest.fixture
async def fast(services: Services, cast: Cast) -> AsyncIterator[tuple[TelegramFace,
                                                                     RecordingRequest]]:
    for handle, user_id in TELEGRAM_IDS.items():
        await services.members.link_identity(handle=handle, telegram_user_id=user_id)
    request = RecordingRequest()
    face = TelegramFace(services, token="1:FAST", api_base_url="http://unused.invalid",
                        clock=services.clock, request=request)
    await face.application.initialize()
    yield face, request
    await face.application.shutdown()


def _user(handle: str, language: str = "es") -> dict[str, Any]:
    return {"id": TELEGRAM_IDS[handle], "is_bot": False, "first_name": handle,
            "language_code": language}


async def _feed(face: TelegramFace, body: dict[str, Any]) -> None:
    payload = {"update_id": next(_ids), **body}
    await face.application.process_update(Update.de_json(payload, face.bot))


async def _type(face: TelegramFace, user: dict[str, Any], chat: dict[str, Any],
                text: str) -> None:
    await _feed(face, {"message": {"message_id": next(_ids), "from": user, "chat": chat,
                                   "date": int(time.time()), "text": text}})


def _private(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


async def test_telegrams_language_until_one_is_chosen(
    fast: tuple[TelegramFace, RecordingRequest],
) -> None:
    face, request = fast
    andres = _user("andres", "en")
    await _type(face, andres, _private(andres), "/matriz")
    assert request.sent()[-1]["text"].startswith("<b>Matrix of the Mesa Forestal")
    await _type(face, andres, _private(andres), "/idioma es")
    await _type(face, andres, _private(andres), "/matrix")
    assert request.sent()[-1]["text"].startswith("<b>Matriz de la Mesa Forestal")


async def test_a_wrong_role_press_alerts_and_changes_nothing(
    fast: tuple[TelegramFace, RecordingRequest], services: Services, cast: Cast
) -> None:
    face, request = fast
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    group = {"id": GROUP, "type": "group", "title": "Mesa Forestal"}
    await services.chats.link(actor=cast.rosa, purpose="ground",
                              chat=ChatRef("telegram", str(GROUP), "Mesa Forestal"))
    message = {"message_id": 99, "date": int(time.time()), "chat": group, "text": "A-1"}
    await _feed(face, {"callback_query": {"id": "cb1", "from": _user("tom", "en"),
                                          "message": message, "chat_instance": "x",
                                          "data": "/claim A-1"}})
    (answer,) = [p for name, p in request.calls if name == "answerCallbackQuery"]
    assert answer["show_alert"] is True and "As observer" in answer["text"]
    assert request.sent() == []
    assert (await services.reading.my_actions(actor=cast.tom)) == []
    matrix = await services.reading.matrix(actor=cast.rosa)
    assert [a.status for a in matrix.actions["P-1"]] == ["proposed"]


async def test_a_stranger_is_told_how_to_join(
    fast: tuple[TelegramFace, RecordingRequest],
) -> None:
    face, request = fast
    stranger = {"id": 555, "is_bot": False, "first_name": "Ana", "language_code": "es"}
    await _type(face, stranger, _private(stranger), "/matriz")
    assert "use el enlace de invitación" in request.sent()[-1]["text"]


class _Crash(BaseException):
    """The process dies: nothing in it catches this."""


async def _dies_before_answering_then_taken_over(
    face: TelegramFace, request: RecordingRequest, clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch, handle: str, text: str, update_id: int,
) -> str:
    """``handle`` types ``text`` privately; the process commits its effect and dies
    before answering; once its claim lapses another takes the update. Returns the one
    answer sent."""
    user = _user(handle)
    body = {"message": {"message_id": update_id, "from": user, "chat": _private(user),
                        "date": int(time.time()), "text": text}}
    await face.receive([{"update_id": update_id, **body}])
    real_send = face.send

    async def dies(*args: Any, **kwargs: Any) -> Any:
        raise _Crash()

    monkeypatch.setattr(face, "send", dies)
    with pytest.raises(_Crash):
        await face.runner.run_pending()
    assert request.sent() == []
    monkeypatch.setattr(face, "send", real_send)
    clock.advance(timedelta(seconds=15))  # the dead process's claim lapses
    await face.runner.run_pending()
    (answer,) = request.sent()
    return str(answer["text"])


async def test_a_crash_between_the_commit_and_the_reply_loses_neither(
    fast: tuple[TelegramFace, RecordingRequest], services: Services, cast: Cast,
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bottleneck is recorded, then the process dies before it answers. Another
    process takes the update once the claim lapses: it records nothing twice, and María
    is answered after all."""
    face, request = fast
    answer = await _dies_before_answering_then_taken_over(
        face, request, clock, monkeypatch, "maria", "/problema Guías lentas", 4242)
    assert "ya quedó registrado (P-1)" in answer
    matrix = await services.reading.matrix(actor=cast.rosa)
    assert [b.ref for b in matrix.awaiting_triage] == ["P-1"]
    assert await face.runner.run_pending() == 0  # answered: done for good


async def test_a_command_taken_again_after_a_crash_is_not_run_twice(
    fast: tuple[TelegramFace, RecordingRequest], services: Services, cast: Cast,
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Marking A-1 done, then dying before the answer: the answer that comes later says
    it was recorded, not that A-1 "is done and that cannot be done now"."""
    face, request = fast
    await services.bottlenecks.log(actor=cast.maria, text="Guías lentas")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Digitalizar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    answer = await _dies_before_answering_then_taken_over(
        face, request, clock, monkeypatch, "jorge", "/hecho A-1", 4343)
    assert "ya quedó registrado (A-1)" in answer
