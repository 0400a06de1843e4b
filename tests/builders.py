"""Builders: the Mesa Forestal of SCENARIOS.md, set up through the core's own use cases."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from bot.core.context import Actor
from bot.core.services import Services
from bot.demo import CAST as DEMO_CAST
from bot.demo import ENTITIES as DEMO_ENTITIES


@dataclass
class Cast:
    maria: Actor
    jorge: Actor
    lucia: Actor
    rosa: Actor
    andres: Actor
    ministra: Actor
    tom: Actor
    other_mesa_rosa: Actor


#: The cast and the organisations of the demo: one story for the demo and the tests.
ENTITIES = DEMO_ENTITIES
PEOPLE = DEMO_CAST


async def forestry_mesa(services: Services) -> Cast:
    members = services.members
    for name, full, public in ENTITIES:
        await members.create_entity(name=name, full_name=full, is_public=public)
    await members.create_mesa(slug="forestal", name="Mesa Forestal", convener="PRODUCE")
    await members.create_mesa(slug="acuicola", name="Mesa Acuícola", convener="PRODUCE")
    for handle, name, entity, role, language in PEOPLE:
        await members.add_member(handle=handle, name=name, language=language)
        await members.grant_role(mesa="forestal", handle=handle, role=role, entity=entity)
    await members.add_member(handle="pedro", name="Pedro Ruiz")
    await members.grant_role(mesa="acuicola", handle="pedro", role="coordinator",
                             entity="PRODUCE")
    actors = {
        handle: (await members.identify(handle=handle)).actor() for handle, *_ in PEOPLE
    }
    other = (await members.identify(handle="pedro")).actor()
    return Cast(**actors, other_mesa_rosa=other)


def free_port() -> int:
    """A port nothing listens on, for a ``mesabot run`` a test starts (its ``/healthz``):
    the default 8080 may be taken on a developer's machine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
