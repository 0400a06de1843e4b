"""The house rules that keep one core and many faces."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = ("telegram", "slack_bolt", "slack_sdk", "apscheduler")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_no_platform_or_scheduler() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & set(PLATFORMS))
        for path in (ROOT / "bot" / "core").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_and_commands_import_no_face() -> None:
    for folder in ("core", "commands", "storage"):
        for path in (ROOT / "bot" / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            assert "bot.handlers" not in source, path


def test_no_module_grows_past_a_few_hundred_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "bot").rglob("*.py")
        if "migrations" not in p.parts and (n := len(p.read_text().splitlines())) > 450
    }
    assert long == {}
