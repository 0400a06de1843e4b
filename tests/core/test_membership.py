"""Who someone is changes only by an approved step: joining, approval, removal and
handing actions over, in the core."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import col, select

from bot.core.context import Actor
from bot.core.enums import OwnerClass, RootCause
from bot.core.errors import (
    AwaitingApproval,
    BadValue,
    Conflict,
    DomainError,
    EntityRequired,
    Forbidden,
    InvitationInvalid,
    LastCoordinator,
    NotAMember,
    NotParticipant,
    NotYourEntity,
    OwnRequest,
    RequestChanged,
    UnknownMember,
    UnknownMesa,
)
from bot.core.services import Services
from tests.builders import Cast

PABLO, MARIA_TG, ROSA_TG, JORGE_TG = 3001, 3002, 3003, 3004


async def _serfor_action(services: Services, cast: Cast) -> str:
    """An action of the forestry mesa, claimed by Jorge (SERFOR) but not yet confirmed."""
    await services.bottlenecks.log(actor=cast.maria, text="Registro de plantaciones demora")
    await services.bottlenecks.triage(
        actor=cast.rosa, ref="P-1", owner_class=OwnerClass.MP,
        root_cause=RootCause.IMPLEMENTATION, impact=5, ease=4, responsible_entity="SERFOR",
    )
    action = await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1",
                                            text="Publicar el procedimiento")
    await services.actions.claim(actor=cast.jorge, ref=action.ref)
    return action.ref


async def _invite(services: Services, by: Actor, role: str, entity: str | None = None,
                  uses: int = 1) -> str:
    return (await services.invitations.create(actor=by, role=role, entity=entity,
                                              uses=uses)).code


async def _role(services: Services, handle: str, mesa: str) -> tuple[str, str | None]:
    """The role a member acts in in a mesa and the entity they speak for there."""
    identity = await services.members.identify(handle=handle)
    actor = identity.actor(mesa)
    async with services.db.read() as s:
        from bot.core.context import load_acting
        from bot.core.permissions import Op

        acting = await load_acting(s, actor, Op.READ)
        return acting.role.value, acting.entity.name if acting.entity else None


async def test_an_unapproved_invitation_changes_nothing_in_another_mesa(
    services: Services, cast: Cast
) -> None:
    """The critical hole: a PRODUCE official of mesa B opened a "funcionario SERFOR" link of
    mesa A and, never approved, confirmed SERFOR's actions in mesa B."""
    await services.members.add_member(handle="pablo", name="Pablo Soto",
                                      telegram_user_id=PABLO)
    await services.members.grant_role(mesa="acuicola", handle="pablo", role="public_official",
                                      entity="PRODUCE")
    pedro = cast.other_mesa_rosa
    await services.bottlenecks.log(actor=pedro, text="Permisos de acuicultura lentos")
    proposed = await services.actions.propose(actor=pedro, bottleneck_ref="P-1",
                                              text="Simplificar el permiso")
    await services.actions.assign(actor=pedro, ref=proposed.ref, to="SERFOR")

    code = await _invite(services, cast.rosa, "public_official", "SERFOR")
    joined = await services.invitations.accept(code=code, name="Pablo Soto", language="es",
                                               telegram_user_id=PABLO)
    assert joined.pending

    pablo_b = (await services.members.identify(handle="pablo")).actor("acuicola")
    with pytest.raises(NotYourEntity):
        await services.actions.confirm(actor=pablo_b, ref=proposed.ref, due="en 2 semanas")
    assert await _role(services, "pablo", "acuicola") == ("public_official", "PRODUCE")
    with pytest.raises(AwaitingApproval):
        (await services.members.identify(handle="pablo")).actor("forestal")

    await services.invitations.approve(actor=cast.rosa, handle="pablo")
    assert await _role(services, "pablo", "forestal") == ("public_official", "SERFOR")
    assert await _role(services, "pablo", "acuicola") == ("public_official", "PRODUCE")
    with pytest.raises(NotYourEntity):  # approval in mesa A does not reach mesa B either
        await services.actions.confirm(actor=pablo_b, ref=proposed.ref, due="en 2 semanas")


