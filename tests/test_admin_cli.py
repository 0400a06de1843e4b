"""The administrator's command line as a person at a terminal meets it: mistakes said in
words with what to type, never a traceback; lists of what is there; a help that names
every command; and the README's examples that the parser takes as written."""

from __future__ import annotations

import asyncio
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.cli import _parser
from bot.storage.database import Database
from bot.storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent


def mesabot(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd,
        env={"MESABOT_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
             "MESABOT_AUDIT_KEY_FILE": str(cwd / "audit.key")},
        timeout=120, check=False,
    )


def refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, the words on standard error, and no Python in sight."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "error: " not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def test_a_database_not_yet_there_or_in_no_folder_is_said_so_and_nothing_is_made(
    tmp_path: Path,
) -> None:
    fresh = tmp_path / "fresh.db"
    url = f"sqlite+aiosqlite:///{fresh}"
    with ThreadPoolExecutor() as pool:
        missing, no_folder, empty_pg = pool.map(lambda run: run(), [
            lambda: mesabot(url, "entity", "add", "SERFOR", "--public", cwd=tmp_path),
            lambda: mesabot(f"sqlite:///{tmp_path}/nope/mesa.db", "db", "upgrade",
                            cwd=tmp_path),
            lambda: mesabot("mysql://someone@db.example/mesa", "mesa", "list", cwd=tmp_path),
        ])
    refused(missing, f"There is no database at {fresh} yet: run `mesabot db upgrade`")
    assert not fresh.exists()
    refused(no_folder, f"The folder {tmp_path}/nope does not exist")
    refused(empty_pg, "names no database the bot runs on", "sqlite:///mesa.db")

    fresh.touch()  # an empty file: there, but not set up
    with ThreadPoolExecutor() as pool:
        for command in pool.map(lambda args: mesabot(url, *args, cwd=tmp_path),
                                [("mesa", "list"), ("run",), ("console", "--as", "maria")]):
            refused(command, "is not set up yet", "run `mesabot db upgrade` first")


async def test_a_database_left_behind_is_told_to_upgrade_and_the_upgrade_says_from_what(
    tmp_path: Path,
) -> None:
    old = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(old, "0005")
    await old.dispose()
    url = f"sqlite:///{tmp_path / 'old.db'}"
    refused(await asyncio.to_thread(mesabot, url, "member", "list", cwd=tmp_path),
            "is at revision 0005; this version of mesabot needs", "run `mesabot db upgrade`")
    upgraded = await asyncio.to_thread(mesabot, url, "db", "upgrade", cwd=tmp_path)
    assert re.search(r"Upgraded the database at \S+ from 0005 to \w+ \(\d+ migrations\); "
                     r"what was stored is kept", upgraded.stdout), upgraded
    assert (await asyncio.to_thread(mesabot, url, "member", "list", cwd=tmp_path)
            ).returncode == 0


def test_db_upgrade_takes_a_url_without_the_async_driver_and_says_what_it_did(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'mesa.db'}"  # as another tool would write it
    first = mesabot(url, "db", "upgrade", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert re.search(r"Set up the database at sqlite\+aiosqlite:///\S+mesa.db: \d+ migrations, "
                     r"now at \w+", first.stdout), first.stdout
    again = mesabot(url, "db", "upgrade", cwd=tmp_path)
    assert "is already up to date" in again.stdout and "nothing to do" in again.stdout


@pytest.mark.skipif(not __import__("os").environ.get("MESABOT_TEST_DATABASE_URL"),
                    reason="MESABOT_TEST_DATABASE_URL not set")
def test_a_postgresql_that_cannot_be_reached_is_said_so_without_its_password(
    tmp_path: Path,
) -> None:
    closed = mesabot("postgresql://postgres:s3cret@127.0.0.1:1/test", "mesa", "list",
                     cwd=tmp_path)
    refused(closed, "Could not open the database at postgresql+asyncpg://postgres:***@")
    assert "s3cret" not in closed.stderr
    nosuch = mesabot("postgresql://postgres@127.0.0.1:5432/no_such_db", "mesa", "list",
                     cwd=tmp_path)
    refused(nosuch, 'database "no_such_db" does not exist')


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'mesa.db'}"
    assert mesabot(url, "db", "upgrade", cwd=tmp_path).returncode == 0
    return url


