"""The README's first command and the administrator's CLI, as a newcomer would use them."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import load_audit_keys
from bot.demo import play
from bot.settings import Settings


async def test_the_demo_tells_the_week_and_ends_with_an_intact_audit_trail(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    assert await play(out, files=tmp_path) is True
    text = out.getvalue()
    for expected in [
        "María Quispe > /problema El registro de plantaciones",
        "Registrado como P-1",
        "A-1 confirmada: Jorge Salas (SERFOR) se compromete para el viernes 15 de enero de 2027",
        "No entendí la fecha «el día del juicio»",
        "(mensaje privado para Jorge Salas) Recordatorio: la sesión 1 es el viernes 15 de enero",
        "Matrix of the Mesa Forestal",
        "Agenda de la Mesa Forestal · sesión 1, viernes 15 de enero de 2027, 10:00",
        "3. Vencidas:",
        "presupuesto: no hay partida",
        "Logro de SERFOR.",
        "Ministra de la Producción > /escalada A-2 reunion",
        "cadena íntegra",
    ]:
        assert expected in text, expected
    # Friday 08:00: the agenda arrives by itself, before anyone asks, in both chats.
    friday = text.split("=== Viernes 08:00")[1].split("===")[1]
    for chat in ("para el equipo", "para el grupo"):
        assert f"({chat} de la Mesa Forestal) Agenda de la Mesa Forestal · sesión 1" in friday
    assert "> /agenda" not in text
    # ... with its documents, listed after the text and saved where the demo says.
    for name in ("agenda-forestal-sesion-1.html", "agenda-forestal-sesion-1.md",
                 "agenda-forestal-sesion-1.ics"):
        assert friday.count(f"[adjunto: {name}, ") == 2  # the team's and the group's
        assert f"guardado en {tmp_path / name}]" in friday
        assert f"  {tmp_path / name}\n" in text.split("Los documentos de la agenda quedaron en")[1]
    page = (tmp_path / "agenda-forestal-sesion-1.html").read_text()
    assert "P-4 «&lt;b&gt;Multas&lt;/b&gt; &amp; *sanciones*" in page  # typed on Wednesday
    assert "DTSTART;TZID=America/Lima:20270115T100000" in (
        tmp_path / "agenda-forestal-sesion-1.ics").read_text()
    # The next Monday: the ministers' digest names Lucía's blocked action once, with its
    # buttons; the Ministra calls a meeting and the team reads it.
    monday = text.split("=== Lunes siguiente 08:00")[1]
    assert monday.count("(para el canal de alto nivel de la Mesa Forestal) Mesa Forestal: "
                        "lo detenido que necesita una decisión (lunes 18 de enero") == 1
    assert "A-2 «Emitir guías de transporte" in monday
    assert "decisión que se necesita: presupuesto" in monday
    assert "[Convocar reunión A-2:" in monday
    assert ("(para el equipo de la Mesa Forestal) Ministra de la Producción pide convocar "
            "una reunión sobre A-2") in monday
    assert "resumen semanal de lo escalado (lunes 18 de enero de 2027)" in monday
    assert "1 acción escalada" in monday


def _mesabot(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        env={"MESABOT_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "PATH": "/usr/bin:/bin",
             "MESABOT_AUDIT_KEY_FILE": str(db.parent / "audit.key")},
        timeout=120, check=False,
    )


def test_an_administrator_sets_up_a_mesa_and_a_member_talks_to_it(tmp_path: Path) -> None:
    db = tmp_path / "mesa.db"
    steps = [
        ("db", "upgrade"),
        ("entity", "add", "SERFOR", "--public"),
        ("entity", "add", "PRODUCE", "--public"),
        ("mesa", "create", "forestal", "Mesa Forestal", "--convener", "PRODUCE"),
        ("member", "add", "jorge", "Jorge Salas"),
        ("member", "role", "jorge", "forestal", "public_official", "--entity", "SERFOR"),
    ]
    for step in steps:
        result = _mesabot(db, *step)
        assert result.returncode == 0, (step, result.stderr)
    talk = _mesabot(db, "console", "--as", "jorge", stdin="/problema Guías lentas\n/matriz\n")
    assert "Registrado como P-1" in talk.stdout
    assert "Matriz de la Mesa Forestal" in talk.stdout
    verified = _mesabot(db, "audit", "verify")
    assert verified.returncode == 0 and "BROKEN" not in verified.stdout
    twice = _mesabot(db, "entity", "add", "SERFOR")
    assert twice.returncode == 2 and "There is already an entity named SERFOR" in twice.stderr


def test_the_audit_key_is_made_once_heads_are_kept_outside_and_a_cut_chain_is_caught(
    tmp_path: Path,
) -> None:
    db, key_file, heads_file = tmp_path / "mesa.db", tmp_path / "audit.key", tmp_path / "heads"
    first = _mesabot(db, "db", "upgrade")
    assert f"Created the audit key at {key_file}" in first.stderr
    assert "off the database's machine" in first.stderr
    assert key_file.stat().st_mode & 0o777 == 0o600
    for step in [("entity", "add", "PRODUCE", "--public"),
                 ("mesa", "create", "forestal", "Mesa Forestal", "--convener", "PRODUCE")]:
        result = _mesabot(db, *step)
        assert result.returncode == 0 and "Created" not in result.stderr, result.stderr

    rotated = _mesabot(db, "audit", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "2 chain(s) moved" in rotated.stdout
    assert len([k for k in key_file.read_text().splitlines() if not k.startswith("#")]) == 2

    heads = _mesabot(db, "audit", "heads")
    lines = [json.loads(line) for line in heads.stdout.splitlines()]
    assert [(h["chain"], h["seq"]) for h in lines] == [("global", 2), ("mesa:1", 2)]
    heads_file.write_text(heads.stdout)
    clean = _mesabot(db, "audit", "verify", "--heads", str(heads_file))
    assert clean.returncode == 0, clean.stdout
    assert "2 chains, 4 events checked, against 2 published heads." in clean.stdout

    with sqlite3.connect(db) as connection:  # cut the newest event, roll the head back
        connection.execute("DELETE FROM audit_event WHERE chain_key = 'mesa:1' AND seq = 2")
        connection.execute("UPDATE audit_chain SET seq = 1, head_hash = (SELECT hash FROM "
                           "audit_event WHERE chain_key = 'mesa:1' AND seq = 1) "
                           "WHERE key = 'mesa:1'")
    assert _mesabot(db, "audit", "verify").returncode == 0  # the database alone agrees
    broken = _mesabot(db, "audit", "verify", "--heads", str(heads_file))
    assert broken.returncode == 1
    assert f"BROKEN mesa:1: had 2 events when published on {lines[1]['date']}, now 1" in (
        broken.stdout)

    key_file.unlink()
    keyless = _mesabot(db, "audit", "verify")
    assert keyless.returncode == 2 and "no audit key" in keyless.stderr
    assert not key_file.exists()  # verify never makes a key


def test_the_key_setting_takes_several_keys_newest_first_and_refuses_a_short_one(
    tmp_path: Path,
) -> None:
    unused = tmp_path / "audit.key"
    settings = Settings(_env_file=None, audit_key=SecretStr(f"{'a' * 64}, {'b' * 64}"),
                        audit_key_file=unused)
    assert load_audit_keys(settings, create=True) == (b"a" * 64, b"b" * 64)
    assert not unused.exists()  # the setting wins; no file is made
    with pytest.raises(ValueError, match="at least 32 characters"):
        load_audit_keys(Settings(_env_file=None, audit_key=SecretStr("short")), create=True)
