"""Builders: the Mesa Forestal of SCENARIOS.md, set up through the core's own use cases."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.context import Actor
from bot.core.services import Services


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


ENTITIES = [
    ("SERFOR", "Servicio Nacional Forestal y de Fauna Silvestre", True),
    ("OSINFOR", "Organismo de Supervisión de los Recursos Forestales", True),
    ("PRODUCE", "Ministerio de la Producción", True),
    ("APFU", "Asociación de Productores Forestales de Ucayali", False),
    ("CONAFOR", "Confederación Nacional Forestal del Perú", False),
    ("GIZ", "Cooperación alemana", False),
]

PEOPLE = [
    ("maria", "María Quispe", "APFU", "private_rep", "es"),
    ("jorge", "Jorge Salas", "SERFOR", "public_official", "es"),
    ("lucia", "Lucía Ramos", "OSINFOR", "public_official", "es"),
    ("rosa", "Rosa Díaz", "PRODUCE", "coordinator", "es"),
    ("andres", "Andrés Paredes", "CONAFOR", "private_rep", "es"),
    ("ministra", "Ministra de la Producción", "PRODUCE", "high_level", "es"),
    ("tom", "Tom Becker", "GIZ", "observer", "en"),
]


async def forestry_mesa(services: Services) -> Cast:
    members = services.members
    for name, full, public in ENTITIES:
        await members.create_entity(name=name, full_name=full, is_public=public)
    await members.create_mesa(slug="forestal", name="Mesa Forestal", convener="PRODUCE")
    await members.create_mesa(slug="acuicola", name="Mesa Acuícola", convener="PRODUCE")
    for handle, name, entity, role, language in PEOPLE:
        await members.add_member(handle=handle, name=name, entity=entity, language=language)
        await members.grant_role(mesa="forestal", handle=handle, role=role)
    await members.add_member(handle="pedro", name="Pedro Ruiz", entity="PRODUCE")
    await members.grant_role(mesa="acuicola", handle="pedro", role="coordinator")
    actors = {
        handle: (await members.identify(handle=handle)).actor() for handle, *_ in PEOPLE
    }
    other = (await members.identify(handle="pedro")).actor()
    return Cast(**actors, other_mesa_rosa=other)
