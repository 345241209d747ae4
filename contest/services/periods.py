"""Report periods of the province's report calendar: quarters, six months and years that may end on a cut-off day.

Pure date arithmetic (no database, no Flask), so every edge is tested with plain dates. With a cut-off day C
(REPORT_CUTOFF_DAY, 1–28) a period ends on day C of its last month and begins the day after the previous one
ends: C = 14 makes quarter I of 2027 run from 15/12/2026 to 14/03/2027, and the year 2027 from 15/12/2026 to
14/12/2027 (Sóc Trăng reports before the 15th of a quarter's last month). Without one (0) periods are calendar
quarters, halves and years. Dates are Vietnamese calendar days, both ends included.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from question_bank.labels import LabelledEnum

MAX_CUTOFF_DAY = 28  # every month has it
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class PeriodKind(LabelledEnum):
    quarter = "quarter", "Quý"
    half = "half", "6 tháng"
    year = "year", "Năm"
    custom = "custom", "Khoảng ngày"


MONTHS = {PeriodKind.quarter: 3, PeriodKind.half: 6, PeriodKind.year: 12}


class PeriodChoice(LabelledEnum):
    """What the report form offers: a named period relative to today, or any dates."""

    this_quarter = "quy-nay", "Quý này"
    last_quarter = "quy-truoc", "Quý trước"
    this_half = "6-thang-nay", "6 tháng này"
    last_half = "6-thang-truoc", "6 tháng trước"
    this_year = "nam-nay", "Năm nay"
    last_year = "nam-truoc", "Năm trước"
    custom = "tu-chon", "Chọn ngày"


_CHOICES = {
    PeriodChoice.this_quarter: (PeriodKind.quarter, 0), PeriodChoice.last_quarter: (PeriodKind.quarter, -1),
    PeriodChoice.this_half: (PeriodKind.half, 0), PeriodChoice.last_half: (PeriodKind.half, -1),
    PeriodChoice.this_year: (PeriodKind.year, 0), PeriodChoice.last_year: (PeriodKind.year, -1),
}


def _month_end(year: int, month: int, cutoff: int) -> date:
    """The last day of a period whose last month is (year, month): its cut-off day, or the month's last day."""
    return date(year, month, cutoff or calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Period:
    """Both ends included. A named period knows its kind, year and number (quarter 1–4, half 1–2, year 1)."""

    start: date
    end: date
    kind: PeriodKind = PeriodKind.custom
    year: int = 0
    number: int = 0
    cutoff: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def dates(self) -> str:
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    @property
    def phrase(self) -> str:
        """How a report title names it: "quý IV năm 2026", "6 tháng đầu năm 2026", "từ ngày 01/10/2026 đến ngày 15/11/2026"."""
        if self.kind is PeriodKind.quarter:
            return f"quý {ROMAN[self.number]} năm {self.year}"
        if self.kind is PeriodKind.half:
            return f"6 tháng {'đầu' if self.number == 1 else 'cuối'} năm {self.year}"
        if self.kind is PeriodKind.year:
            return f"năm {self.year}"
        return f"từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"

    @property
    def label(self) -> str:
        """"Quý IV năm 2026 (15/09/2026 – 14/12/2026)"; a custom period is its dates."""
        if self.kind is PeriodKind.custom:
            return f"Từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y}"
        return f"{self.phrase[0].upper()}{self.phrase[1:]} ({self.dates})"

    def previous(self) -> Period:
        """The period before, of the same length: the previous quarter, half or year of the calendar; for any
        dates, as many days ending the day before this one starts."""
        if self.kind is PeriodKind.custom:
            end = self.start - timedelta(days=1)
            return Period(end - timedelta(days=self.days - 1), end)
        return named_period(self.kind, self.year, self.number - 1, self.cutoff)

    def utc_bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[from, to) in UTC: local midnight of the first day to local midnight after the last."""
        start = datetime.combine(self.start, time(), tz).astimezone(timezone.utc)
        end = datetime.combine(self.end + timedelta(days=1), time(), tz).astimezone(timezone.utc)
        return start, end


def named_period(kind: PeriodKind, year: int, number: int, cutoff: int = 0) -> Period:
    """Quarter/half `number` of `year` (a number out of range rolls into the year before or after: quarter 0 of
    2027 is quarter IV of 2026), or the year itself (number 1), under the cut-off day."""
    months = MONTHS[kind]
    per_year = 12 // months
    year, index = divmod(year * per_year + number - 1, per_year)
    last_month = months * (index + 1)
    end = _month_end(year, last_month, cutoff)
    before_year, before_month = (year, last_month - months) if last_month > months else (year - 1, 12)
    start = _month_end(before_year, before_month, cutoff) + timedelta(days=1)
    return Period(start, end, kind, year, index + 1, cutoff)


def period_containing(kind: PeriodKind, day: date, cutoff: int = 0) -> Period:
    """The quarter, half or year of the report calendar that `day` falls in (with a cut-off day, the days after
    it belong to the next period: 15/12/2026 is in quarter I and the year 2027)."""
    months = MONTHS[kind]
    number = (day.month - 1) // months + 1
    period = named_period(kind, day.year, number, cutoff)
    return named_period(kind, day.year, number + 1, cutoff) if day > period.end else period


def chosen_period(choice: PeriodChoice, today: date, cutoff: int = 0) -> Period:
    """"Quý này", "Năm trước", …: the named period relative to `today` (not for PeriodChoice.custom)."""
    kind, offset = _CHOICES[choice]
    current = period_containing(kind, today, cutoff)
    return current if offset == 0 else current.previous()


def custom_period(start: date, end: date) -> Period:
    return Period(start, end)