async def test_a_rep_who_opens_an_officials_link_stays_a_rep_until_approved(
    services: Services, cast: Cast
) -> None:
    ref = await _serfor_action(services, cast)
    await services.members.link_identity(handle="maria", telegram_user_id=MARIA_TG)
    code = await _invite(services, cast.rosa, "public_official", "SERFOR")
    joined = await services.invitations.accept(code=code, name="María", language="es",
                                               telegram_user_id=MARIA_TG)
    assert joined.pending
    assert await _role(services, "maria", "forestal") == ("private_rep", "APFU")
    logged = await services.bottlenecks.log(actor=cast.maria, text="Sigue como representante")
    assert logged.bottleneck.ref == "P-2"
    with pytest.raises(NotYourEntity):
        await services.actions.confirm(actor=cast.maria, ref=ref, due="en 2 semanas")

    notices = await services.outbox.pending(platform="test")
    ask = [n for n in notices if n.kind == "role_change_to_approve"]
    assert [(n.params["current_role"], n.params["current_entity"], n.params["role"],
             n.params["entity"]) for n in ask] == [
        ("private_rep", "APFU", "public_official", "SERFOR")]

    approved = await services.invitations.approve(actor=cast.rosa, handle="maria")
    assert (approved.role, approved.entity) == ("public_official", "SERFOR")
    assert await _role(services, "maria", "forestal") == ("public_official", "SERFOR")


async def test_an_invitation_never_lowers_or_repeats_a_role(
    services: Services, cast: Cast
) -> None:
    await services.members.link_identity(handle="rosa", telegram_user_id=ROSA_TG)
    await services.members.link_identity(handle="jorge", telegram_user_id=JORGE_TG)
    rep_link = await _invite(services, cast.rosa, "private_rep", uses=5)
    joined = await services.invitations.accept(code=rep_link, name="Rosa", language="es",
                                               telegram_user_id=ROSA_TG)
    assert (joined.status, joined.role) == ("unchanged", "coordinator")
    assert await _role(services, "rosa", "forestal") == ("coordinator", "PRODUCE")

    official_link = await _invite(services, cast.rosa, "public_official", "SERFOR", uses=5)
    again = await services.invitations.accept(code=official_link, name="Jorge", language="es",
                                              telegram_user_id=JORGE_TG)
    assert again.status == "unchanged"
    assert await _role(services, "jorge", "forestal") == ("public_official", "SERFOR")
    notices = await services.outbox.pending(platform="test")
    assert not [n for n in notices if "approve" in n.kind]


async def test_invitations_name_the_right_kind_of_entity(services: Services, cast: Cast) -> None:
    with pytest.raises(EntityRequired):
        await _invite(services, cast.rosa, "private_rep", "SERFOR")
    with pytest.raises(EntityRequired):
        await _invite(services, cast.rosa, "public_official")
    with pytest.raises(EntityRequired):
        await _invite(services, cast.rosa, "public_official", "APFU")
    assert await _invite(services, cast.rosa, "private_rep", "APFU")


async def test_a_removed_member_loses_access_and_their_promises_go_back(
    services: Services, cast: Cast
) -> None:
    ref = await _serfor_action(services, cast)
    await services.actions.confirm(actor=cast.jorge, ref=ref, due="en 2 semanas")
    removed = await services.departures.remove(actor=cast.rosa, handle="@Jorge")
    assert (removed.returned, removed.handed_over) == ([ref], [])
    with pytest.raises(NotAMember):
        await services.reading.matrix(actor=cast.jorge)
    with pytest.raises(NotAMember):
        (await services.members.identify(handle="jorge")).actor("forestal")

    detail = await services.reading.bottleneck(actor=cast.rosa, ref="P-1")
    (action,) = detail.actions
    assert (action.status, action.owner, action.owner_entity) == ("proposed", None, "SERFOR")
    notices = await services.outbox.pending(platform="test")
    team = [n for n in notices if n.kind == "member_removed"]
    assert [n.params["returned"] for n in team] == [[ref]]
    assert [n.member_name for n in notices if n.kind == "you_were_removed"] == ["Jorge Salas"]

    # Another SERFOR official can now take SERFOR's promise up again.
    await services.members.add_member(handle="ana", name="Ana Torres")
    await services.members.grant_role(mesa="forestal", handle="ana", role="public_official",
                                      entity="SERFOR")
    ana = (await services.members.identify(handle="ana")).actor()
    confirmed = (await services.actions.confirm(actor=ana, ref=ref, due="en 3 semanas")).action
    assert confirmed.owner is not None and confirmed.owner.name == "Ana Torres"