def test_mistakes_are_said_in_words_with_what_to_type(url: str, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return mesabot(url, *args, cwd=tmp_path)

    assert run("entity", "add", "SERFOR", "--public").returncode == 0
    assert run("member", "add", "maria", "María Quispe", "--telegram-id", "11").returncode == 0
    with ThreadPoolExecutor() as pool:
        results = list(pool.map(lambda args: run(*args), [
            ("mesa", "create", "forestal", "Mesa Forestal", "--convener", "NOPE"),
            ("mesa", "create", "forestal", "Mesa Forestal", "--timezone", "Lima"),
            ("mesa", "create", "forestal", "Mesa Forestal", "--country", "XX"),
            ("entity", "add", "serfor"),
            ("entity", "add", "Cámara Forestal"),
            ("member", "add", "Ma ría", "María"),
            ("member", "role", "nadie", "forestal", "coordinator"),
            ("member", "add", "jorge", "Jorge Salas", "--telegram-id", "11"),
            ("audit", "verify", "--heads", str(tmp_path / "missing.jsonl")),
        ]))
    entity, zone, country, twice, spaced, handle, mesa, account, heads = results
    refused(entity, "There is no entity “NOPE”", "`mesabot entity list`",
            "`mesabot entity add NOPE`")
    refused(zone, "“Lima” is not a time zone", "America/Lima")
    refused(country, "“XX” is not a country", "PE")
    refused(twice, "There is already an entity named serfor")
    refused(spaced, "cannot be an entity's name", "--full-name")
    refused(handle, "cannot be a handle")
    refused(mesa, "There is no mesa “forestal”", "`mesabot mesa list`")
    refused(account, "That chat account (11) is already linked to another member")
    refused(heads, f"There is no file {tmp_path / 'missing.jsonl'}")

    assert run("mesa", "create", "forestal", "Mesa Forestal").returncode == 0
    refused(run("member", "role", "maria", "forestal", "private_rep", "--entity", "SERFOR"),
            "SERFOR is a public entity")
    refused(run("member", "role", "maria", "forestal", "public_official"),
            "A public official speaks for a public entity")


def test_entities_mesas_and_members_are_listed(url: str, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = mesabot(url, *args, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
        return result

    assert "No mesas yet: add one with `mesabot mesa create" in run("mesa", "list").stdout
    for step in [
        ("entity", "add", "SERFOR", "--public", "--full-name", "Servicio Nacional Forestal"),
        ("entity", "add", "PRODUCE", "--public"),
        ("entity", "add", "APFU"),
        ("mesa", "create", "forestal", "Mesa Forestal", "--convener", "PRODUCE"),
        ("mesa", "create", "acuicola", "Mesa Acuícola", "--cadence", "biweekly"),
        ("member", "add", "maria", "María Quispe", "--telegram-id", "11"),
        ("member", "role", "maria", "forestal", "private_rep", "--entity", "APFU"),
        ("member", "add", "jorge", "Jorge Salas", "--slack-id", "U2"),
        ("member", "role", "jorge", "forestal", "public_official", "--entity", "SERFOR"),
        ("member", "role", "jorge", "acuicola", "observer"),
        ("member", "add", "tom", "Tom Reed", "--language", "en"),
    ]:
        run(*step)
    entities = run("entity", "list").stdout.splitlines()
    assert [line.split()[:2] for line in entities] == [
        ["APFU", "private"], ["PRODUCE", "public"], ["SERFOR", "public"]]
    assert entities[2].endswith("Servicio Nacional Forestal")

    mesas = run("mesa", "list").stdout
    assert re.search(r"acuicola +Mesa Acuícola +sector, biweekly, America/Lima, PE +no "
                     r"convener +1 member\n", mesas), mesas
    assert re.search(r"forestal +Mesa Forestal +sector, weekly, America/Lima, PE +convened by "
                     r"PRODUCE +2 members", mesas), mesas

    everyone = run("member", "list").stdout
    assert re.search(r"jorge +Jorge Salas +es +Slack +acuicola: observer; forestal: "
                     r"public_official \(SERFOR\)", everyone), everyone
    assert re.search(r"maria +María Quispe +es +Telegram +forestal: private_rep \(APFU\)",
                     everyone), everyone
    assert re.search(r"tom +Tom Reed +en +no chat account +no mesa yet", everyone), everyone

    forestal = run("member", "list", "--mesa", "forestal").stdout
    assert [line.split()[0] for line in forestal.splitlines()] == ["jorge", "maria"]
    assert "public_official (SERFOR)" in forestal and "acuicola" not in forestal

    run("member", "remove", "maria", "forestal")
    assert re.search(r"maria .* removed \(was private_rep \(APFU\)\)",
                     run("member", "list", "--mesa", "forestal").stdout)


def _leaves(parser: object, words: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    import argparse

    assert isinstance(parser, argparse.ArgumentParser)
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(_leaves(sub, (*words, name)) or [(*words, name)])
    return found


def test_the_help_names_every_command_with_its_options() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True,
                            text=True, cwd=ROOT, check=True)
    commands = _leaves(_parser())
    assert ("member", "list") in commands and ("db", "upgrade") in commands
    for command in commands:
        assert f"mesabot {' '.join(command)}" in result.stdout, command
    assert "mesabot console --as HANDLE [--mesa MESA] [--files DIR]" in result.stdout
    assert "mesabot member list [--mesa MESA]" in result.stdout


#: Words the README writes in place of a value.
_PLACEHOLDERS = {"HANDLE", "MESA", "ROLE", "ID", "E"}


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    spans = re.findall(r"`((?:\.venv/bin/)?mesabot [^`]+)`", text)
    blocks = [line for block in re.findall(r"```sh\n(.*?)```", text, re.S)
              for line in block.replace("\\\n", " ").splitlines()]
    found = []
    for line in spans + blocks:
        command = line.split("|")[-1].split("#")[0].strip()
        if re.match(r"(\.venv/bin/)?mesabot ", command):
            found.append(command)
    return found


def test_the_readme_s_commands_are_taken_by_the_parser_as_written() -> None:
    commands = _readme_commands()
    assert len(commands) > 25
    named = set(_leaves(_parser()))  # "`mesabot member add` takes --telegram-id": a name
    wrong = []
    for command in commands:
        words = command.split(" ", 1)[1]
        if _PLACEHOLDERS & set(words.split()) or "<" in words or tuple(words.split()) in named:
            continue
        for variant in (re.sub(r"\[([^\]]*)\]", r"\1", words),  # with what is optional
                        re.sub(r" ?\[[^\]]*\]", "", words)):  # and without
            try:
                _parser().parse_args(shlex.split(variant))
            except SystemExit as stopped:  # --help exits 0; a mistake, 2
                if stopped.code:
                    wrong.append(variant)
    assert wrong == []
