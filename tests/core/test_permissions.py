"""The README's permission table for the steps that change who someone is: removing a
member, handing an action over, and approving a role or entity change."""

from __future__ import annotations

import pytest

from bot.core.context import Actor
from bot.core.errors import DomainError, Forbidden, NotYourEntity
from bot.core.services import Services
from tests.builders import Cast

CARLA = 4001


async def _outcome(call: object) -> str:
    try:
        await call  # type: ignore[misc]
    except Forbidden:
        return "forbidden"
    except NotYourEntity:
        return "forbidden"
    except DomainError as error:
        return error.code
    return "ok"


def _cast(cast: Cast) -> dict[str, Actor]:
    return {"private_rep": cast.maria, "public_official": cast.lucia,
            "coordinator": cast.rosa, "high_level": cast.ministra, "observer": cast.tom}


@pytest.mark.parametrize("role,allowed", [
    ("private_rep", False), ("public_official", False), ("coordinator", True),
    ("high_level", False), ("observer", False),
])
async def test_only_coordinators_remove_and_approve(
    services: Services, cast: Cast, role: str, allowed: bool
) -> None:
    actor = _cast(cast)[role]
    code = (await services.invitations.create(actor=cast.rosa, role="public_official",
                                              entity="SERFOR")).code
    await services.invitations.accept(code=code, name="Carla", language="es",
                                      telegram_user_id=CARLA)
    approve = await _outcome(services.invitations.approve(actor=actor, handle="carla"))
    remove = await _outcome(services.departures.remove(actor=actor, handle="andres"))
    assert (approve, remove) == (("ok", "ok") if allowed else ("forbidden", "forbidden"))


@pytest.mark.parametrize("who,allowed", [
    ("owner", True), ("official of its entity", True), ("coordinator", True),
    ("official of another entity", False), ("private_rep", False), ("high_level", False),
    ("observer", False),
])
async def test_an_action_is_handed_over_by_its_owner_its_entity_or_a_coordinator(
    services: Services, cast: Cast, who: str, allowed: bool
) -> None:
    await services.members.add_member(handle="ana", name="Ana Torres")
    await services.members.grant_role(mesa="forestal", handle="ana", role="public_official",
                                      entity="SERFOR")
    ana = (await services.members.identify(handle="ana")).actor()
    await services.bottlenecks.log(actor=cast.maria, text="Guías lentas")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Digitalizar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    actor = {"owner": cast.jorge, "official of its entity": ana, "coordinator": cast.rosa,
             "official of another entity": cast.lucia, "private_rep": cast.maria,
             "high_level": cast.ministra, "observer": cast.tom}[who]
    outcome = await _outcome(services.departures.hand_over(actor=actor, ref="A-1", to="andres"))
    assert outcome == ("ok" if allowed else "forbidden")
