"""The README's first command and the administrator's CLI, as a newcomer would use them."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from bot.demo import play


async def test_the_demo_tells_the_week_and_ends_with_an_intact_audit_trail() -> None:
    out = io.StringIO()
    assert await play(out) is True
    text = out.getvalue()
    for expected in [
        "María Quispe > /problema El registro de plantaciones",
        "Registrado como P-1",
        "A-1 confirmada: Jorge Salas (SERFOR) se compromete para el viernes 15 de enero de 2027",
        "No entendí la fecha «el día del juicio»",
        "Matrix of the Mesa Forestal",
        "Agenda de la Mesa Forestal · sesión 1, viernes 15 de enero de 2027, 10:00",
        "3. Vencidas:",
        "presupuesto: no hay partida",
        "Logro de SERFOR.",
        "cadena íntegra",
    ]:
        assert expected in text, expected


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
        ("member", "add", "jorge", "Jorge Salas", "--entity", "SERFOR"),
        ("member", "role", "jorge", "forestal", "public_official"),
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
    assert twice.returncode == 2 and "conflict" in twice.stderr
