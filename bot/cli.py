"""``mesabot``: the demo, the console face, and the administrator's commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.app import (
    AuditKeyMissing,
    build_services,
    configure_logging,
    load_audit_keys,
    rotate_key_file,
)
from bot.core import audit
from bot.core.errors import DomainError
from bot.core.services import Services
from bot.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mesabot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="play a week of the Mesa Forestal on a temporary database")
    demo.add_argument("--files", type=Path, metavar="DIR",
                      help="where to write the agenda's documents (default: a new folder "
                           "under the system's temporary directory, printed at the end)")
    sub.add_parser("run", help="run every configured face (Telegram) and the scheduler")
    sub.add_parser("scheduler", help="run only the scheduler (no face), for deployments "
                   "of several bot processes; one process leads per database")

    console = sub.add_parser("console", help="talk to the bot from a terminal")
    console.add_argument("--as", dest="handle", required=True, help="the member's handle")
    console.add_argument("--mesa", help="the mesa's slug, if the member is in several")
    console.add_argument("--files", type=Path, metavar="DIR",
                         help="where to write attachments (the agenda's documents)")

    db = sub.add_parser("db", help="database administration")
    db.add_argument("action", choices=["upgrade"])

    entity = sub.add_parser("entity", help="organisations")
    entity_sub = entity.add_subparsers(dest="action", required=True)
    add = entity_sub.add_parser("add")
    add.add_argument("name", help="short name people type, e.g. SERFOR")
    add.add_argument("--full-name", default="")
    add.add_argument("--public", action="store_true", help="a public entity")

    mesa = sub.add_parser("mesa", help="mesas")
    mesa_sub = mesa.add_subparsers(dest="action", required=True)
    create = mesa_sub.add_parser("create")
    create.add_argument("slug")
    create.add_argument("name")
    create.add_argument("--kind", default="sector", choices=["sector", "factor"])
    create.add_argument("--convener", help="the convening entity's short name")
    create.add_argument("--region", default="")
    create.add_argument("--timezone", default="America/Lima")
    create.add_argument("--country", default="PE", help="whose holidays are not working days")
    create.add_argument("--language", default="es", choices=["es", "en"])
    create.add_argument("--cadence", default="weekly", choices=["weekly", "biweekly", "monthly"])
    create.add_argument("--priority-limit", type=int, default=4)
    setting = mesa_sub.add_parser(
        "set", help="change a mesa's schedule, as /ajustes does: ping_hours 48 24, "
        "agenda_hours 2, grace_days 7, day_hours 7 21, priority_limit 4, cadence weekly, "
        "timezone America/Lima")
    setting.add_argument("slug")
    setting.add_argument("setting", choices=["ping_hours", "agenda_hours", "grace_days",
                                             "day_hours", "priority_limit", "cadence",
                                             "timezone"])
    setting.add_argument("values", nargs="+")

    member = sub.add_parser("member", help="members and their roles")
    member_sub = member.add_subparsers(dest="action", required=True)
    madd = member_sub.add_parser("add")
    madd.add_argument("handle")
    madd.add_argument("name")
    madd.add_argument("--language", default="es", choices=["es", "en"])
    madd.add_argument("--telegram-id", type=int)
    madd.add_argument("--slack-id")
    link = member_sub.add_parser("link", help="link a member to their chat accounts")
    link.add_argument("handle")
    link.add_argument("--telegram-id", type=int)
    link.add_argument("--slack-id")
    role = member_sub.add_parser("role", help="give a member a role in a mesa")
    role.add_argument("handle")
    role.add_argument("mesa")
    role.add_argument("role", choices=["private_rep", "public_official", "coordinator",
                                       "high_level", "observer"])
    role.add_argument("--entity", help="the entity they speak for in this mesa")
    remove = member_sub.add_parser(
        "remove", help="take a member out of a mesa; their open actions go to --successor "
        "or back to the mesa")
    remove.add_argument("handle")
    remove.add_argument("mesa")
    remove.add_argument("--successor", help="who takes over their open actions")
    unlink = member_sub.add_parser(
        "unlink", help="forget a member's chat accounts (both unless one is named)")
    unlink.add_argument("handle")
    unlink.add_argument("--telegram", action="store_true")
    unlink.add_argument("--slack", action="store_true")

    audit_cmd = sub.add_parser("audit", help="the audit trail")
    audit_cmd.add_argument(
        "action", choices=["verify", "heads", "rotate-key"],
        help="verify: check the record (exit 1 if altered); heads: print every chain's "
             "head, one JSON line each, to keep outside the database; rotate-key: put a "
             "new key first in the key file and move every chain to it (bot stopped)",
    )
    audit_cmd.add_argument("--heads", type=Path, metavar="FILE",
                           help="with verify: heads published earlier, to check against")
    return parser


async def _admin(args: argparse.Namespace, services: Services) -> int:
    from bot.storage.migrate import upgrade

    if args.command == "db":
        await upgrade(services.db)
        print("Database is up to date.")
    elif args.command == "console":
        from bot.handlers.console import repl

        await repl(services, handle=args.handle, mesa=args.mesa, files=args.files)
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
    elif args.command == "member" and args.action == "add":
        handle = await services.members.add_member(
            handle=args.handle, name=args.name, language=args.language,
            telegram_user_id=args.telegram_id, slack_user_id=args.slack_id,
        )
        print(f"Member {handle} added.")
    elif args.command == "member" and args.action == "link":
        await services.members.link_identity(
            handle=args.handle, telegram_user_id=args.telegram_id, slack_user_id=args.slack_id
        )
        print(f"{args.handle} linked.")
    elif args.command == "member" and args.action == "remove":
        removed = await services.departures.remove_by_admin(
            mesa=args.mesa, handle=args.handle, successor=args.successor
        )
        print(f"{removed.name} removed from {removed.mesa_name}.")
        if removed.handed_over:
            print(f"Actions {', '.join(removed.handed_over)} go to {removed.successor}.")
        if removed.returned:
            print(f"Actions {', '.join(removed.returned)} go back to the mesa as proposed.")
    elif args.command == "member" and args.action == "unlink":
        both = not (args.telegram or args.slack)
        await services.members.unlink(handle=args.handle, telegram=both or args.telegram,
                                      slack=both or args.slack)
        print(f"{args.handle}'s chat accounts unlinked.")
    elif args.command == "member":
        await services.members.grant_role(mesa=args.mesa, handle=args.handle, role=args.role,
                                          entity=args.entity)
        print(f"{args.handle} is {args.role} in {args.mesa}.")
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


async def _verify(services: Services, heads_file: Path | None) -> int:
    """``mesabot audit verify``: one line per problem, exit 1 on any."""
    published: list[audit.Head] = []
    if heads_file is not None:
        try:
            published = audit.parse_heads(await asyncio.to_thread(heads_file.read_text))
        except (OSError, ValueError) as error:
            print(f"error: {heads_file}: {error}", file=sys.stderr)
            return 2
    async with services.db.read() as s:
        report = await audit.verify(s, published)
    against = f", against {len(published)} published heads" if heads_file else ""
    print(f"{report.chains} chains, {report.events} events checked{against}.")
    for problem in report.problems:
        print(f"BROKEN {problem}")
    return 0 if report.ok else 1


def _audit_keys(args: argparse.Namespace, settings: Settings) -> tuple[bytes, ...]:
    """The keys a command needs. Commands that write create the key file on first use;
    verify never does (a new key would only say that everything is broken)."""
    if args.command == "demo":
        return ()  # the demo makes its own
    if args.command == "audit":
        if args.action == "rotate-key":
            return rotate_key_file(settings)
        if args.action == "heads":
            return ()
        return load_audit_keys(settings, create=False)
    return load_audit_keys(settings, create=True)


async def _run(args: argparse.Namespace, settings: Settings, keys: tuple[bytes, ...]) -> int:
    if args.command == "run":
        from bot.app import run

        return await run(settings, keys)
    if args.command == "scheduler":
        from bot.app import run_scheduler

        return await run_scheduler(settings, keys)
    if args.command == "demo":
        from bot.demo import play

        return 0 if await play(sys.stdout, files=args.files) else 1
    services = build_services(settings.database_url, audit_keys=keys)
    try:
        return await _admin(args, services)
    except DomainError as error:
        print(f"error: {error.code} {error.params}", file=sys.stderr)
        return 2
    finally:
        await services.db.dispose()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings)
    try:
        keys = _audit_keys(args, settings)
    except (AuditKeyMissing, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(_run(args, settings, keys)))
