"""The words of the command language: Spanish first, English aliases, shared by every
face (console, Telegram menus, Slack slash commands)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bot.core.text import fold


@dataclass(frozen=True)
class Command:
    name: str
    es: str
    en: str
    aliases: tuple[str, ...] = ()
    #: False for the few commands that work before a mesa is chosen.
    needs_mesa: bool = True

    def word(self, lang: str) -> str:
        return self.en if lang == "en" else self.es


COMMANDS: tuple[Command, ...] = (
    Command("bottleneck", "problema", "bottleneck"),
    Command("matrix", "matriz", "matrix", ("problemas", "bottlenecks")),
    Command("show", "ver", "show"),
    Command("triage", "clasificar", "triage"),
    Command("prioritize", "priorizar", "prioritize"),
    Command("deprioritize", "despriorizar", "deprioritize"),
    Command("reject", "descartar", "reject", ("rechazar",)),
    Command("duplicate", "duplicado", "duplicate"),
    Command("resolve", "resuelto", "resolved", ("resolver", "resolve")),
    Command("action", "accion", "action"),
    Command("claim", "tomar", "claim"),
    Command("confirm", "confirmar", "confirm"),
    Command("assign", "asignar", "assign"),
    Command("progress", "avance", "progress"),
    Command("done", "hecho", "done", ("hecha",)),
    Command("blocked", "bloqueado", "blocked", ("bloqueada", "block")),
    Command("deadline", "plazo", "deadline"),
    Command("drop", "anular", "drop", ("cancelar_accion",)),
    Command("session", "sesion", "session", ("sesiones", "sessions")),
    Command("agenda", "agenda", "agenda"),
    Command("mytasks", "mis_tareas", "mytasks", ("mistareas", "my_tasks", "tareas")),
    Command("overdue", "vencidas", "overdue"),
    Command("language", "idioma", "language"),
    Command("link", "vincular", "link"),
    Command("invite", "invitar", "invite"),
    Command("approve", "aprobar", "approve"),
    Command("remove", "quitar", "remove"),
    Command("handover", "traspasar", "handover", ("transferir", "hand_over")),
    Command("escalation", "escalada", "escalation"),
    Command("settings", "ajustes", "settings", ("configuracion",)),
    Command("mesa", "mesa", "mesa", ("mesas",), needs_mesa=False),
    Command("channel", "canal", "channel", needs_mesa=False),
    Command("help", "ayuda", "help", needs_mesa=False),
)


_BY_WORD: dict[str, Command] = {}
for _command in COMMANDS:
    for _word in (_command.es, _command.en, *_command.aliases):
        if _BY_WORD.setdefault(fold(_word), _command) is not _command:
            raise RuntimeError(f"command word used twice: {_word}")


def find(word: str) -> Command | None:
    """The command for "/acción", "/Claim", "/tomar@MesaBot"; ``None`` if unknown."""
    return _BY_WORD.get(fold(word.lstrip("/").split("@", 1)[0]))


#: How alike a typed word and a command word must be to be offered ("problma" and
#: "problema" are 0.93 alike; "xyz" and any command, under 0.5).
NEAR = 0.7


def nearest(word: str, lang: str, count: int = 2) -> list[str]:
    """The command words nearest to an unknown one, for "¿Quiso decir /problema?": every
    word and alias in both languages is compared, and each command offered once, in the
    word that was nearest (the one the person was trying to type)."""
    typed = fold(word.lstrip("/").split("@", 1)[0])
    offered: list[str] = []
    seen: set[str] = set()
    for close in difflib.get_close_matches(typed, list(_BY_WORD), n=8, cutoff=NEAR):
        command = _BY_WORD[close]
        if command.name in seen:
            continue
        seen.add(command.name)
        spoken = {fold(w): w for w in (command.es, command.en, *command.aliases)}
        offered.append(spoken.get(close, command.word(lang)))
        if len(offered) == count:
            break
    return offered
