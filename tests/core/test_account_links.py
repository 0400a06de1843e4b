"""A member links their own account on a second platform with a one-time code, so they
stay one person (their actions, roles and notices) on Telegram and on Slack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.core import audit
from bot.core.account_links import Linked
from bot.core.clock import ManualClock
from bot.core.errors import AccountTaken, InvitationInvalid, LinkCodeInvalid
from bot.core.services import Services
from bot.storage.tables import AccountLinkCode, Member
from tests.builders import Cast


async def _jorge_on_telegram(services: Services) -> int:
    await services.members.link_identity(handle="jorge", telegram_user_id=222)
    return (await services.members.identify(handle="jorge")).member_id


async def _on_slack(services: Services, code: str, user: str = "U0JORGE") -> object:
    return await services.invitations.accept(code=code, name="Jorge en Slack", language="es",
                                             slack_user_id=user, source="slack:D1:1")


async def _verify(services: Services) -> list[str]:
    async with services.db.read() as s:
        return (await audit.verify(s, [])).problems


async def test_the_code_links_the_slack_account_to_the_same_member_once(
    services: Services, cast: Cast
) -> None:
    jorge = await _jorge_on_telegram(services)
    offer = await services.accounts.offer(member_id=jorge, platform="slack", source="t:1")
    assert len(offer.code) == 8
    linked = await _on_slack(services, offer.code.lower())  # typed in lower case on a phone
    assert linked == Linked("Jorge Salas", "jorge", "slack")
    identity = await services.members.identify(slack_user_id="U0JORGE")
    assert identity.member_id == jorge and identity.handle == "jorge"
    assert [m.slug for m in identity.mesas] == ["forestal"]  # his roles came with him
    async with services.db.read() as s:
        assert (await s.exec(select(Member).where(Member.name == "Jorge en Slack"))
                ).first() is None  # no second member
    with pytest.raises(LinkCodeInvalid):
        await _on_slack(services, offer.code, user="U0OTHER")
    assert await _verify(services) == []
    # he is told on Telegram, where he already was: a link he did not make would show
    notices = await services.outbox.pending(platform="telegram")
    assert [(n.member_telegram_id, n.params) for n in notices
            if n.kind == "account_linked"] == [(222, {"platform": "slack",
                                                       "name": "Jorge Salas"})]
    assert not [n for n in await services.outbox.pending(platform="slack")
                if n.kind == "account_linked"]


async def test_a_code_expires_is_tied_to_its_platform_and_only_the_newest_works(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    jorge = await _jorge_on_telegram(services)
    first = await services.accounts.offer(member_id=jorge, platform="slack")
    second = await services.accounts.offer(member_id=jorge, platform="slack")
    with pytest.raises(LinkCodeInvalid):
        await _on_slack(services, first.code)
    with pytest.raises(LinkCodeInvalid):  # a Slack code typed on Telegram
        await services.invitations.accept(code=second.code, name="x", language="es",
                                          telegram_user_id=999)
    clock.advance(timedelta(minutes=31))
    with pytest.raises(LinkCodeInvalid):
        await _on_slack(services, second.code)
    with pytest.raises(InvitationInvalid):  # a code that was never given
        await _on_slack(services, "ZZZZZZZZ")
    assert (await services.members.identify(handle="jorge")).member_id == jorge
    async with services.db.read() as s:
        assert (await s.exec(select(Member.slack_user_id).where(Member.id == jorge))
                ).one() is None


async def test_an_account_of_another_member_is_never_taken_over(
    services: Services, cast: Cast
) -> None:
    jorge = await _jorge_on_telegram(services)
    await services.members.link_identity(handle="lucia", slack_user_id="U0LUCIA")
    offer = await services.accounts.offer(member_id=jorge, platform="slack")
    with pytest.raises(AccountTaken) as refused:
        await _on_slack(services, offer.code, user="U0LUCIA")
    assert refused.value.params == {"platform": "slack", "own": False}
    lucia = await services.members.identify(slack_user_id="U0LUCIA")
    assert lucia.handle == "lucia"
    async with services.db.read() as s:
        row = (await s.exec(select(AccountLinkCode))).one()
        assert row.used_at is None  # refused: nothing written
    assert await _verify(services) == []


async def test_no_code_for_a_platform_already_linked_and_only_the_hash_is_kept(
    services: Services, cast: Cast
) -> None:
    await services.members.link_identity(handle="jorge", telegram_user_id=222,
                                         slack_user_id="U0JORGE")
    jorge = (await services.members.identify(handle="jorge")).member_id
    with pytest.raises(AccountTaken) as refused:
        await services.accounts.offer(member_id=jorge, platform="slack")
    assert refused.value.params == {"platform": "slack", "own": True}
    rosa = (await services.members.identify(handle="rosa")).member_id
    offer = await services.accounts.offer(member_id=rosa, platform="telegram")
    async with services.db.read() as s:
        stored = (await s.exec(text("SELECT code_hash FROM account_link_code"))).all()
    assert [offer.code not in str(row) for row in stored] == [True]
    linked = await services.invitations.accept(code=offer.code, name="Rosa", language="es",
                                               telegram_user_id=444)
    assert isinstance(linked, Linked) and linked.handle == "rosa"
    assert await _verify(services) == []
