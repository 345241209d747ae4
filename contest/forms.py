"""Pieces shared by the forms of every blueprint."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice

REQUIRED = "Trường này là bắt buộc."


def as_choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]
