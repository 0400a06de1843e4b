"""Every text exists in both languages, and every domain error has words."""

from __future__ import annotations

import inspect
import string

from bot.commands.words import COMMANDS
from bot.core import errors
from bot.i18n import en, es


def test_spanish_and_english_have_the_same_keys() -> None:
    assert set(es.MESSAGES) ^ set(en.MESSAGES) == set()


def test_placeholders_match_between_languages() -> None:
    def fields(template: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(template) if f}

    mismatched = [k for k in es.MESSAGES if fields(es.MESSAGES[k]) != fields(en.MESSAGES[k])]
    assert mismatched == []


def test_every_domain_error_and_command_has_words() -> None:
    codes = {
        cls.code for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.DomainError) and cls is not errors.DomainError
    }
    assert {c for c in codes if f"error.{c}" not in es.MESSAGES} == set()
    assert {c.name for c in COMMANDS if f"help.{c.name}" not in es.MESSAGES} == set()
