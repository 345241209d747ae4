"""The report calendar (contest/services/periods.py): plain dates in, periods out."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from contest.formats import DateTimeInputError, document_date, parse_local_date
from contest.services.periods import PeriodChoice, PeriodKind, chosen_period, custom_period, named_period, period_containing

Q, H, Y = PeriodKind.quarter, PeriodKind.half, PeriodKind.year


@pytest.mark.parametrize("kind, year, number, cutoff, start, end", [
    (Q, 2027, 1, 14, date(2026, 12, 15), date(2027, 3, 14)),
    (Q, 2026, 2, 14, date(2026, 3, 15), date(2026, 6, 14)),
    (Q, 2026, 4, 14, date(2026, 9, 15), date(2026, 12, 14)),
    (H, 2026, 1, 14, date(2025, 12, 15), date(2026, 6, 14)),
    (H, 2026, 2, 14, date(2026, 6, 15), date(2026, 12, 14)),
    (Y, 2026, 1, 14, date(2025, 12, 15), date(2026, 12, 14)),
    (Q, 2026, 1, 0, date(2026, 1, 1), date(2026, 3, 31)),
    (Q, 2028, 1, 0, date(2028, 1, 1), date(2028, 3, 31)),
    (Q, 2026, 2, 0, date(2026, 4, 1), date(2026, 6, 30)),
    (H, 2026, 2, 0, date(2026, 7, 1), date(2026, 12, 31)),
    (Y, 2026, 1, 0, date(2026, 1, 1), date(2026, 12, 31)),
    (Q, 2027, 0, 14, date(2026, 9, 15), date(2026, 12, 14)),  # quarter 0 rolls back into the year before
    (Q, 2026, 5, 0, date(2027, 1, 1), date(2027, 3, 31)),
    (Q, 2026, 1, 28, date(2025, 12, 29), date(2026, 3, 28)),
])
def test_named_periods(kind, year, number, cutoff, start, end):
    period = named_period(kind, year, number, cutoff)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("day, cutoff, expected", [
    (date(2026, 12, 14), 14, (Q, 2026, 4)),  # the cut-off day itself closes the quarter
    (date(2026, 12, 15), 14, (Q, 2027, 1)),  # the day after opens the next one, in the next year
    (date(2026, 3, 14), 14, (Q, 2026, 1)),
    (date(2026, 3, 15), 14, (Q, 2026, 2)),
    (date(2026, 1, 1), 14, (Q, 2026, 1)),
    (date(2026, 3, 31), 0, (Q, 2026, 1)),
    (date(2026, 4, 1), 0, (Q, 2026, 2)),
    (date(2026, 12, 31), 0, (Q, 2026, 4)),
])
def test_the_quarter_a_day_falls_in(day, cutoff, expected):
    period = period_containing(Q, day, cutoff)
    assert (period.kind, period.year, period.number) == expected
    assert period.start <= day <= period.end


@pytest.mark.parametrize("day, cutoff, half, year", [
    (date(2026, 6, 14), 14, (2026, 1), (2026, 1)), (date(2026, 6, 15), 14, (2026, 2), (2026, 1)),
    (date(2026, 12, 15), 14, (2027, 1), (2027, 1)), (date(2026, 6, 30), 0, (2026, 1), (2026, 1)),
    (date(2026, 7, 1), 0, (2026, 2), (2026, 1)),
])
def test_the_half_and_year_a_day_falls_in(day, cutoff, half, year):
    assert (period_containing(H, day, cutoff).year, period_containing(H, day, cutoff).number) == half
    assert (period_containing(Y, day, cutoff).year, period_containing(Y, day, cutoff).number) == year


@pytest.mark.parametrize("choice, label", [
    (PeriodChoice.this_quarter, "Quý IV năm 2026 (15/09/2026 – 14/12/2026)"),
    (PeriodChoice.last_quarter, "Quý III năm 2026 (15/06/2026 – 14/09/2026)"),
    (PeriodChoice.this_half, "6 tháng cuối năm 2026 (15/06/2026 – 14/12/2026)"),
    (PeriodChoice.last_half, "6 tháng đầu năm 2026 (15/12/2025 – 14/06/2026)"),
    (PeriodChoice.this_year, "Năm 2026 (15/12/2025 – 14/12/2026)"),
    (PeriodChoice.last_year, "Năm 2025 (15/12/2024 – 14/12/2025)"),
])
def test_the_form_choices_relative_to_today(choice, label):
    assert chosen_period(choice, date(2026, 12, 2), 14).label == label


def test_last_quarter_in_january_is_in_the_year_before():
    assert chosen_period(PeriodChoice.last_quarter, date(2027, 1, 10), 0).label == "Quý IV năm 2026 (01/10/2026 – 31/12/2026)"


def test_the_previous_period_of_any_dates_has_the_same_length():
    period = custom_period(date(2026, 10, 1), date(2026, 10, 31))
    assert (period.previous().start, period.previous().end, period.previous().days) == (date(2026, 8, 31), date(2026, 9, 30), 31)
    assert period.phrase == "từ ngày 01/10/2026 đến ngày 31/10/2026"


def test_utc_bounds_are_vietnamese_midnights():
    start, end = custom_period(date(2026, 11, 30), date(2026, 11, 30)).utc_bounds(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert (start, end) == (datetime(2026, 11, 29, 17, tzinfo=timezone.utc), datetime(2026, 11, 30, 17, tzinfo=timezone.utc))


@pytest.mark.parametrize("text, message", [
    ("2026-11-30", "Nhập ngày theo dạng dd/mm/yyyy"),
    ("31/11/2026", "Ngày 31/11/2026 không có trong lịch."),
    ("01/13/2026", "Tháng 13 không có"),
    ("01/01/26", "Nhập ngày theo dạng dd/mm/yyyy"),
    ("01/01/1999", "Năm 1999 không hợp lệ"),
])
def test_typed_dates_are_refused_with_a_reason(text, message):
    with pytest.raises(DateTimeInputError, match=message):
        parse_local_date(text)


def test_typed_dates_and_the_document_date():
    assert parse_local_date(" 5/2/2026 ") == date(2026, 2, 5)
    assert document_date(date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"
    assert document_date(date(2026, 12, 14)) == "ngày 14 tháng 12 năm 2026"
    assert document_date(date(2026, 3, 9)) == "ngày 09 tháng 3 năm 2026"


@pytest.mark.parametrize("overrides, message", [
    ({"REPORT_CUTOFF_DAY": "29"}, "REPORT_CUTOFF_DAY must be a whole number from 0 to 28"),
    ({"REPORT_CUTOFF_DAY": "-1"}, "REPORT_CUTOFF_DAY must be a whole number from 0 to 28"),
    ({"REPORT_PASS_MARK": "0"}, "REPORT_PASS_MARK must be a whole number from 1 to 100"),
    ({"REPORT_TARGET": "101"}, "REPORT_TARGET must be a whole number from 1 to 100"),
])
def test_the_report_settings_are_checked_at_start(tmp_path, overrides, message):
    from contest.config import ConfigurationError, load_config

    with pytest.raises(ConfigurationError, match=message):
        load_config(tmp_path, {"SECRET_KEY": "x", **overrides})


def test_an_empty_cut_off_day_means_calendar_quarters(tmp_path):
    from contest.config import load_config

    config = load_config(tmp_path, {"SECRET_KEY": "x", "REPORT_CUTOFF_DAY": "", "REPORT_PLACE": "  An Hòa "})
    assert (config["REPORT_CUTOFF_DAY"], config["REPORT_PASS_MARK"], config["REPORT_TARGET"], config["REPORT_PLACE"]) == (0, 80, 100, "An Hòa")
    assert load_config(tmp_path, {"SECRET_KEY": "x", "REPORT_CUTOFF_DAY": "14"})["REPORT_CUTOFF_DAY"] == 14
