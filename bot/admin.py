"""What each administrator's command does, and what it says back, in English.

The CLI is the administrator's face: it parses (:mod:`bot.cli`), calls the core, and
prints. A mistake is said in words with the command that mends it, never as a code or a
traceback; see :func:`explain`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core import audit
from bot.core.errors import DomainError
from bot.core.roster import MemberLine, Seat
from bot.core.services import Services
from bot.storage.migrate import schema, upgrade

#: What an administrator reads for the core's refusals they can meet, by error code.
_WORDS = {
    "unknown_entity": "There is no entity “{name}”. See them with `mesabot entity list`; "
                      "add it with `mesabot entity add {name}` (with --public for a public "
                      "one).",
    "unknown_mesa": "There is no mesa “{slug}”. See them with `mesabot mesa list`.",
    "unknown_member": "There is no member “{name}”. See them with `mesabot member list`; "
                      "add one with `mesabot member add {name} \"Full Name\"`.",
    "conflict.entity": "There is already an entity named {name} "
                       "(see `mesabot entity list`).",
    "conflict.mesa": "There is already a mesa “{name}” (see `mesabot mesa list`).",
    "conflict.member": "There is already a member “{name}” (see `mesabot member list`).",
    "conflict.account": "That chat account ({name}) is already linked to another member "
                        "(see `mesabot member list`); unlink it there first with "
                        "`mesabot member unlink`.",
    "bad_value.timezone": "“{value}” is not a time zone. Use its IANA name, such as "
                          "America/Lima, America/Bogota or Europe/Madrid.",
    "bad_value.country": "“{value}” is not a country whose public holidays the bot knows. "
                         "Use its two-letter code, such as PE, CO or CL.",
    "bad_value.entity_name": "“{value}” cannot be an entity's name: people type it in "
                             "commands, so use one word of 2 to 60 characters, such as "
                             "SERFOR, and put the long name in --full-name.",
    "bad_value.handle": "“{value}” cannot be a handle: use 2 to 40 lowercase letters, "
                        "digits, dots, dashes or underscores, such as maria or j.salas.",
    "bad_value": "“{value}” is not a valid {field}. Choose one of: {allowed}.",
    "entity_required.public_official": "A public official speaks for a public entity: add "
                                       "--entity with one made with --public, such as "
                                       "--entity SERFOR.",
    "entity_required.private_rep": "A private representative speaks for a firm or an "
                                   "association, and {entity} is a public entity: name "
                                   "another with --entity, or none.",
}


def explain(error: DomainError) -> str:
    """A refusal as the administrator reads it: what was wrong and what to type."""
    p = dict(error.params)
    for key in (f"{error.code}.{p.get('what') or p.get('field') or p.get('role')}",
                error.code):
        if key in _WORDS:
            if isinstance(p.get("allowed"), list):
                p["allowed"] = ", ".join(str(a) for a in p["allowed"])
            return _WORDS[key].format(**p)
    from bot.commands.present import Presenter  # the chat's words, for the rest

    reply = Presenter("en", ZoneInfo("UTC")).domain_error(error)
    return " ".join(line.text for line in reply.lines)


async def upgrade_database(services: Services, shown: str) -> int:
    """``mesabot db upgrade``, saying what it did (or that there was nothing to do)."""
    before = await schema(services.db)
    if before.ahead:
        print(ahead(before.current or "", before.head, shown), file=sys.stderr)
        return 2
    if before.current == before.head:
        print(f"The database at {shown} is already up to date ({before.head}); "
              "nothing to do.")
        return 0
    await upgrade(services.db)
    after = await schema(services.db)
    steps = after.steps_from(before)
    migrations = f"{steps} migration{'s' if steps != 1 else ''}"
    if before.current is None:
        print(f"Set up the database at {shown}: {migrations}, now at {after.current}.")
    else:
        print(f"Upgraded the database at {shown} from {before.current} to {after.current} "
              f"({migrations}); what was stored is kept.")
    return 0


def ahead(current: str, head: str, shown: str) -> str:
    return (f"The database at {shown} is at revision {current}, newer than this version "
            f"of mesabot knows ({head}): update the bot, not the database.")


def _table(rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell, the last one free."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([c.ljust(w) for c, w in zip(row, widths, strict=False)] + [row[-1]])
            .rstrip() for row in rows]


def _seat(seat: Seat, *, with_mesa: bool) -> str:
    role = seat.role + (f" ({seat.entity})" if seat.entity else "")
    asked = (seat.pending_role or "") + (f" ({seat.pending_entity})"
                                         if seat.pending_entity else "")
    if seat.state == "removed":
        words = f"removed (was {role})"
    elif seat.state == "pending":
        words = f"waits for approval as {asked or role}"
    else:
        words = role + (f", asks to be {asked}" if asked else "")
    return f"{seat.mesa}: {words}" if with_mesa else words


def _member_row(m: MemberLine, *, with_mesa: bool) -> list[str]:
    accounts = ", ".join(a for a, on in (("Telegram", m.telegram), ("Slack", m.slack)) if on)
    seats = "; ".join(_seat(s, with_mesa=with_mesa) for s in m.seats) or "no mesa yet"
    return [m.handle, m.name, m.language, accounts or "no chat account", seats]


async def list_rows(services: Services, args: argparse.Namespace) -> list[str]:
    """``mesabot entity|mesa|member list``: one line each, or what to type if none."""
    if args.command == "entity":
        entities = await services.roster.entities()
        if not entities:
            return ["No entities yet: add one with `mesabot entity add SERFOR --public "
                    "--full-name \"Servicio Nacional Forestal\"`."]
        return _table([[e.name, "public" if e.is_public else "private", e.full_name]
                       for e in entities])
    if args.command == "mesa":
        mesas = await services.roster.mesas()
        if not mesas:
            return ["No mesas yet: add one with `mesabot mesa create forestal "
                    "\"Mesa Forestal\" --convener PRODUCE`."]
        return _table([[m.slug, m.name, f"{m.kind}, {m.cadence}, {m.timezone}, {m.country}",
                        f"convened by {m.convener}" if m.convener else "no convener",
                        f"{m.members} member{'s' if m.members != 1 else ''}"]
                       for m in mesas])
    members = await services.roster.members(mesa=args.mesa)
    if not members:
        where = f" in {args.mesa}" if args.mesa else ""
        return [f"No members{where} yet: add one with `mesabot member add maria "
                f"\"María Quispe\"`, then `mesabot member role maria <mesa> <role>`."]
    return _table([_member_row(m, with_mesa=args.mesa is None) for m in members])


async def run(args: argparse.Namespace, services: Services, shown: str) -> int:
    """Carry out one administrator's command; 0 when done, 1 or 2 when not."""
    if args.command == "db":
        return await upgrade_database(services, shown)
    if args.command == "console":
        from bot.handlers.console import repl

        await repl(services, handle=args.handle, mesa=args.mesa, files=args.files)
    elif args.action == "list":
        for row in await list_rows(services, args):
            print(row)
    elif args.command == "entity":
        name = await services.members.create_entity(
            name=args.name, full_name=args.full_name, is_public=args.public
        )
        print(f"Entity {name} created.")
    elif args.command == "mesa" and args.action == "set":
        schedule = await services.mesa_settings.change_by_admin(
            mesa=args.slug, field=args.setting, values=args.values)
        print(f"{schedule.mesa_name}: {args.setting} = {' '.join(args.values)}.")
    elif args.command == "mesa":
        slug = await services.members.create_mesa(
            slug=args.slug, name=args.name, kind=args.kind, convener=args.convener,
            region=args.region, timezone=args.timezone, country=args.country,
            language=args.language, cadence=args.cadence, priority_limit=args.priority_limit,
        )
        print(f"Mesa {slug} created.")
    elif args.command == "member":
        await _member(args, services)
    elif args.command == "audit" and args.action == "heads":
        async with services.db.read() as s:
            for head in await audit.heads(s, today=services.clock.now().date()):
                print(head.line())
    elif args.command == "audit" and args.action == "rotate-key":
        async with services.db.write() as s:
            moved = await audit.rotate_all(s, at=services.clock.now())
        newest = audit.fingerprint(services.db.audit_keys[0])
        print(f"Audit key {newest} signs from now on; {moved} chain(s) moved to it.")
    elif args.command == "audit":
        return await _verify(services, args.heads)
    return 0