async def test_removal_with_a_successor_hands_the_promises_over(
    services: Services, cast: Cast
) -> None:
    ref = await _serfor_action(services, cast)
    await services.actions.confirm(actor=cast.jorge, ref=ref, due="en 2 semanas")
    await services.members.add_member(handle="ana", name="Ana Torres")
    await services.members.grant_role(mesa="forestal", handle="ana", role="public_official",
                                      entity="SERFOR")
    removed = await services.departures.remove(actor=cast.rosa, handle="jorge",
                                               successor="ana")
    assert (removed.handed_over, removed.successor) == ([ref], "Ana Torres")
    ana = (await services.members.identify(handle="ana")).actor()
    (mine,) = await services.reading.my_actions(actor=ana)
    assert (mine.ref, mine.status, mine.owner_entity) == (ref, "confirmed", "SERFOR")


async def test_handing_over_to_another_entity_asks_to_confirm_again(
    services: Services, cast: Cast
) -> None:
    ref = await _serfor_action(services, cast)
    await services.actions.confirm(actor=cast.jorge, ref=ref, due="en 2 semanas")
    with pytest.raises(Forbidden):
        await services.departures.hand_over(actor=cast.maria, ref=ref, to="andres")
    with pytest.raises(NotParticipant):
        await services.departures.hand_over(actor=cast.jorge, ref=ref, to="tom")  # observer
    view = await services.departures.hand_over(actor=cast.jorge, ref=ref, to="lucia")
    assert (view.status, view.owner_entity) == ("claimed", "OSINFOR")
    assert view.owner is not None and view.owner.name == "Lucía Ramos"
    notices = await services.outbox.pending(platform="test")
    assert [n.member_name for n in notices if n.kind == "action_handed_to_you"] == [
        "Lucía Ramos"]


async def test_only_coordinators_remove_and_never_the_last_one(
    services: Services, cast: Cast
) -> None:
    with pytest.raises(Forbidden):
        await services.departures.remove(actor=cast.jorge, handle="maria")
    with pytest.raises(LastCoordinator):
        await services.departures.remove(actor=cast.rosa, handle="rosa")
    with pytest.raises(UnknownMember):  # someone of another mesa is not found here
        await services.departures.remove(actor=cast.rosa, handle="pedro")
    removed = await services.departures.remove_by_admin(mesa="forestal", handle="maria")
    assert removed.name == "María Quispe"
    with pytest.raises(NotAMember):
        await services.bottlenecks.log(actor=cast.maria, text="Ya no debería poder")


async def test_a_removed_person_comes_back_only_with_a_coordinators_approval(
    services: Services, cast: Cast
) -> None:
    """An old link still in the person's chat is no way back in behind the team's back,
    and their history keeps the entity they spoke for meanwhile."""
    await services.members.link_identity(handle="maria", telegram_user_id=MARIA_TG)
    code = await _invite(services, cast.rosa, "private_rep", "APFU", uses=5)
    await services.bottlenecks.log(actor=cast.maria, text="Guías lentas")
    await services.departures.remove(actor=cast.rosa, handle="maria")
    joined = await services.invitations.accept(code=code, name="María", language="es",
                                               telegram_user_id=MARIA_TG)
    assert joined.status == "pending"
    with pytest.raises(AwaitingApproval):
        (await services.members.identify(handle="maria")).actor("forestal")
    official = await _invite(services, cast.rosa, "public_official", "SERFOR")
    await services.invitations.accept(code=official, name="María", language="es",
                                      telegram_user_id=MARIA_TG)
    detail = await services.reading.bottleneck(actor=cast.rosa, ref="P-1")
    assert detail.bottleneck.reporter.entity == "APFU"
    await services.invitations.approve(actor=cast.rosa, handle="maria")
    assert await _role(services, "maria", "forestal") == ("public_official", "SERFOR")


