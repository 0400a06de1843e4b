"""From what people type to the values the core takes. Lenient in order and accents,
strict in meaning: a word that is not understood is named back, never guessed."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.core.context import MAX_NUMBER
from bot.core.enums import BlockedReason, OpenActions, OwnerClass, RequestKind, RootCause
from bot.core.errors import BadTriage, SessionNotFound
from bot.core.series_rules import is_monthly
from bot.core.text import fold

_REF = re.compile(r"^[PpAaSs]-?\d+$")
#: What a number longer than any count reads as: more than anything the bot numbers.
BEYOND = 10**18


class Usage(Exception):
    """The command lacks something it needs; the face shows its usage line."""


def split_command(text: str) -> tuple[str | None, str]:
    """``("/tomar", "A-12")`` from "/tomar A-12"; ``(None, text)`` when not a command."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None, stripped
    head, _, rest = stripped.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = more + (" " + rest if rest else "")
    return head, rest.strip()


def whole_number(token: str) -> int | None:
    """The number ``token`` spells in decimal digits, else None.

    ``str.isdigit`` also accepts "²", which ``int`` refuses, and ``int`` refuses more
    than 4,300 digits: so only decimal digits count, and a number longer than any count
    reads as ``BEYOND`` (then answered "not found" or "out of range", not a crash).
    """
    if not token.isdecimal():
        return None
    return int(token) if len(token) < len(str(BEYOND)) else BEYOND


def session_number(token: str) -> int | None:
    """"3", "S-3" or "s3" as a session number; one too large to exist is not found."""
    number = whole_number(token.strip().upper().removeprefix("S-").removeprefix("S"))
    if number is not None and number > MAX_NUMBER:
        raise SessionNotFound(number=token.strip()[:20])
    return number


def is_ref(token: str) -> bool:
    return bool(_REF.match(token.strip(".,;:")))


def first_ref(args: str) -> tuple[str, str]:
    """The leading reference and the rest of the text."""
    head, _, rest = args.strip().partition(" ")
    if not head:
        raise Usage()
    return head.strip(".,;:"), rest.strip()


_OWNER = {"mp": OwnerClass.MP, "yp": OwnerClass.YP}
_KIND = {
    "productividad": RequestKind.PRODUCTIVITY, "productivity": RequestKind.PRODUCTIVITY,
    "subsidio": RequestKind.SUBSIDY, "subsidy": RequestKind.SUBSIDY,
    "exoneracion": RequestKind.SUBSIDY, "tax": RequestKind.SUBSIDY,
    "declarativa": RequestKind.DECLARATORY, "declarativo": RequestKind.DECLARATORY,
    "declaratory": RequestKind.DECLARATORY,
}
_CAUSE = {
    "ley": RootCause.LAW, "law": RootCause.LAW,
    "regulacion": RootCause.REGULATION, "reglamento": RootCause.REGULATION,
    "regulation": RootCause.REGULATION,
    "implementacion": RootCause.IMPLEMENTATION, "implementation": RootCause.IMPLEMENTATION,
    "infraestructura": RootCause.INFRASTRUCTURE, "infrastructure": RootCause.INFRASTRUCTURE,
    "financiamiento": RootCause.FINANCING, "financing": RootCause.FINANCING,
    "capacidad": RootCause.CAPACITY, "capacidades": RootCause.CAPACITY,
    "capacity": RootCause.CAPACITY, "otra": RootCause.OTHER, "otro": RootCause.OTHER,
    "other": RootCause.OTHER,
}
_IMPACT = ("impacto", "impact", "i")
_EASE = ("facilidad", "ease", "f", "e")
_REASONS = {
    "presupuesto": BlockedReason.BUDGET, "budget": BlockedReason.BUDGET,
    "desacuerdo": BlockedReason.DISAGREEMENT, "disagreement": BlockedReason.DISAGREEMENT,
    "politico": BlockedReason.POLITICAL, "politica": BlockedReason.POLITICAL,
    "political": BlockedReason.POLITICAL, "otro": BlockedReason.OTHER,
    "other": BlockedReason.OTHER,
}