async def _member(args: argparse.Namespace, services: Services) -> None:
    if args.action == "add":
        handle = await services.members.add_member(
            handle=args.handle, name=args.name, language=args.language,
            telegram_user_id=args.telegram_id, slack_user_id=args.slack_id,
        )
        print(f"Member {handle} added.")
    elif args.action == "link":
        await services.members.link_identity(
            handle=args.handle, telegram_user_id=args.telegram_id, slack_user_id=args.slack_id
        )
        print(f"{args.handle} linked.")
    elif args.action == "remove":
        removed = await services.departures.remove_by_admin(
            mesa=args.mesa, handle=args.handle, successor=args.successor
        )
        print(f"{removed.name} removed from {removed.mesa_name}.")
        if removed.handed_over:
            print(f"Actions {', '.join(removed.handed_over)} go to {removed.successor}.")
        if removed.returned:
            print(f"Actions {', '.join(removed.returned)} go back to the mesa as proposed.")
    elif args.action == "unlink":
        both = not (args.telegram or args.slack)
        await services.members.unlink(handle=args.handle, telegram=both or args.telegram,
                                      slack=both or args.slack)
        print(f"{args.handle}'s chat accounts unlinked.")
    else:
        await services.members.grant_role(mesa=args.mesa, handle=args.handle, role=args.role,
                                          entity=args.entity)
        print(f"{args.handle} is {args.role} in {args.mesa}.")


async def _verify(services: Services, heads_file: Path | None) -> int:
    """``mesabot audit verify``: one line per problem, exit 1 on any."""
    published: list[audit.Head] = []
    if heads_file is not None:
        try:
            published = audit.parse_heads(await asyncio.to_thread(heads_file.read_text))
        except FileNotFoundError:
            print(f"There is no file {heads_file}.", file=sys.stderr)
            return 2
        except (OSError, ValueError) as error:
            print(f"Could not read audit heads from {heads_file}: {error}", file=sys.stderr)
            return 2
    async with services.db.read() as s:
        report = await audit.verify(s, published)
    against = f", against {len(published)} published heads" if heads_file else ""
    print(f"{report.chains} chains, {report.events} events checked{against}.")
    for problem in report.problems:
        print(f"BROKEN {problem}")
    return 0 if report.ok else 1