async def test_a_removed_coordinators_links_stop_working(services: Services, cast: Cast) -> None:
    await services.members.add_member(handle="eva", name="Eva Ríos")
    await services.members.grant_role(mesa="forestal", handle="eva", role="coordinator",
                                      entity="PRODUCE")
    eva = (await services.members.identify(handle="eva")).actor()
    code = await _invite(services, eva, "private_rep", uses=100)
    await services.departures.remove(actor=cast.rosa, handle="eva")
    with pytest.raises(InvitationInvalid):
        await services.invitations.accept(code=code, name="X", language="es",
                                          telegram_user_id=PABLO)


async def test_approval_answers_the_request_shown_and_never_ones_own(
    services: Services, cast: Cast
) -> None:
    await services.members.add_member(handle="pablo", name="Pablo Soto",
                                      telegram_user_id=PABLO)
    official = await _invite(services, cast.rosa, "public_official", "SERFOR", uses=5)
    await services.invitations.accept(code=official, name="Pablo", language="es",
                                      telegram_user_id=PABLO)
    await services.invitations.accept(code=official, name="Pablo", language="es",
                                      telegram_user_id=PABLO)  # the same request: once
    notices = [n for n in await services.outbox.pending(platform="test")
               if n.kind == "role_to_approve"]
    assert len(notices) == 1
    shown = notices[0].params["request"]
    coordinator = await _invite(services, cast.rosa, "coordinator")
    await services.invitations.accept(code=coordinator, name="Pablo", language="es",
                                      telegram_user_id=PABLO)
    with pytest.raises(RequestChanged):
        await services.invitations.approve(actor=cast.rosa, handle="pablo", request=shown)
    assert not (await services.members.identify(handle="pablo")).mesas

    await services.members.link_identity(handle="rosa", telegram_user_id=ROSA_TG)
    with pytest.raises(InvitationInvalid):  # Pablo used it
        await services.invitations.accept(code=coordinator, name="Rosa", language="es",
                                          telegram_user_id=ROSA_TG)
    other = await _invite(services, cast.rosa, "coordinator", "SERFOR")
    await services.invitations.accept(code=other, name="Rosa", language="es",
                                      telegram_user_id=ROSA_TG)
    with pytest.raises(OwnRequest):
        await services.invitations.approve(actor=cast.rosa, handle="rosa")