@dataclass
class Triage:
    """A classification as typed so far; what is missing is asked for with buttons."""

    owner_class: OwnerClass | None = None
    root_cause: RootCause | None = None
    request_kind: RequestKind = RequestKind.PRODUCTIVITY
    impact: int | None = None
    ease: int | None = None
    entity: str | None = None

    @property
    def missing(self) -> str | None:
        """The first thing still to choose, in the order a coordinator decides them."""
        for name in ("owner_class", "root_cause", "impact", "ease"):
            if getattr(self, name) is None:
                return name
        return None

    def command(self, ref: str) -> str:
        """The triage so far as a command, in words the parser reads back."""
        words = ["/triage", ref]
        if self.owner_class:
            words.append(self.owner_class.value)
        if self.request_kind is not RequestKind.PRODUCTIVITY:
            words.append(self.request_kind.value)
        if self.root_cause:
            words.append(self.root_cause.value)
        if self.impact:
            words.append(f"i{self.impact}")
        if self.ease:
            words.append(f"e{self.ease}")
        if self.entity:
            words.append(self.entity)
        return " ".join(words)


def _score(token: str) -> int:
    score = whole_number(token)
    if score is None or not 1 <= score <= 5:
        raise BadTriage(value=token[:40])
    return score


def _mistyped_triage_word(word: str) -> bool:
    """A word that is nearly one of triage's own ("XP" for MP, "implementacon"): named as
    not understood, never carried along as if it were an entity."""
    if len(word) == 2 and word.endswith("p"):
        return True
    vocabulary = [*_OWNER, *_CAUSE, *_KIND, *_IMPACT, *_EASE]
    return bool(difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75))


def parse_triage(args: str) -> Triage:
    """"MP implementación impacto 5 facilidad 4 SERFOR", in any order; "5 4" also works
    (impact, then ease), as do "impacto=5" and "i5"."""
    tokens = re.sub(r"[=:,;]", " ", args).split()
    triage = Triage()
    loose_numbers: list[int] = []
    index = 0
    while index < len(tokens):
        raw = tokens[index]
        word = fold(raw)
        nxt = tokens[index + 1] if index + 1 < len(tokens) else ""
        if word in _OWNER:
            triage.owner_class = _OWNER[word]
        elif word in _CAUSE:
            triage.root_cause = _CAUSE[word]
        elif word in _KIND:
            triage.request_kind = _KIND[word]
        elif word in _IMPACT and nxt:
            triage.impact = _score(nxt)
            index += 1
        elif word in _EASE and nxt:
            triage.ease = _score(nxt)
            index += 1
        elif re.fullmatch(r"[ie]\d", word) or re.fullmatch(r"f\d", word):
            score = _score(word[1:])
            if word[0] == "i":
                triage.impact = score
            else:
                triage.ease = score
        elif word.isdecimal():
            loose_numbers.append(_score(word))
        elif triage.entity is None and re.fullmatch(r"[\w.-]{2,60}", raw) \
                and not _mistyped_triage_word(word):
            triage.entity = raw
        else:
            raise BadTriage(value=raw[:40])
        index += 1
    for number in loose_numbers:
        if triage.impact is None:
            triage.impact = number
        elif triage.ease is None:
            triage.ease = number
        else:
            raise BadTriage(value=str(number))
    return triage


_OPEN_ACTIONS = {
    **dict.fromkeys(("cerrar", "cerrarlas", "cerrarla", "anular", "anularlas", "close"),
                    OpenActions.CLOSE),
    **dict.fromkeys(("mantener", "mantenerlas", "mantenerla", "dejar", "dejarlas", "keep"),
                    OpenActions.KEEP),
    **dict.fromkeys(("mover", "moverlas", "moverla", "pasar", "pasarlas", "move"),
                    OpenActions.MOVE),
}


@dataclass(frozen=True)
class Resolution:
    """``/resuelto P-7 [entidad] [cerrar | mantener | mover P-3]``."""

    entity: str | None = None
    open_actions: OpenActions | None = None
    move_to: str | None = None


def parse_resolve(args: str) -> Resolution:
    """The entity credited and what becomes of the open actions, in any order."""
    words = args.split()
    entity: list[str] = []
    choice: OpenActions | None = None
    move_to: str | None = None
    for i, word in enumerate(words):
        found = _OPEN_ACTIONS.get(fold(word))
        if found is not None and choice is None:
            choice = found
            if found is OpenActions.MOVE:
                rest = [w for w in words[i + 1:] if is_ref(w)]
                if not rest:
                    raise Usage()
                move_to = rest[0].strip(".,;:")
        elif word.strip(".,;:") != move_to:
            entity.append(word)
    return Resolution(" ".join(entity) or None, choice, move_to)


