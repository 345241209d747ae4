"""Numbers and dates as a Vietnamese reader expects them, from Babel's Vietnamese locale data.

"3.982" (a dot groups thousands), "1,3%" and "1,33" (a comma before decimals), "24/11/2026 10:54"
(day first, 24-hour clock, Asia/Ho_Chi_Minh). Every page, flash message and export title formats
through these functions; templates reach them as filters (contest/templating.py).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime

from contest.config import DISPLAY_TIMEZONE

LOCAL_TZ = ZoneInfo(DISPLAY_TIMEZONE)

LOCALE = "vi_VN"
DATETIME_PATTERN = "dd/MM/yyyy HH:mm"
DATE_PATTERN = "dd/MM/yyyy"
MISSING = "—"
# What the date and time text inputs accept (the same order as they are shown).
DATETIME_INPUT_HINT = "dd/mm/yyyy HH:mm"
DATETIME_INPUT_PATTERN = r"\s*\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}[:hg]\d{2}\s*"
_DATETIME_INPUT = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})[:hg](\d{2})\s*$", re.IGNORECASE)
_VIETNAMESE = Locale.parse(LOCALE)
_GROUP = _VIETNAMESE.number_symbols["latn"]["group"]


_DECIMAL = _VIETNAMESE.number_symbols["latn"]["decimal"]
_TO_VIETNAMESE = str.maketrans({",": _GROUP, ".": _DECIMAL})


def _decimal_text(value: int | float, digits: int, fixed: bool = True) -> str:
    """What babel.numbers.format_decimal(value, "#,##0.00…", locale="vi_VN") writes — the value's decimal text
    rounded half to even to `digits` places, thousands grouped; with fixed=False ("#,##0.##") no trailing zeros —
    at a tenth of its cost: Babel parses the locale and the pattern again on every call, which was a third of a
    1,000-unit report page's time (10,000 numbers). tests/test_formats.py checks both agree on 10,000 values."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    text = f"{rounded:,.{digits}f}"
    if digits and not fixed:
        text = text.rstrip("0").rstrip(".")
    return text.translate(_TO_VIETNAMESE)


def format_number(value: int | float | None) -> str:
    """An integer count: 3.982"""
    if value is None:
        return MISSING
    if type(value) is int:  # the common case
        return f"{value:,}".replace(",", _GROUP)
    return _decimal_text(value, 0)


def format_decimal(value: float | None, digits: int = 2, fixed: bool = True) -> str:
    """1,33 (always `digits` decimals), or with fixed=False only the decimals needed: 1,5 / 2"""
    if value is None:
        return MISSING
    return _decimal_text(value, digits, fixed)


def format_percent(value: float | None, digits: int = 1) -> str:
    """A value already in percent (0–100): 1,3%"""
    if value is None:
        return MISSING
    return format_decimal(value, digits) + "%"


def format_datetime(value: datetime | None) -> str:
    """A UTC datetime as Vietnamese local time: 24/11/2026 10:54; empty for None."""
    if value is None:
        return ""
    return _babel_datetime(value, DATETIME_PATTERN, tzinfo=LOCAL_TZ, locale=LOCALE)


def format_date(value: datetime | None) -> str:
    """The local date of a UTC datetime: 24/11/2026"""
    if value is None:
        return ""
    return _babel_datetime(value, DATE_PATTERN, tzinfo=LOCAL_TZ, locale=LOCALE)


def format_day(value: date | None) -> str:
    """A calendar date (no time of day, no time zone): 24/11/2026; empty for None."""
    if value is None:
        return ""
    return _babel_date(value, DATE_PATTERN, locale=LOCALE)


def datetime_input_value(value: datetime | None) -> str:
    """A UTC datetime as the text a date-and-time input shows and parse_local_datetime reads back."""
    return format_datetime(value)


class DateTimeInputError(ValueError):
    """A typed date and time that is not dd/mm/yyyy HH:mm or not a real moment; the message says which."""


def parse_local_datetime(text: str) -> datetime:
    """"24/11/2026 10:54" typed in Vietnam as a naive local datetime; clear Vietnamese errors otherwise.

    Accepts one-digit days, months and hours, and "10h54" or "10g54" as Vietnamese write the time.
    """
    match = _DATETIME_INPUT.match(text or "")
    if match is None:
        raise DateTimeInputError(f"Nhập ngày giờ theo dạng {DATETIME_INPUT_HINT}, ví dụ 24/11/2026 08:30.")
    day, month, year, hour, minute = (int(part) for part in match.groups())
    if not 2000 <= year <= 2100:
        raise DateTimeInputError(f"Năm {year} không hợp lệ; nhập năm đủ bốn chữ số, từ 2000 đến 2100.")
    if not 1 <= month <= 12:
        raise DateTimeInputError(f"Tháng {month} không có; tháng từ 1 đến 12 (dạng {DATETIME_INPUT_HINT}).")
    if hour > 23 or minute > 59:
        raise DateTimeInputError(f"Giờ {hour:02d}:{minute:02d} không có; giờ từ 00:00 đến 23:59.")
    try:
        return datetime(year, month, day, hour, minute)
    except ValueError:
        raise DateTimeInputError(f"Ngày {day:02d}/{month:02d}/{year} không có trong lịch.") from None


DATE_INPUT_HINT = "dd/mm/yyyy"
DATE_INPUT_PATTERN = r"\s*\d{1,2}/\d{1,2}/\d{4}\s*"
_DATE_INPUT = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def parse_local_date(text: str) -> date:
    """"24/11/2026" as a date; the same clear Vietnamese errors as parse_local_datetime otherwise."""
    match = _DATE_INPUT.match(text or "")
    if match is None:
        raise DateTimeInputError(f"Nhập ngày theo dạng {DATE_INPUT_HINT}, ví dụ 24/11/2026.")
    day, month, year = (int(part) for part in match.groups())
    if not 2000 <= year <= 2100:
        raise DateTimeInputError(f"Năm {year} không hợp lệ; nhập năm đủ bốn chữ số, từ 2000 đến 2100.")
    if not 1 <= month <= 12:
        raise DateTimeInputError(f"Tháng {month} không có; tháng từ 1 đến 12 (dạng {DATE_INPUT_HINT}).")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateTimeInputError(f"Ngày {day:02d}/{month:02d}/{year} không có trong lịch.") from None


def document_date(value: date) -> str:
    """The date line of an administrative document (Nghị định 30/2020/NĐ-CP): "ngày 05 tháng 02 năm 2026",
    "ngày 14 tháng 12 năm 2026" — a day below 10 and the months 1 and 2 take a leading zero."""
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"
