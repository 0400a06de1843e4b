"""``mesabot``: the demo, the console face, and the administrator's commands."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

from bot import admin
from bot.admin import ahead
from bot.app import (
    AuditKeyMissing,
    build_services,
    configure_logging,
    load_audit_keys,
    rotate_key_file,
)
from bot.core.errors import DomainError
from bot.settings import Settings
from bot.storage.database import async_url


class _Commands:
    """Every command as it is declared, so the top help can list them all with their
    options (argparse alone shows one level, and no options)."""

    def __init__(self) -> None:
        self.leaves: list[tuple[argparse.ArgumentParser, str]] = []

    def add(self, group: Any, name: str, help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = group.add_parser(name, help=help, description=help)
        self.leaves.append((parser, help))
        return parser

    def listing(self) -> str:
        lines = ["every command:"]
        for parser, help in self.leaves:
            usage = parser.format_usage().removeprefix("usage: ").replace(" [-h]", "")
            lines.append("  " + " ".join(usage.split()))
            lines.append(textwrap.fill(help, width=90, initial_indent=" " * 6,
                                       subsequent_indent=" " * 6))
        return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mesabot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    leaf = _Commands()

    demo = leaf.add(sub, "demo", "play a week of the Mesa Forestal on a temporary database")
    demo.add_argument("--files", type=Path, metavar="DIR",
                      help="where to write the agenda's documents (default: a new folder "
                           "under the system's temporary directory, printed at the end)")
    leaf.add(sub, "run", "run every configured face (Telegram, Slack) and the scheduler")
    leaf.add(sub, "scheduler", "run only the scheduler (no face), for deployments of "
             "several bot processes; one process leads per database")

    console = leaf.add(sub, "console", "talk to the bot from a terminal as a member")
    console.add_argument("--as", dest="handle", required=True, metavar="HANDLE",
                         help="the member's handle")
    console.add_argument("--mesa", help="the mesa's slug, if the member is in several")
    console.add_argument("--files", type=Path, metavar="DIR",
                         help="where to write attachments (the agenda's documents)")

    db = sub.add_parser("db", help="the database").add_subparsers(
        dest="action", required=True, metavar="action")
    leaf.add(db, "upgrade", "make the database, or bring it to this version's schema, "
             "keeping what it holds")

    entity = sub.add_parser("entity", help="organisations").add_subparsers(
        dest="action", required=True, metavar="action")
    leaf.add(entity, "list", "every entity, public or private")
    add = leaf.add(entity, "add", "an organisation members speak for")
    add.add_argument("name", help="short name people type, e.g. SERFOR")
    add.add_argument("--full-name", default="")
    add.add_argument("--public", action="store_true", help="a public entity")

    mesa = sub.add_parser("mesa", help="mesas").add_subparsers(
        dest="action", required=True, metavar="action")
    leaf.add(mesa, "list", "every mesa, with its schedule and how many members act in it")
    create = leaf.add(mesa, "create", "a new mesa (then give it a coordinator with "
                      "`mesabot member role`)")
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
    setting = leaf.add(mesa, "set", "change a mesa's schedule, as /ajustes does: ping_hours "
                       "48 24, agenda_hours 2, grace_days 7, day_hours 7 21, priority_limit "
                       "4, cadence weekly, timezone America/Lima")
    setting.add_argument("slug")
    setting.add_argument("setting", choices=["ping_hours", "agenda_hours", "grace_days",
                                             "day_hours", "priority_limit", "cadence",
                                             "timezone"])
    setting.add_argument("values", nargs="+")

    member = sub.add_parser("member", help="members and their roles").add_subparsers(
        dest="action", required=True, metavar="action")
    members = leaf.add(member, "list", "every member, their chat accounts and their role "
                       "in each mesa")
    members.add_argument("--mesa", help="only the members of this mesa (its slug)")
    madd = leaf.add(member, "add", "a person the bot knows (they act nowhere until given "
                    "a role)")
    madd.add_argument("handle")
    madd.add_argument("name")
    madd.add_argument("--language", default="es", choices=["es", "en"])
    madd.add_argument("--telegram-id", type=int)
    madd.add_argument("--slack-id")
    link = leaf.add(member, "link", "link a member to their chat accounts")
    link.add_argument("handle")
    link.add_argument("--telegram-id", type=int)
    link.add_argument("--slack-id")
    role = leaf.add(member, "role", "give a member a role in a mesa, speaking for --entity")
    role.add_argument("handle")
    role.add_argument("mesa")
    role.add_argument("role", choices=["private_rep", "public_official", "coordinator",
                                       "high_level", "observer"])
    role.add_argument("--entity", help="the entity they speak for in this mesa")
    remove = leaf.add(member, "remove", "take a member out of a mesa; their open actions go "
                      "to --successor or back to the mesa")
    remove.add_argument("handle")
    remove.add_argument("mesa")
    remove.add_argument("--successor", help="who takes over their open actions")
    unlink = leaf.add(member, "unlink", "forget a member's chat accounts (both unless one "
                      "is named)")
    unlink.add_argument("handle")
    unlink.add_argument("--telegram", action="store_true")
    unlink.add_argument("--slack", action="store_true")

    audit_cmd = sub.add_parser("audit", help="the audit trail").add_subparsers(
        dest="action", required=True, metavar="action")
    verify = leaf.add(audit_cmd, "verify", "check the record and the live rows against it; "
                      "exit 1 if anything was altered")
    verify.add_argument("--heads", type=Path, metavar="FILE",
                        help="heads published earlier, to check against")
    leaf.add(audit_cmd, "heads", "print every chain's head, one JSON line each, to keep "
             "outside the database")
    leaf.add(audit_cmd, "rotate-key", "put a new key first in the key file and move every "
             "chain to it (with the bot stopped)")
    parser.epilog = leaf.listing()
    return parser


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


async def _database_ready(args: argparse.Namespace, url: str, shown: str) -> str | None:
    """What stops this command before it starts, in words: a folder or file that is not
    there, a URL that names no database the bot runs on, a database not yet upgraded
    (or upgraded by a newer bot). None when it may go on. Nothing is created here."""
    from sqlalchemy.exc import ArgumentError

    from bot.storage.database import Database, sqlite_file
    from bot.storage.migrate import schema

    try:
        path = sqlite_file(url)
        db = Database(url)
    except (ArgumentError, ImportError):
        named = f" ({shown})" if shown != "?" else ""
        return (f"MESABOT_DATABASE_URL{named} names no database the bot runs on. Use "
                "sqlite:///mesa.db (a file) or postgresql://user@host:5432/mesabot.")
    upgrading = args.command == "db"
    try:
        if path is not None and not path.absolute().parent.is_dir():
            return (f"The folder {path.absolute().parent} does not exist, so the database "
                    f"file {path.name} cannot be made there. Create the folder, or set "
                    "MESABOT_DATABASE_URL to a file in one that exists.")
        if path is not None and not upgrading and not path.exists():
            return (f"There is no database at {path.absolute()} yet: run `mesabot db "
                    "upgrade` to make it.")
        if upgrading:
            return None
        found = await schema(db)
    finally:
        await db.dispose()
    if found.ahead:
        return ahead(found.current or "", found.head, shown)
    if found.current is None and not found.has_tables:
        return f"The database at {shown} is not set up yet: run `mesabot db upgrade` first."
    if not found.ready:
        return (f"The database at {shown} is at revision {found.current}; this version of "
                f"mesabot needs {found.head}: run `mesabot db upgrade` (what is stored is "
                "kept).")
    return None


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError

    if args.command == "demo":
        from bot.demo import play

        return 0 if await play(sys.stdout, files=args.files) else 1
    url = async_url(settings.database_url)
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        shown = "?"
    try:
        stop = await _database_ready(args, url, shown)
        keys = await asyncio.to_thread(_audit_keys, args, settings) if stop is None else ()
    except (AuditKeyMissing, ValueError) as error:  # the key file or MESABOT_AUDIT_KEY
        stop = f"The audit key: {error}."
    except (DBAPIError, OSError) as error:
        stop = f"Could not open the database at {shown}: {getattr(error, 'orig', None) or error}"
    if stop is not None:
        print(stop, file=sys.stderr)
        return 2
    if args.command == "run":  # from here on, what stops it is the log's to say
        from bot.app import run

        return await run(settings, keys)
    if args.command == "scheduler":
        from bot.app import run_scheduler

        return await run_scheduler(settings, keys)
    services = build_services(url, audit_keys=keys)
    try:
        return await admin.run(args, services, shown)
    except DomainError as error:
        print(admin.explain(error), file=sys.stderr)
        return 2
    except DBAPIError as error:
        print(f"Could not use the database at {shown}: {getattr(error, 'orig', None) or error}",
              file=sys.stderr)
        return 2
    finally:
        await services.db.dispose()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings)
    try:
        sys.exit(asyncio.run(_run(args, settings)))
    except BrokenPipeError:  # `mesabot member list | head`: the reader had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