def parse_blocked(args: str) -> tuple[BlockedReason | None, str]:
    """"presupuesto falta partida" -> (budget, "falta partida"); an unknown first word
    means another reason, and the whole text is kept as the detail; nothing at all means
    the reason is still to be chosen."""
    head, _, rest = args.strip().partition(" ")
    if not head:
        return None, ""
    reason = _REASONS.get(fold(head))
    if reason is None:
        return BlockedReason.OTHER, args.strip()
    return reason, rest.strip()


_REASON_SPLIT = re.compile(r"\s*(?:,|;|\s+porque\s+|\s+because\s+|\s+motivo:?\s+)\s*", re.I)


def parse_deadline(args: str) -> list[tuple[str, str]]:
    """Every way to split a new date from its reason, shortest date first:
    "viernes, 4 de diciembre, por la huelga" -> [("viernes", "4 de diciembre, por la
    huelga"), ("viernes, 4 de diciembre", "por la huelga")]. A comma may sit inside a
    date, so which split is meant is decided where dates are read
    (:func:`bot.core.dates.read_deadline`), never here."""
    text = args.strip()
    splits = [
        (text[: m.start()], text[m.end() :]) for m in _REASON_SPLIT.finditer(text)
    ]
    splits = [(words, reason) for words, reason in splits if words and reason]
    if not splits:
        raise Usage()
    return splits


_HELD = {"realizada", "realizado", "hecha", "held", "done"}
_CANCELLED = {"cancelada", "cancelado", "cancelar", "cancel", "cancelled", "canceled"}
_HIGH_LEVEL = re.compile(r"^(?:alto nivel|alto-nivel|high level|high-level)\s+", re.I)


#: "cada viernes", "todos los viernes", "every Friday"; "cada dos semanas el viernes",
#: "every other Friday", "biweekly on Friday" (the number of weeks in group 1 or 2).
_SERIES = re.compile(
    r"^(?:(?:cada|every)\s+(?:(2|dos|two)\s+(?:semanas|weeks)|(other))\b[\s,]*(?:(?:el|los|on)\s+)?"
    r"|(quincenalmente|quincenal|biweekly|fortnightly)\b[\s,]*(?:(?:el|los|on)\s+)?"
    r"|cada\s+|every\s+|todos\s+los\s+)",
)
_END_SERIES = {"fin de serie", "fin de la serie", "terminar serie", "terminar la serie",
               "end series", "end of series", "end the series", "stop series",
               "stop the series"}
_MONTHS = {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "setiembre", "octubre", "noviembre", "diciembre", "january",
           "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december", "de", "of"}


@dataclass(frozen=True)
class SessionCommand:
    verb: str  # list, schedule, held, cancelled, move, series, end_series
    when: str = ""
    number: int = 0
    high_level: bool = False
    every_weeks: int = 1


def _move_number(tokens: list[str]) -> int | None:
    """"3 jueves 11:00" or "S-3 ..." moves session 3; "15 de enero 10:00" is a date."""
    first = tokens[0].strip().upper()
    if first.startswith("S"):
        return session_number(first)
    if fold(tokens[1]) in _MONTHS:
        return None
    return session_number(first)


def parse_session(args: str) -> SessionCommand:
    text = args.strip()
    if not text:
        return SessionCommand("list")
    tokens = text.split()
    status = fold(tokens[-1])
    if len(tokens) == 2 and (status in _HELD or status in _CANCELLED):
        number = session_number(tokens[0])
        if number is not None:
            verb = "held" if status in _HELD else "cancelled"
            return SessionCommand(verb, number=number)
    high_level = bool(_HIGH_LEVEL.match(text))
    rest = _HIGH_LEVEL.sub("", text)
    folded = " ".join(fold(rest).split())
    if folded in _END_SERIES:
        return SessionCommand("end_series", high_level=high_level)
    if is_monthly(folded):  # "primer jueves del mes 9:00", read (or refused) by the core
        return SessionCommand("series", when=folded, high_level=high_level)
    if series := _SERIES.match(folded):
        every_weeks = 2 if any(series.groups()) else 1
        return SessionCommand("series", when=folded[series.end():], high_level=high_level,
                              every_weeks=every_weeks)
    if not high_level and len(tokens) > 1 and (number := _move_number(tokens)) is not None:
        return SessionCommand("move", when=" ".join(tokens[1:]), number=number)
    return SessionCommand("schedule", when=rest, high_level=high_level)


_INSTEAD = re.compile(r"\b(?:en lugar de|en vez de|por|instead of|replacing|replace)\b", re.I)


