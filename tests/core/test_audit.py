"""The audit trail: keyed, checked chain by chain, against published heads and against
the live rows. Each tampering by someone with write access to the database (but not the
key) is caught; a mesa run through every use case verifies clean."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from bot.core import audit
from bot.core.chats import ChatRef
from bot.core.clock import ManualClock
from bot.core.enums import (
    BlockedReason,
    OpenActions,
    OwnerClass,
    RequestKind,
    RootCause,
    SessionStatus,
)
from bot.core.services import Services
from bot.storage.database import Database
from bot.storage.tables import AuditChain, AuditEvent, OutboxMessage
from scheduler.jobs import build_scheduler, publish_audit_heads
from tests.builders import Cast
from tests.conftest import AUDIT_KEYS, MONDAY

MESA = "mesa:1"  # the Mesa Forestal, created first
#: Whoever tampers has write access to the database, not the key.
ATTACKER_KEY = b"a key the attacker made up, not the bot's"


async def _scenario(services: Services, cast: Cast) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.bottlenecks.triage(
        actor=cast.rosa, ref="P-1", owner_class=OwnerClass.MP, root_cause=RootCause.LAW,
        impact=4, ease=4,
    )
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    await services.progress.post(actor=cast.rosa, ref="P-1", text="Se habló con SERFOR")
    await services.actions.claim(actor=cast.jorge, ref="A-1")


async def _verify(services: Services, published: list[audit.Head] | None = None
                  ) -> audit.ChainReport:
    async with services.db.read() as s:
        return await audit.verify(s, published or [])


async def _heads(services: Services) -> list[audit.Head]:
    async with services.db.read() as s:
        return await audit.heads(s, today=date(2027, 1, 11))


def _forge(event: AuditEvent) -> str:
    """The best an attacker without the key can do: a hash of the right shape, under a
    key of their own, wearing the real key's fingerprint."""
    return audit.event_hash(event, ATTACKER_KEY)[:56] + audit.fingerprint(AUDIT_KEYS[0])


async def _chain_events(s: object, chain: str) -> list[AuditEvent]:
    return list(await s.exec(  # type: ignore[attr-defined]
        select(AuditEvent).where(AuditEvent.chain_key == chain).order_by(col(AuditEvent.seq))
    ))


async def _recompute_from(s: object, events: list[AuditEvent], start: int) -> None:
    """Renumber and rehash ``events`` from index ``start`` on, then move the head."""
    for index in range(start, len(events)):
        event = events[index]
        event.seq = index + 1
        event.prev_hash = events[index - 1].hash if index else audit.GENESIS
        event.hash = _forge(event)
        s.add(event)  # type: ignore[attr-defined]
        await s.flush()  # type: ignore[attr-defined]  (one at a time: seq is unique)
    chain = await s.get(AuditChain, events[0].chain_key)  # type: ignore[attr-defined]
    chain.seq, chain.head_hash = len(events), events[-1].hash
    s.add(chain)  # type: ignore[attr-defined]


async def _sql(services: Services, statement: str) -> None:
    async with services.db.write() as s:
        await s.exec(text(statement))  # type: ignore[call-overload]


# a clean record


async def test_the_chain_verifies_after_a_scenario(services: Services, cast: Cast) -> None:
    await _scenario(services, cast)
    report = await _verify(services)
    assert report.ok, report.problems
    assert report.events >= 5


