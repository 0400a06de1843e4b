"""A member on Telegram and on Slack gets each private notice once, on the platform they
chose or last wrote from; notices to a chat go to every platform's chat."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.core import audit
from bot.core.clock import ManualClock
from bot.core.errors import BadValue, ChannelNotLinked
from bot.core.notices import Pending
from bot.core.services import Services
from bot.storage.backlog import outbox_backlog
from bot.storage.database import with_each_write
from bot.storage.tables import AuditEvent
from tests.builders import Cast
from tests.conftest import LIMA


async def _link(services: Services, handle: str, *, telegram: int | None = None,
                slack: str | None = None) -> None:
    await services.members.link_identity(handle=handle, telegram_user_id=telegram,
                                         slack_user_id=slack)


async def _wrote_from(services: Services, handle: str, platform: str) -> None:
    identity = await services.members.identify(handle=handle)
    await services.channels.used(identity=identity, platform=platform)


async def _role_changed(services: Services, handle: str = "maria") -> None:
    """An administrator changes María's role: the team is told, and so is she,
    privately (``role_approved``)."""
    await services.members.grant_role(mesa="forestal", handle=handle, role="private_rep",
                                      entity="APFU")


async def _kinds(services: Services, platform: str) -> list[tuple[str, str]]:
    return [(n.audience, n.kind) for n in await services.outbox.pending(platform=platform)]


PRIVATE = ("member", "role_approved")
TEAM = ("team", "role_granted")


async def test_a_member_on_both_gets_a_private_notice_only_where_they_last_wrote(
    services: Services, cast: Cast
) -> None:
    await _link(services, "maria", telegram=111, slack="U1")
    await _wrote_from(services, "maria", "slack")
    await _role_changed(services)
    assert await _kinds(services, "slack") == [TEAM, PRIVATE]
    assert await _kinds(services, "telegram") == [TEAM]
    await _wrote_from(services, "maria", "telegram")  # later notices follow her
    await _role_changed(services)
    assert await _kinds(services, "telegram") == [TEAM, TEAM, PRIVATE]
    assert await _kinds(services, "slack") == [TEAM, PRIVATE, TEAM]


async def test_a_choice_beats_where_they_write_for_notices_written_after_it(
    services: Services, cast: Cast
) -> None:
    await _link(services, "maria", telegram=111, slack="U1")
    await _wrote_from(services, "maria", "slack")
    await _role_changed(services)
    maria = await services.members.identify(handle="maria")
    chosen = await services.channels.choose(member_id=maria.member_id, platform="Telegram")
    assert (chosen.current, chosen.chosen, chosen.linked) == \
        ("telegram", "telegram", ("telegram", "slack"))
    await _wrote_from(services, "maria", "slack")  # still writing from Slack
    await _role_changed(services)
    # The first notice stays where it was addressed; the one after the choice goes to
    # Telegram, though she last wrote from Slack.
    assert await _kinds(services, "slack") == [TEAM, PRIVATE, TEAM]
    assert await _kinds(services, "telegram") == [TEAM, TEAM, PRIVATE]


async def test_a_member_with_one_account_gets_it_there_whatever_they_chose_or_used(
    services: Services, cast: Cast
) -> None:
    await _link(services, "maria", telegram=111)
    await _wrote_from(services, "maria", "slack")  # an account since forgotten, say
    async with services.db.write() as s:
        await s.exec(text("UPDATE member SET channel = 'slack' WHERE handle = 'maria'"))
    await _role_changed(services)
    assert await _kinds(services, "telegram") == [TEAM, PRIVATE]
    assert await _kinds(services, "slack") == [TEAM]
    maria = await services.members.identify(handle="maria")
    shown = await services.channels.show(member_id=maria.member_id)
    assert (shown.current, shown.chosen, shown.linked) == ("telegram", None, ("telegram",))


async def test_without_any_account_a_private_notice_is_left_to_every_face(
    services: Services, cast: Cast
) -> None:
    """Nobody can deliver it; each face skips it, as before platforms were chosen."""
    await _role_changed(services)
    assert await _kinds(services, "telegram") == [TEAM, PRIVATE]
    assert await _kinds(services, "slack") == [TEAM, PRIVATE]


async def test_the_console_shows_every_notice_and_the_backlog_counts_only_its_own(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _link(services, "maria", telegram=111, slack="U1")
    await _wrote_from(services, "maria", "slack")
    await _role_changed(services)
    assert await _kinds(services, "console") == [TEAM, PRIVATE]
    since = clock.now() - timedelta(days=1)
    assert (await outbox_backlog(services.db, platform="telegram", since=since))[0] == 1
    assert (await outbox_backlog(services.db, platform="slack", since=since))[0] == 2


async def test_a_ping_from_the_scheduler_goes_to_one_platform_too(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    await services.actions.confirm(actor=cast.jorge, ref="A-1", due="el viernes")
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")  # 15 January
    await _link(services, "jorge", telegram=222, slack="U2")
    await _wrote_from(services, "jorge", "slack")
    clock.set(datetime(2027, 1, 13, 10, 0, tzinfo=LIMA))
    assert await services.reminders.tick() == 1

    def pings(pending: list[Pending]) -> list[str | None]:
        return [n.member_name for n in pending if n.kind == "session_ping"]

    assert pings(await services.outbox.pending(platform="slack")) == ["Jorge Salas"]
    assert pings(await services.outbox.pending(platform="telegram")) == []


async def test_choosing_a_platform_without_an_account_there_is_refused(
    services: Services, cast: Cast
) -> None:
    await _link(services, "maria", telegram=111)
    maria = await services.members.identify(handle="maria")
    with pytest.raises(ChannelNotLinked) as refused:
        await services.channels.choose(member_id=maria.member_id, platform="slack")
    assert refused.value.params == {"platform": "slack", "handle": "maria"}
    with pytest.raises(BadValue):
        await services.channels.choose(member_id=maria.member_id, platform="whatsapp")
    shown = await services.channels.show(member_id=maria.member_id)
    assert (shown.current, shown.chosen) == ("telegram", None)


async def test_the_platform_is_written_only_when_it_changes_and_apart_from_the_update(
    services: Services, cast: Cast
) -> None:
    """Most messages come from where the last one came: they cost no write. The one
    that is written is not the message's effect: the face's hook that marks the message
    done with its effects does not run in it."""
    await _link(services, "maria", telegram=111, slack="U1")
    updates: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE MEMBER"):
            updates.append(statement)

    hooked: list[AsyncSession] = []

    async def hook(session: AsyncSession) -> None:
        hooked.append(session)

    event.listen(services.db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        with with_each_write(hook):
            await _wrote_from(services, "maria", "telegram")
            await _wrote_from(services, "maria", "telegram")
            await _wrote_from(services, "maria", "console")  # not a platform that delivers
            await _wrote_from(services, "maria", "slack")
    finally:
        event.remove(services.db.engine.sync_engine, "before_cursor_execute", seen)
    assert len(updates) == 2
    assert hooked == []
    assert (await services.members.identify(handle="maria")).last_platform == "slack"


async def _verify(services: Services) -> list[str]:
    async with services.db.read() as s:
        return (await audit.verify(s, [])).problems


async def test_a_choice_is_audited_and_one_changed_behind_the_bot_is_detected(
    services: Services, cast: Cast
) -> None:
    await _link(services, "maria", telegram=111, slack="U1")
    maria = await services.members.identify(handle="maria")
    await services.channels.choose(member_id=maria.member_id, platform="slack", source="t:1")
    await services.channels.choose(member_id=maria.member_id, platform="slack", source="t:2")
    await _wrote_from(services, "maria", "telegram")  # bookkeeping: never reported
    assert await _verify(services) == []
    async with services.db.read() as s:
        events = (await s.exec(select(AuditEvent.subject, AuditEvent.after, AuditEvent.source)
                               .where(AuditEvent.kind == "member.channel"))).all()
    assert [tuple(e) for e in events] == [("maria", {"channel": "slack"}, "t:1")]
    async with services.db.write() as s:
        await s.exec(text("UPDATE member SET channel = 'telegram' WHERE handle = 'maria'"))
    assert await _verify(services) == [
        "member @maria: channel is 'telegram' but the audit says 'slack'"]