def parse_prioritize(args: str) -> tuple[str, str | None]:
    tokens = [t for t in _INSTEAD.sub(" ", args).split() if t]
    if not tokens:
        raise Usage()
    if len(tokens) > 2:
        raise Usage()
    return tokens[0], tokens[1] if len(tokens) == 2 else None


_PURPOSES = {
    "grupo": "ground", "ground": "ground", "group": "ground", "mesa": "ground",
    "equipo": "team", "team": "team",
    "alto_nivel": "high_level", "alto-nivel": "high_level", "altonivel": "high_level",
    "alto nivel": "high_level", "high_level": "high_level", "high-level": "high_level",
    "high level": "high_level", "despacho": "high_level",
}


def parse_purpose(args: str) -> str:
    """"equipo" -> "team"; what a linked chat is for."""
    purpose = _PURPOSES.get(fold(" ".join(args.split())))
    if purpose is None:
        raise Usage()
    return purpose


_TO = re.compile(r"^(?:a|al|para|to)$", re.I)


def parse_remove(args: str) -> tuple[str, str | None]:
    """"jorge a lucia" -> ("jorge", "lucia"); the successor is optional."""
    words = [w for w in args.split() if not _TO.match(w)]
    if not words or len(words) > 2:
        raise Usage()
    return words[0], words[1] if len(words) == 2 else None


_ROLES = {
    "representante": "private_rep", "privado": "private_rep", "private": "private_rep",
    "private_rep": "private_rep", "empresa": "private_rep",
    "funcionario": "public_official", "funcionaria": "public_official",
    "official": "public_official", "public_official": "public_official",
    "coordinador": "coordinator", "coordinadora": "coordinator", "coordinator": "coordinator",
    "alto_nivel": "high_level", "ministro": "high_level", "ministra": "high_level",
    "high_level": "high_level", "observador": "observer", "observadora": "observer",
    "observer": "observer",
}


def parse_invite(args: str) -> tuple[str, str | None, int]:
    """"funcionario SERFOR 3" -> ("public_official", "SERFOR", 3)."""
    words = args.split()
    if not words or fold(words[0]) not in _ROLES:
        raise Usage()
    role = _ROLES[fold(words[0])]
    uses = 1
    if len(words) > 1 and (count := whole_number(words[-1])) is not None:
        if count >= BEYOND:
            raise Usage()
        uses = count
        words.pop()
    entity = " ".join(words[1:]) or None
    return role, entity, uses


_ANSWERS = {
    "visto": "seen", "vista": "seen", "seen": "seen",
    "reunion": "meeting", "convocar": "meeting", "convocar reunion": "meeting",
    "meeting": "meeting", "call meeting": "meeting",
    "resuelto": "resolved", "resuelta": "resolved", "resolved": "resolved",
}


def parse_answer(args: str) -> str:
    """A minister's answer to an escalated item: "visto" -> "seen"."""
    answer = _ANSWERS.get(fold(" ".join(args.split())))
    if answer is None:
        raise Usage()
    return answer


_SETTINGS = {
    "recordatorios": "ping_hours", "recordatorio": "ping_hours", "reminders": "ping_hours",
    "pings": "ping_hours", "agenda": "agenda_hours", "gracia": "grace_days",
    "plazo_de_gracia": "grace_days", "grace": "grace_days", "horario": "day_hours",
    "hours": "day_hours", "limite": "priority_limit", "limit": "priority_limit",
    "priorizados": "priority_limit", "cadencia": "cadence", "cadence": "cadence",
    "zona": "timezone", "zona_horaria": "timezone", "timezone": "timezone",
}
_CADENCES = {"semanal": "weekly", "quincenal": "biweekly", "mensual": "monthly",
             "weekly": "weekly", "biweekly": "biweekly", "monthly": "monthly"}


def parse_settings(args: str) -> tuple[str, list[str]] | None:
    """"recordatorios 48 24" -> ("ping_hours", ["48", "24"]); nothing -> None (show)."""
    words = re.sub(r"[,;]", " ", args).split()
    if not words:
        return None
    field = _SETTINGS.get(fold(words[0]))
    if field is None:
        raise Usage()
    values = [w.rstrip("h") if field in ("ping_hours", "agenda_hours", "day_hours") else w
              for w in words[1:]]
    if field == "cadence":
        values = [_CADENCES.get(fold(v), v) for v in values]
    return field, values
