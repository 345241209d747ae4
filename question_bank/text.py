"""Text normalisation shared by every importer and by search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize_text(value: str) -> str:
    """Unicode NFC with runs of whitespace collapsed to one space and the ends trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Lower-case text without Vietnamese diacritics, for matching and search.

    "Cải cách  HÀNH chính" -> "cai cach hanh chinh". đ has no decomposition in
    Unicode, so it is mapped by hand.
    """
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def header_key(value: str) -> str:
    """The form in which spreadsheet headers are compared: folded, spaces and punctuation dropped."""
    return re.sub(r"[^0-9a-z]", "", fold(value))


def ascii_digits(value: str) -> str:
    """Every decimal digit of any script (full-width ３, Arabic-Indic ٣…) as its ASCII digit, so that an
    identifier typed with another keyboard is the same identifier; other characters unchanged."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in value)