async def test_two_coordinators_removing_each_other_leave_one(
    services: Services, cast: Cast
) -> None:
    await services.members.add_member(handle="eva", name="Eva Ríos")
    await services.members.grant_role(mesa="forestal", handle="eva", role="coordinator",
                                      entity="PRODUCE")
    eva = (await services.members.identify(handle="eva")).actor()
    results = await asyncio.gather(
        services.departures.remove(actor=cast.rosa, handle="eva"),
        services.departures.remove(actor=eva, handle="rosa"),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1, results
    matrix_readers = [a for a in (cast.rosa, eva)
                      if not isinstance(await _try_read(services, a), NotAMember)]
    assert len(matrix_readers) == 1


async def _try_read(services: Services, actor: Actor) -> object:
    try:
        return await services.reading.matrix(actor=actor)
    except NotAMember as error:
        return error


async def test_someone_removed_while_claiming_owns_nothing(
    services: Services, cast: Cast
) -> None:
    """A claim and a removal at once: either the claim comes first and the removal gives
    the action back, or the removal comes first and the claim is refused."""
    for round_ in range(10):
        handle = f"socio{round_}"
        await services.members.add_member(handle=handle, name=f"Socio {round_}")
        await services.members.grant_role(mesa="forestal", handle=handle, role="private_rep",
                                          entity="APFU")
        socio = (await services.members.identify(handle=handle)).actor()
        await services.bottlenecks.log(actor=cast.maria, text=f"Problema {round_}")
        action = await services.actions.propose(actor=cast.rosa,
                                                bottleneck_ref=f"P-{round_ + 1}", text="Algo")
        await asyncio.gather(
            services.actions.claim(actor=socio, ref=action.ref),
            services.departures.remove(actor=cast.rosa, handle=handle),
            return_exceptions=True,
        )
        detail = await services.reading.bottleneck(actor=cast.rosa, ref=f"P-{round_ + 1}")
        (view,) = detail.actions
        assert view.owner is None and view.status == "proposed", (round_, view)


async def test_the_administrators_changes_are_told_to_the_team(
    services: Services, cast: Cast
) -> None:
    await services.members.link_identity(handle="maria", telegram_user_id=MARIA_TG)
    await services.members.grant_role(mesa="forestal", handle="maria", role="coordinator",
                                      entity="APFU")
    await services.members.unlink(handle="maria")
    with pytest.raises(UnknownMember):
        await services.members.identify(telegram_user_id=MARIA_TG)
    notices = [(n.kind, n.params.get("name"), n.params.get("role"))
               for n in await services.outbox.pending(platform="test")
               if n.audience == "team" and n.params.get("name") == "María Quispe"]
    told = [n.params["role"] for n in await services.outbox.pending(platform="test")
            if n.kind == "role_approved" and n.member_name == "María Quispe"]
    assert told == ["coordinator"]
    assert notices[-2:] == [("role_granted", "María Quispe", "coordinator"),
                       ("account_unlinked", "María Quispe", None)]


async def test_an_administrator_cannot_make_a_second_name_for_an_entity_or_an_account(
    services: Services, cast: Cast,
) -> None:
    """Entities are found by name without case or accents ("serfor" is SERFOR), so a
    second one that differs only so would make "/asignar A-1 serfor" mean either."""
    roster = await services.roster.entities()
    for name, full_name in [("serfor", ""), ("Sérfor", ""), ("NEW", "Ministerio de la producción")]:
        with pytest.raises(Conflict):
            await services.members.create_entity(name=name, full_name=full_name, is_public=True)
    with pytest.raises(BadValue):  # typed as one word in commands
        await services.members.create_entity(name="Cámara Forestal", is_public=False)
    assert await services.roster.entities() == roster
    await services.members.link_identity(handle="maria", telegram_user_id=MARIA_TG)
    with pytest.raises(Conflict) as taken:
        await services.members.add_member(handle="pablo", name="Pablo",
                                          telegram_user_id=MARIA_TG)
    assert taken.value.params == {"what": "account", "name": str(MARIA_TG)}
    with pytest.raises(BadValue) as country:
        await services.members.create_mesa(slug="minera", name="Mesa Minera", country="XX")
    assert country.value.params["field"] == "country"
    assert [m.slug for m in await services.roster.mesas()] == ["acuicola", "forestal"]


async def test_the_roster_lists_each_members_seats_as_they_stand(
    services: Services, cast: Cast,
) -> None:
    await services.departures.remove_by_admin(mesa="forestal", handle="andres", successor=None)
    seats = {m.handle: m.seats for m in await services.roster.members(mesa="forestal")}
    assert seats["andres"][0].state == "removed"
    assert (seats["jorge"][0].role, seats["jorge"][0].entity, seats["jorge"][0].state) == (
        "public_official", "SERFOR", "active")
    assert "maria" in seats and all(s.mesa == "forestal" for m in seats.values() for s in m)
    with pytest.raises(UnknownMesa):
        await services.roster.members(mesa="minera")


async def test_a_request_to_approve_reaches_the_coordinators_while_no_team_chat_is_linked(
    services: Services, cast: Cast,
) -> None:
    """A new official waits for a coordinator: with no team chat to tell, the mesa's
    coordinators are told privately, so nobody waits on a request no one saw."""
    from bot.core.chats import ChatRef
    from bot.storage.tables import OutboxMessage

    async def queued() -> list[tuple[str, int | None]]:
        async with services.db.read() as s:
            rows = (await s.exec(select(OutboxMessage).where(
                col(OutboxMessage.kind) == "role_to_approve"))).all()
        return [(n.audience, n.member_id) for n in rows]

    await services.members.add_member(handle="pablo", name="Pablo", telegram_user_id=PABLO)
    await services.invitations.accept(
        code=await _invite(services, cast.rosa, "public_official", "SERFOR"), name="Pablo",
        language="es", telegram_user_id=PABLO)
    assert await queued() == [("member", cast.rosa.member_id)]

    await services.chats.link(actor=cast.rosa, purpose="team", chat=ChatRef(
        platform="telegram", chat_id="-100", is_private=False, title="Equipo"))
    await services.members.add_member(handle="ana", name="Ana", telegram_user_id=JORGE_TG)
    await services.invitations.accept(
        code=await _invite(services, cast.rosa, "public_official", "SERFOR"), name="Ana",
        language="es", telegram_user_id=JORGE_TG)
    assert (await queued())[1:] == [("team", None)]