async def test_every_use_case_leaves_a_record_that_verifies_clean(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """No false alarms: every use case that changes a bottleneck, an action, progress, a
    membership, a member's chat accounts or a chat link records what it set, so the live
    rows match the audit."""
    b, a = services.bottlenecks, services.actions
    for title in ["Registro lento", "Guías solo en Lima", "IGV", "Multas", "Registro lento bis",
                  "Caminos", "Puertos"]:
        await b.log(actor=cast.maria, text=f"{title}\ncon detalle")
    for ref, impact in [("P-1", 5), ("P-2", 4), ("P-4", 3), ("P-6", 2), ("P-7", 2)]:
        await b.triage(actor=cast.rosa, ref=ref, owner_class=OwnerClass.MP,
                       root_cause=RootCause.IMPLEMENTATION, impact=impact, ease=4,
                       responsible_entity="SERFOR")
    await b.triage(actor=cast.rosa, ref="P-3", owner_class=OwnerClass.MP,
                   root_cause=RootCause.FINANCING, impact=3, ease=2,
                   request_kind=RequestKind.SUBSIDY)
    for ref in ["P-1", "P-2", "P-4", "P-6"]:
        await b.prioritize(actor=cast.rosa, ref=ref)
    await b.prioritize(actor=cast.rosa, ref="P-7", replacing="P-6")
    await b.deprioritize(actor=cast.rosa, ref="P-4")
    await b.triage(actor=cast.rosa, ref="P-7", owner_class=OwnerClass.YP,  # demoted by triage
                   root_cause=RootCause.CAPACITY, impact=2, ease=2)
    await b.reject(actor=cast.rosa, ref="P-3", reason="Es un subsidio")
    await b.mark_duplicate(actor=cast.rosa, ref="P-5", of_ref="P-1")
    await a.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar el procedimiento")
    await a.assign(actor=cast.rosa, ref="A-1", to="SERFOR")
    await a.confirm(actor=cast.jorge, ref="A-1", due="el viernes")  # P-1 now in progress
    await a.propose(actor=cast.rosa, bottleneck_ref="P-2", text="Oficinas regionales")
    await a.claim(actor=cast.lucia, ref="A-2")
    await a.confirm(actor=cast.lucia, ref="A-2", due="en dos semanas")
    await a.mark_blocked(actor=cast.lucia, ref="A-2", reason=BlockedReason.BUDGET,
                         detail="sin partida")
    await a.move_due(actor=cast.lucia, ref="A-2", due="en tres semanas", reason="presupuesto")
    await a.propose(actor=cast.andres, bottleneck_ref="P-2", text="Capacitar")
    await a.assign(actor=cast.rosa, ref="A-3", to="@andres", due="el viernes")
    await a.drop(actor=cast.andres, ref="A-3", reason="ya no hace falta")
    await a.propose(actor=cast.maria, bottleneck_ref="P-4", text="Mapa de caminos")
    await a.claim(actor=cast.maria, ref="A-4")
    await a.mark_done(actor=cast.maria, ref="A-4")
    await services.progress.post(actor=cast.jorge, ref="A-1", text="Borrador listo")
    await services.progress.post(actor=cast.maria, ref="P-2", text="Se habló con OSINFOR")
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await services.agendas.compile(actor=cast.rosa)
    await services.chats.link(actor=cast.rosa, chat=ChatRef("telegram", "-100"), purpose="team")
    clock.advance(timedelta(days=4, hours=3))
    await services.sessions.set_status(actor=cast.rosa, number=1, status=SessionStatus.HELD)
    # sessions that recur: started, one moved, one cancelled, topped up, replaced, ended
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    await services.sessions.move(actor=cast.rosa, number=2, when="lunes 18 de enero 11:00")
    await services.sessions.set_status(actor=cast.rosa, number=3,
                                       status=SessionStatus.CANCELLED)
    await services.series.top_up()
    await services.series.start(actor=cast.rosa, when="cada jueves 9:00", every_weeks=2)
    await services.series.end(actor=cast.rosa)
    await a.mark_done(actor=cast.jorge, ref="A-1", note="Publicado en el diario oficial")
    await b.resolve(actor=cast.maria, ref="P-1", credited_entity="SERFOR")
    await b.resolve(actor=cast.rosa, ref="P-2", open_actions=OpenActions.CLOSE)
    await services.members.set_language(actor=cast.tom, language="es")
    # people come and go, and their promises with them
    await a.propose(actor=cast.rosa, bottleneck_ref="P-4", text="Señalizar caminos")
    await a.claim(actor=cast.lucia, ref="A-5")
    await a.confirm(actor=cast.lucia, ref="A-5", due="en dos semanas")
    await services.departures.hand_over(actor=cast.lucia, ref="A-5", to="jorge")
    await a.propose(actor=cast.rosa, bottleneck_ref="P-4", text="Un plano")
    await a.claim(actor=cast.andres, ref="A-6")
    await a.propose(actor=cast.rosa, bottleneck_ref="P-4", text="Otro plano")
    await a.claim(actor=cast.andres, ref="A-7")
    await a.mark_blocked(actor=cast.andres, ref="A-7", reason=BlockedReason.OTHER,
                         detail="sin datos")
    await services.departures.remove(actor=cast.rosa, handle="andres")
    await services.departures.remove(actor=cast.rosa, handle="jorge", successor="lucia")
    code = (await services.invitations.create(actor=cast.rosa, role="public_official",
                                              entity="OSINFOR")).code
    await services.invitations.accept(code=code, name="Carla", language="es",
                                      telegram_user_id=9001)
    await services.invitations.approve(actor=cast.rosa, handle="carla")
    # who someone is, and where the mesa's chats are
    await services.members.link_identity(handle="rosa", telegram_user_id=111)
    await services.members.link_identity(handle="maria", telegram_user_id=222,
                                         slack_user_id="U222")
    await services.members.unlink(handle="maria", telegram=False)
    await services.members.unlink(handle="carla")
    await services.members.grant_role(mesa="forestal", handle="tom", role="high_level")
    await services.members.grant_role(mesa="forestal", handle="andres", role="private_rep",
                                      entity="CONAFOR")  # back after being removed
    await services.members.link_identity(handle="jorge", telegram_user_id=333)
    code = (await services.invitations.create(actor=cast.rosa, role="public_official",
                                              entity="SERFOR", uses=2)).code
    await services.invitations.accept(code=code, name="Jorge", language="es",
                                      telegram_user_id=333)  # removed: comes back asking
    await services.invitations.approve(actor=cast.rosa, handle="jorge")
    await services.chats.link(actor=cast.rosa, chat=ChatRef("telegram", "-200"),
                              purpose="ground")
    await services.chats.migrate(platform="telegram", old_chat_id="-200",
                                 new_chat_id="-1000200")
    await services.chats.link(actor=cast.other_mesa_rosa, chat=ChatRef("telegram", "-300"),
                              purpose="team")
    await services.chats.link(actor=cast.rosa, chat=ChatRef("telegram", "-300"),
                              purpose="team")  # taken from the other mesa; -100 let go
    await services.chats.link(actor=cast.rosa, chat=ChatRef("slack", "C1"), purpose="team")

    report = await _verify(services)

    assert report.problems == []
    assert report.chains == 3  # two mesas and the global one


# the seven tamperings plain SHA-256 let through


async def test_cutting_the_last_event_off_and_rolling_the_head_back_contradicts_the_published_head(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    published = await _heads(services)
    async with services.db.write() as s:
        events = await _chain_events(s, MESA)
        await s.delete(events[-1])
        chain = await s.get(AuditChain, MESA)
        assert chain is not None
        chain.seq, chain.head_hash = events[-2].seq, events[-2].hash
        s.add(chain)
    count = len(events)

    report = await _verify(services, published)

    assert f"{MESA}: had {count} events when published on 2027-01-11, now {count - 1}" in (
        report.problems)


async def test_a_forged_event_appended_with_its_hash_recomputed_is_detected(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    async with services.db.write() as s:
        events = await _chain_events(s, MESA)
        last = events[-1]
        forged = AuditEvent(
            chain_key=MESA, seq=last.seq + 1, at=last.at, mesa_id=1, actor_id=last.actor_id,
            kind="bottleneck.resolved", subject="P-1", before={"status": "accepted"},
            after={"status": "resolved"}, source="", prev_hash=last.hash, hash="",
        )
        forged.hash = _forge(forged)
        s.add(forged)
        await s.flush()
        chain = await s.get(AuditChain, MESA)
        assert chain is not None
        chain.seq, chain.head_hash = forged.seq, forged.hash
        s.add(chain)

    report = await _verify(services)

    assert f"{MESA} #{last.seq + 1}: contents changed after it was written" in report.problems


async def test_an_event_from_a_key_the_bot_does_not_have_is_detected(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    async with services.db.write() as s:
        events = await _chain_events(s, MESA)
        events[-1].hash = audit.event_hash(events[-1], ATTACKER_KEY)  # its own fingerprint
        s.add(events[-1])
    report = await _verify(services)
    assert f"{MESA} #{events[-1].seq}: signed with a key this installation does not have" in (
        report.problems)


async def test_an_event_edited_and_every_later_hash_recomputed_is_detected(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    async with services.db.write() as s:
        events = await _chain_events(s, MESA)
        triaged = next(i for i, e in enumerate(events) if e.kind == "bottleneck.triaged")
        events[triaged].after = {**(events[triaged].after or {}), "impact": 1}
        await _recompute_from(s, events, triaged)

    report = await _verify(services)

    assert f"{MESA} #{triaged + 1}: contents changed after it was written" in report.problems


async def test_an_event_deleted_and_the_rest_renumbered_is_detected(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    async with services.db.write() as s:
        events = await _chain_events(s, MESA)
        claimed = next(i for i, e in enumerate(events) if e.kind == "action.proposed")
        await s.delete(events.pop(claimed))
        await s.flush()
        await _recompute_from(s, events, claimed)

    report = await _verify(services)

    assert f"{MESA} #{claimed + 1}: contents changed after it was written" in report.problems


async def test_a_deleted_head_row_is_reported_and_its_events_are_still_checked(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    await _sql(services, f"DELETE FROM audit_chain WHERE key = '{MESA}'")
    await _sql(services, f"UPDATE audit_event SET source = 'x' WHERE chain_key = '{MESA}' "
                         "AND seq = 2")

    report = await _verify(services)

    assert f"{MESA}: its head row is missing" in report.problems
    assert f"{MESA} #2: contents changed after it was written" in report.problems


async def test_a_whole_mesa_chain_deleted_is_detected(services: Services, cast: Cast) -> None:
    await _scenario(services, cast)
    await _sql(services, f"DELETE FROM audit_event WHERE chain_key = '{MESA}'")
    await _sql(services, f"DELETE FROM audit_chain WHERE key = '{MESA}'")

    report = await _verify(services)

    assert f"{MESA}: no events left, though its mesa or head remains" in report.problems
    assert "mesa:1 P-1: not in the audit trail" in report.problems


async def test_an_action_status_edited_without_touching_the_audit_is_detected(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    await _sql(services, "UPDATE action SET status = 'done' WHERE number = 1")
    report = await _verify(services)
    assert report.problems == ["mesa:1 A-1: status is 'done' but the audit says 'claimed'"]


async def test_a_progress_text_edited_without_touching_the_audit_is_detected(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    await _sql(services, "UPDATE progressupdate SET text = 'Todo resuelto'")
    report = await _verify(services)
    assert len(report.problems) == 1
    assert report.problems[0].startswith("mesa:1 progress on P-1 at ")
    assert report.problems[0].endswith(
        "text is 'Todo resuelto' but the audit says 'Se habló con SERFOR'")


async def test_a_bottleneck_edited_a_progress_deleted_or_a_row_slipped_in_is_detected(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    await _sql(services, "UPDATE bottleneck SET status = 'resolved', impact = 5")
    await _sql(services, "DELETE FROM progressupdate")
    await _sql(services, "INSERT INTO action (mesa_id, number, bottleneck_id, text, proposer_id,"
                         " blocked_detail, status, created_at, updated_at) SELECT mesa_id, 9,"
                         " bottleneck_id, 'Inventada', proposer_id, '', 'done', created_at,"
                         " updated_at FROM action")

    problems = (await _verify(services)).problems

    assert "mesa:1 P-1: status is 'resolved' but the audit says 'accepted'" in problems
    assert "mesa:1 P-1: impact is 5 but the audit says 4" in problems
    assert "mesa:1 A-9: not in the audit trail" in problems
    assert any(p.startswith("mesa:1 progress on P-1 at ") and p.endswith(
        "in the audit trail but no longer in the database") for p in problems)


async def test_plain_edits_and_deletes_are_still_detected(services: Services, cast: Cast) -> None:
    await _scenario(services, cast)
    await _sql(services, "UPDATE audit_event SET actor_id = NULL WHERE kind = 'action.claimed'")
    await _sql(services, "DELETE FROM audit_event WHERE kind = 'bottleneck.triaged'")
    problems = (await _verify(services)).problems
    assert any("contents changed" in p for p in problems)
    assert any("missing" in p for p in problems)


# who someone is: memberships, chat accounts and chat links


async def _people(services: Services, cast: Cast) -> None:
    """The scenario, with Carla waiting for approval as an OSINFOR official, Rosa's
    Telegram account linked, Andrés taken out, and the team's chat linked."""
    await _scenario(services, cast)
    code = (await services.invitations.create(actor=cast.rosa, role="public_official",
                                              entity="OSINFOR")).code
    await services.invitations.accept(code=code, name="Carla", language="es",
                                      telegram_user_id=9001)
    await services.members.link_identity(handle="rosa", telegram_user_id=111)
    await services.departures.remove(actor=cast.rosa, handle="andres")
    await services.chats.link(actor=cast.rosa, chat=ChatRef("telegram", "-100"), purpose="team")
    assert (await _verify(services)).problems == []


_MEMBERSHIP = "UPDATE membership SET {} WHERE member_id = (SELECT id FROM member " \
              "WHERE handle = '{}') AND mesa_id = 1"


@pytest.mark.parametrize(("who", "change", "expected"), [
    ("maria", "role = 'coordinator'", "role is 'coordinator' but the audit says 'private_rep'"),
    ("maria", "entity_id = (SELECT id FROM entity WHERE name = 'SERFOR')",
     "entity is 'SERFOR' but the audit says 'APFU'"),
    ("maria", "pending_role = 'coordinator'",
     "pending_role is 'coordinator' but the audit says None"),
    ("carla", "active = TRUE", "active is True but the audit says False"),
    ("carla", "pending_entity_id = (SELECT id FROM entity WHERE name = 'SERFOR')",
     "pending_entity is 'SERFOR' but the audit says 'OSINFOR'"),
    ("andres", "removed_at = NULL", "removed is False but the audit says True"),
], ids=["role", "entity", "pending-role", "activated", "pending-entity", "unremoved"])
async def test_a_membership_edited_without_touching_the_audit_is_detected(
    services: Services, cast: Cast, who: str, change: str, expected: str
) -> None:
    await _people(services, cast)
    await _sql(services, _MEMBERSHIP.format(change, who))
    assert (await _verify(services)).problems == [f"mesa:1 @{who}: {expected}"]


async def test_a_membership_slipped_in_or_deleted_is_detected(
    services: Services, cast: Cast
) -> None:
    await _people(services, cast)
    await _sql(services, "INSERT INTO membership (mesa_id, member_id, role, active, created_at)"
                         " SELECT 2, id, 'coordinator', TRUE, created_at FROM member"
                         " WHERE handle = 'maria'")
    await _sql(services, _MEMBERSHIP.replace("UPDATE membership SET {}", "DELETE FROM membership"
                                             ).format("tom"))
    assert sorted((await _verify(services)).problems) == [
        "mesa:1 @tom: in the audit trail but no longer in the database",
        "mesa:2 @maria: not in the audit trail",
    ]


async def test_a_chat_account_moved_to_another_member_is_detected(
    services: Services, cast: Cast
) -> None:
    """María writing as Rosa: Rosa's Telegram account given to María's row."""
    await _people(services, cast)
    await _sql(services, "UPDATE member SET telegram_user_id = NULL WHERE handle = 'rosa'")
    await _sql(services, "UPDATE member SET telegram_user_id = 111, slack_user_id = 'U9'"
                         " WHERE handle = 'maria'")
    await _sql(services, "UPDATE member SET telegram_user_id = 9002 WHERE handle = 'carla'")
    assert sorted((await _verify(services)).problems) == [
        "member @carla: telegram_user_id is 9002 but the audit says 9001",
        "member @maria: slack_user_id is 'U9' but the audit says None",
        "member @maria: telegram_user_id is 111 but the audit says None",
        "member @rosa: telegram_user_id is None but the audit says 111",
    ]


async def test_a_member_slipped_in_is_detected(services: Services, cast: Cast) -> None:
    await _people(services, cast)
    await _sql(services, "INSERT INTO member (handle, name, language, language_chosen,"
                         " telegram_user_id, created_at) SELECT 'intruso', 'Intruso', 'es',"
                         " FALSE, 4242, created_at FROM member WHERE handle = 'rosa'")
    assert (await _verify(services)).problems == ["member @intruso: not in the audit trail"]


@pytest.mark.parametrize(("change", "expected"), [
    ("chat_id = '-666'", ["chat telegram:-100: in the audit trail but no longer in the database",
                          "chat telegram:-666: not in the audit trail"]),
    ("mesa_id = 2", ["chat telegram:-100: mesa is 2 but the audit says 1"]),
    ("purpose = 'ground'", ["chat telegram:-100: purpose is 'ground' but the audit says 'team'"]),
], ids=["chat", "mesa", "purpose"])
async def test_a_chat_link_moved_without_touching_the_audit_is_detected(
    services: Services, cast: Cast, change: str, expected: list[str]
) -> None:
    await _people(services, cast)
    await _sql(services, f"UPDATE chat_link SET {change}")
    assert sorted((await _verify(services)).problems) == expected


async def test_a_migrated_group_keeps_a_link_that_verifies(
    services: Services, cast: Cast
) -> None:
    await _people(services, cast)
    await services.chats.migrate(platform="telegram", old_chat_id="-100",
                                 new_chat_id="-1000100")
    assert (await _verify(services)).problems == []
    await _sql(services, "UPDATE chat_link SET chat_id = '-100'")  # moved back behind its back
    assert sorted((await _verify(services)).problems) == [
        "chat telegram:-1000100: in the audit trail but no longer in the database",
        "chat telegram:-100: not in the audit trail",
    ]


async def _invitation(services: Services, cast: Cast) -> None:
    """The scenario, with an invitation for three observers used once."""
    await _scenario(services, cast)
    code = (await services.invitations.create(actor=cast.rosa, role="observer", uses=3)).code
    await services.invitations.accept(code=code, name="Ana", language="es",
                                      telegram_user_id=9005)
    assert (await _verify(services)).problems == []


@pytest.mark.parametrize(("change", "expected"), [
    ("uses = 0", "uses is 0 but the audit says 1"),
    ("max_uses = 50", "max_uses is 50 but the audit says 3"),
    ("role = 'private_rep'", "role is 'private_rep' but the audit says 'observer'"),
    ("entity_id = (SELECT id FROM entity WHERE name = 'APFU')",
     "entity is 'APFU' but the audit says None"),
    ("mesa_id = 2", "mesa is 2 but the audit says 1"),
], ids=["uses", "max-uses", "role", "entity", "mesa"])
async def test_an_invitation_that_can_still_let_people_in_is_held_against_its_events(
    services: Services, cast: Cast, change: str, expected: str
) -> None:
    await _invitation(services, cast)
    await _sql(services, f"UPDATE invitation SET {change}")
    problems = (await _verify(services)).problems
    assert len(problems) == 1
    assert problems[0].startswith("mesa:") and problems[0].endswith(expected)


async def test_an_invitation_revived_or_slipped_in_is_detected(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _invitation(services, cast)
    clock.advance(timedelta(days=8))  # the invitation has expired; the bot goes on
    await services.progress.post(actor=cast.rosa, ref="P-1", text="Sigue")
    await _sql(services, "UPDATE invitation SET expires_at = expires_at + interval '30 days'"
               if services.db.url.startswith("postgresql") else
               "UPDATE invitation SET expires_at = datetime(expires_at, '+30 days')")
    await _sql(services, "INSERT INTO invitation (code_hash, mesa_id, role, created_by_id,"
                         " max_uses, uses, created_at, expires_at) SELECT 'f00d', mesa_id,"
                         " 'observer', created_by_id, 1, 0, created_at, expires_at"
                         " FROM invitation")
    problems = (await _verify(services)).problems
    assert len(problems) == 2
    assert "mesa:1 invitation f00d: not in the audit trail" in problems
    assert any(p.startswith("mesa:1 invitation ") and ": expires_at is " in p
               for p in problems)


async def test_an_invitation_revoked_with_its_coordinator_stays_revoked(
    services: Services, cast: Cast
) -> None:
    """Taking a coordinator out stops the invitations they handed out; one set going
    again behind the bot's back (its expiry put back) is reported."""
    await _scenario(services, cast)
    await services.members.grant_role(mesa="forestal", handle="jorge", role="coordinator",
                                      entity="SERFOR")
    await services.invitations.create(actor=cast.jorge, role="observer", uses=5)
    await services.departures.remove(actor=cast.rosa, handle="jorge")
    assert (await _verify(services)).problems == []
    await _sql(services, "UPDATE invitation SET expires_at = created_at + interval '7 days'"
               if services.db.url.startswith("postgresql") else
               "UPDATE invitation SET expires_at = datetime(created_at, '+7 days')")
    problems = (await _verify(services)).problems
    assert len(problems) == 1
    assert problems[0].startswith("mesa:1 invitation ") and ": expires_at is " in problems[0]


# published heads


async def test_heads_published_earlier_still_verify_as_the_chain_grows(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    published = audit.parse_heads("# kept by the team\n" + "\n".join(
        "2027-01-11 INFO mesabot.audit: audit head " + h.line() for h in await _heads(services)
    ))
    await services.actions.confirm(actor=cast.jorge, ref="A-1", due="el viernes")
    report = await _verify(services, published)
    assert report.ok, report.problems
    assert [h.chain for h in published] == ["global", MESA, "mesa:2"]


async def test_a_published_head_rewritten_is_detected(services: Services, cast: Cast) -> None:
    await _scenario(services, cast)
    published = await _heads(services)
    async with services.db.write() as s:
        events = await _chain_events(s, MESA)
        events[-1].source = "reescrito"
        await _recompute_from(s, events, len(events) - 1)
    report = await _verify(services, published)
    assert f"{MESA} #{len(events)}: not the event published on 2027-01-11" in report.problems


async def test_the_daily_heads_reach_each_team_chat_and_the_log(
    services: Services, cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    await _scenario(services, cast)
    heads = {h.chain: h for h in await _heads(services)}
    caplog.set_level(logging.INFO, logger="mesabot.audit")

    await publish_audit_heads(services)

    async with services.db.read() as s:
        notices = list(await s.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "audit_head")
        ))
    mesa = heads[MESA]
    assert [(n.mesa_id, n.audience, n.params) for n in notices] == [
        (1, "team", {"events": mesa.seq, "fingerprint": mesa.hash[:12], "date": "2027-01-11"}),
        (2, "team", {"events": heads["mesa:2"].seq, "fingerprint": heads["mesa:2"].hash[:12],
                     "date": "2027-01-11"}),
    ]
    logged = audit.parse_heads("\n".join(
        r.getMessage() for r in caplog.records if r.getMessage().startswith("audit head")))
    assert logged == list(heads.values())
    assert f"cadena de auditoría {MESA}: {mesa.seq} eventos, huella {mesa.hash[:12]}…" in (
        caplog.text)
    assert build_scheduler(services, platforms=[]).get_job("publish-audit-heads") is not None


async def test_the_heads_notice_reads_in_both_languages() -> None:
    from zoneinfo import ZoneInfo

    from bot.commands.present import Presenter

    params = {"events": 1284, "fingerprint": "3f9a0c1d2e4b", "date": "2027-01-11"}
    es = Presenter("es", ZoneInfo("America/Lima")).notice("audit_head", params).lines[0].text
    en = Presenter("en", ZoneInfo("America/Lima")).notice("audit_head", params).lines[0].text
    assert es.startswith("Cadena de auditoría de la mesa: 1.284 eventos, huella 3f9a0c1d2e4b…")
    assert en.startswith("The mesa's audit chain: 1,284 events, fingerprint 3f9a0c1d2e4b…")


# keys


def _with_keys(db: Database, keys: tuple[bytes, ...]) -> Services:
    other = Database(db.url, audit_keys=keys)
    return Services.build(db=other, clock=ManualClock(MONDAY))


async def test_nothing_is_recorded_without_a_key(db: Database, services: Services) -> None:
    unkeyed = _with_keys(db, ())
    try:
        with pytest.raises(audit.MissingAuditKey):
            await unkeyed.members.create_entity(name="SERFOR", is_public=True)
    finally:
        await unkeyed.db.dispose()


async def test_a_rotated_key_signs_on_and_the_old_chain_still_verifies(
    db: Database, services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    new = b"the new key, put first after a rotation"
    rotated = _with_keys(db, (new, *AUDIT_KEYS))
    try:
        await rotated.progress.post(actor=cast.jorge, ref="A-1", text="Con la llave nueva")
        async with rotated.db.read() as s:
            events = await _chain_events(s, MESA)
            report = await audit.verify(s)
        assert report.ok, report.problems
        rotation, after = events[-2], events[-1]
        assert (rotation.kind, rotation.after) == (audit.KEY_ROTATED,
                                                   {"key": audit.fingerprint(new)})
        assert audit.key_of(rotation.hash) == audit.fingerprint(AUDIT_KEYS[0])  # old vouches
        assert audit.key_of(after.hash) == audit.fingerprint(new)
        async with rotated.db.write() as s:  # `mesabot audit rotate-key`: the rest move now
            assert await audit.rotate_all(s, at=rotated.clock.now()) == 2  # global, mesa:2
            assert await audit.rotate_all(s, at=rotated.clock.now()) == 0  # done once
        await rotated.bottlenecks.log(actor=cast.other_mesa_rosa, text="Jaulas")  # on mesa:2
        async with rotated.db.read() as s:
            report = await audit.verify(s)
        assert report.ok, report.problems
        # the old key alone no longer verifies what the new one signed
        problems = (await _verify(services)).problems
        assert f"{MESA} #{after.seq}: signed with a key this installation does not have" in (
            problems)
    finally:
        await rotated.db.dispose()


async def test_a_process_left_on_the_old_key_after_a_rotation_is_reported(
    db: Database, services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    new = b"the new key, put first after a rotation"
    rotated = _with_keys(db, (new, *AUDIT_KEYS))
    try:
        async with rotated.db.write() as s:
            await audit.rotate_all(s, at=rotated.clock.now())
        await services.progress.post(actor=cast.jorge, ref="A-1", text="Con la llave vieja")
        async with rotated.db.read() as s:
            events = await _chain_events(s, MESA)
            problems = (await audit.verify(s)).problems
        stale = events[-1]  # signed with the old key, after the rotation to the new one
        assert problems == [
            f"{MESA} #{stale.seq}: not signed with the key the rotation before it named"]
    finally:
        await rotated.db.dispose()


async def test_a_chain_moved_to_a_new_key_without_the_old_keys_word_is_reported(
    db: Database, services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    new = b"the new key, put first after a rotation"
    rotated = _with_keys(db, (new,))  # the old key dropped from the ring: cannot vouch
    try:
        await rotated.progress.post(actor=cast.jorge, ref="A-1", text="Con la llave nueva")
        async with rotated.db.read() as s:
            events = await _chain_events(s, MESA)
        rotation = events[-2]
        problems = (await _verify(_with_keys(db, (new, *AUDIT_KEYS)))).problems
        assert problems == [
            f"{MESA} #{rotation.seq}: changes key without a rotation signed by the old key"]
    finally:
        await rotated.db.dispose()


async def test_two_rotations_in_a_row_keep_the_chain_whole(
    db: Database, services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    second, third = b"the second key of this installation", b"and the third, a year later"
    for keys in [(second, *AUDIT_KEYS), (third, second, *AUDIT_KEYS)]:
        rotated = _with_keys(db, keys)
        try:
            async with rotated.db.write() as s:
                assert await audit.rotate_all(s, at=rotated.clock.now()) == 3
        finally:
            await rotated.db.dispose()
    latest = _with_keys(db, (third, second, *AUDIT_KEYS))
    try:
        await latest.progress.post(actor=cast.jorge, ref="A-1", text="Con la tercera llave")
        async with latest.db.read() as s:
            report = await audit.verify(s)
        assert report.ok, report.problems
    finally:
        await latest.db.dispose()


def _unkeyed(event: AuditEvent) -> str:
    """The hash this project wrote before the audit key: plain SHA-256."""
    import hashlib

    return hashlib.sha256(audit._canonical(event)).hexdigest()


async def _as_before_keys(services: Services, chain: str) -> None:
    async with services.db.write() as s:
        events = await _chain_events(s, chain)
        for index, event in enumerate(events):
            event.prev_hash = events[index - 1].hash if index else audit.GENESIS
            event.hash = _unkeyed(event)
            s.add(event)
        head = await s.get(AuditChain, chain)
        assert head is not None
        head.head_hash = events[-1].hash
        s.add(head)


async def test_a_chain_written_before_keys_is_reported_until_a_keyed_event_seals_it(
    services: Services, cast: Cast
) -> None:
    await _scenario(services, cast)
    await _as_before_keys(services, MESA)
    assert (await _verify(services)).problems == [
        f"{MESA}: written before the audit key and not sealed with it yet "
        "(mesabot audit rotate-key seals it)"]

    await services.progress.post(actor=cast.jorge, ref="A-1", text="Primera con llave")

    assert (await _verify(services)).problems == []
    async with services.db.write() as s:  # then someone rewrites the unkeyed part
        events = await _chain_events(s, MESA)
        sealed_at = next(i for i, e in enumerate(events) if e.kind == audit.KEY_ROTATED)
        events[1].source = "reescrito"
        for index in range(1, sealed_at):
            events[index].prev_hash = events[index - 1].hash
            events[index].hash = _unkeyed(events[index])
            s.add(events[index])
        await _recompute_from(s, events, sealed_at)
    assert f"{MESA} #{sealed_at + 1}: contents changed after it was written" in (
        (await _verify(services)).problems)
