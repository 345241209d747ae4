"""The period report's figures, computed by hand for a small tree (DESIGN.md, "Groups and periods").

    P (province, 0)  ├── A (department, 4) ── A1 (office, 3)
                     └── B (district, 5)                        headcounts in brackets: P's subtree is 12

Two contests, each attempt drawing 4 one-point questions (maximum 4). C1 has two weekly rounds (from
23/11/2026 08:00 and 30/11/2026 08:00, Vietnamese time), C2 one (the first week).
- u1 (A):  C1 round 1 on 24/11, 4/4 (100 %); C2 on 25/11, 2/4 (50 %)      → one person in two contests
- u2 (A1): C1 round 1 on 24/11, 3/4 (75 %); C1 round 2 on 01/12, 4/4 (100 %) → C1 cut by the weekly periods
- u3 (B):  C2 at 00:30 on 30/11 Vietnamese time (29/11 17:30 UTC), 1/4 (25 %)
Periods: X = 23/11–29/11, Y = 30/11–06/12 (the previous of Y is X), W = 23/11–06/12. Pass mark 80 %.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from contest.models import Role, UnitKind
from contest.services.period_report import ReportSettings, export_period_report, period_report
from contest.services.periods import PeriodKind, custom_period, named_period
from tests.conftest import T0
from tests.helpers import play

X = custom_period(date(2026, 11, 23), date(2026, 11, 29))
Y = custom_period(date(2026, 11, 30), date(2026, 12, 6))
W = custom_period(date(2026, 11, 23), date(2026, 12, 6))


@pytest.fixture
def tree(db_session, make_unit, make_user, make_contest, make_bank):
    province = make_unit("P", kind=UnitKind.province, headcount=0)
    a = make_unit("P-A", parent=province, kind=UnitKind.department, headcount=4)
    a1 = make_unit("P-A1", parent=a, headcount=3)
    b = make_unit("P-B", parent=province, kind=UnitKind.district, headcount=5)
    bank = make_bank(owner=province, per_topic=4)
    c1 = make_contest(unit=province, bank=bank, rounds=2, per_topic=2, title="Cuộc thi một", eligible_unit_ids=[province.id])
    c2 = make_contest(unit=province, bank=bank, rounds=1, per_topic=2, title="Cuộc thi hai", eligible_unit_ids=[province.id])
    u1, u2 = make_user(Role.participant, unit=a), make_user(Role.participant, unit=a1)
    u3, _ = make_user(Role.participant, unit=b), make_user(Role.participant, unit=b)
    play(db_session, u1, c1.rounds[0], T0 + timedelta(days=1), correct=4)
    play(db_session, u1, c2.rounds[0], T0 + timedelta(days=2), correct=2)
    play(db_session, u2, c1.rounds[0], T0 + timedelta(days=1), correct=3)
    play(db_session, u2, c1.rounds[1], T0 + timedelta(days=8), correct=4)
    play(db_session, u3, c2.rounds[0], datetime(2026, 11, 29, 17, 28, tzinfo=timezone.utc), correct=1)
    return province, b


def _figures(report):
    """{code: (base, participants, rate, attempts, average, passed, passed share, gap, rate change)} rounded to 3 places."""
    def r(value):
        return None if value is None else round(value, 3)

    return {row.code: (row.current.base, row.current.participants, r(row.current.rate), row.current.attempts, r(row.current.average),
                       row.current.passed, r(row.current.passed_share), r(row.gap), r(row.rate_change)) for row in report.rows}


def test_a_week_that_cuts_through_a_contest(db_session, tree):
    province, _ = tree
    report = period_report(db_session, province, X)
    assert [row.code for row in report.rows] == ["P", "P-A", "P-A1", "P-B"]  # tree order
    assert [row.depth for row in report.rows] == [0, 1, 2, 1]
    assert _figures(report) == {
        # u1 and u2; u1's two contests count once as a person, twice in the average: (100 + 50 + 75) / 3
        "P": (12, 2, 16.667, 3, 75.0, 1, 8.333, 91.667, 16.667),
        "P-A": (7, 2, 28.571, 3, 75.0, 1, 14.286, 85.714, 28.571),
        "P-A1": (3, 1, 33.333, 1, 75.0, 0, 0.0, 100.0, 33.333),
        "P-B": (5, 0, 0.0, 0, None, 0, 0.0, 100.0, 0.0),  # u3 finished at 00:30 on 30/11 Vietnamese time: next week
    }
    assert report.previous == custom_period(date(2026, 11, 16), date(2026, 11, 22))
    assert [(c.title, c.participants, c.attempts) for c in report.contests] == [("Cuộc thi hai", 1, 1), ("Cuộc thi một", 2, 2)]


def test_the_next_week_against_the_previous_one(db_session, tree):
    province, _ = tree
    report = period_report(db_session, province, Y)
    assert report.previous == X
    assert _figures(report) == {
        "P": (12, 2, 16.667, 2, 62.5, 1, 8.333, 91.667, 0.0),
        "P-A": (7, 1, 14.286, 1, 100.0, 1, 14.286, 85.714, -14.286),
        "P-A1": (3, 1, 33.333, 1, 100.0, 1, 33.333, 66.667, 0.0),
        "P-B": (5, 1, 20.0, 1, 25.0, 0, 0.0, 100.0, 20.0),
    }


def test_a_person_counts_once_with_their_best_attempt_per_contest(db_session, tree):
    province, _ = tree
    figures = _figures(period_report(db_session, province, W))
    # u2's two attempts in C1 are one pair with the better one (100 %): (100 + 50 + 100 + 25) / 4
    assert figures["P"][:7] == (12, 3, 25.0, 5, 68.75, 2, 16.667)
    assert figures["P-A"][:7] == (7, 2, 28.571, 4, 83.333, 2, 28.571)


def test_the_pass_mark_is_reached_at_equality(db_session, tree):
    province, _ = tree
    at = _figures(period_report(db_session, province, X, ReportSettings(pass_mark=75)))
    above = _figures(period_report(db_session, province, X, ReportSettings(pass_mark=76)))
    assert at["P-A1"][5] == 1 and above["P-A1"][5] == 0  # u2's 75 %
    assert at["P"][5] == 2 and above["P"][5] == 1


def test_target_gap_and_threshold_marks(db_session, tree):
    province, _ = tree
    report = period_report(db_session, province, X, ReportSettings(target=10, threshold=30))
    rows = {row.code: row for row in report.rows}
    assert rows["P-A"].gap == 0.0  # 14.3 % of the headcount reached the pass mark: past the 10 % target
    assert round(rows["P"].gap, 3) == 1.667
    assert [code for code, row in rows.items() if row.below_threshold] == ["P", "P-A", "P-B"]  # A1 at 33.3 % is not


def test_a_subtree_report_counts_only_its_units(db_session, tree):
    _, district = tree
    report = period_report(db_session, district, Y)
    assert _figures(report) == {"P-B": (5, 1, 20.0, 1, 25.0, 0, 0.0, 100.0, 20.0)}
    assert [(c.title, c.attempts) for c in report.contests] == [("Cuộc thi hai", 1)]


def test_the_cut_off_day_at_its_edges(db_session, make_unit, make_user, make_contest, make_bank):
    """With the cut-off day 14, 23:55 on 14/12 is the last moment of quarter IV and 00:05 on 15/12 is quarter I."""
    province = make_unit("P", kind=UnitKind.province, headcount=2)
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=4), rounds=4, per_topic=2,
                           eligible_unit_ids=[province.id])
    late, early = make_user(Role.participant, unit=province), make_user(Role.participant, unit=province)
    last_round = contest.rounds[3]  # 14/12 08:00 to 21/12 08:00, Vietnamese time
    play(db_session, late, last_round, datetime(2026, 12, 14, 16, 53, tzinfo=timezone.utc), correct=4)  # 23:55 on 14/12
    play(db_session, early, last_round, datetime(2026, 12, 14, 17, 3, tzinfo=timezone.utc), correct=4)  # 00:05 on 15/12
    q4, q1 = named_period(PeriodKind.quarter, 2026, 4, 14), named_period(PeriodKind.quarter, 2027, 1, 14)
    assert (q4.end, q1.start) == (date(2026, 12, 14), date(2026, 12, 15))
    assert period_report(db_session, province, q4).total.current.participants == 1
    fourth = period_report(db_session, province, q1)
    assert (fourth.total.current.participants, fourth.total.previous.participants, fourth.total.rate_change) == (1, 1, 0.0)
    calendar = named_period(PeriodKind.quarter, 2026, 4)  # without a cut-off day: both in October–December
    assert period_report(db_session, province, calendar).total.current.participants == 2


def test_the_workbook_holds_the_heading_the_table_as_numbers_and_the_signatures(db_session, tree):
    import io

    from openpyxl import load_workbook

    province, _ = tree
    content = export_period_report(period_report(db_session, province, X), date(2026, 12, 2), "An Hòa")
    sheet = load_workbook(io.BytesIO(content)).active
    cells = {(c.row, c.column): c.value for row in sheet.iter_rows() for c in row if c.value is not None}
    texts = list(cells.values())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts and "Độc lập - Tự do - Hạnh phúc" in texts
    assert "Số:       /BC-P" in texts and "An Hòa, ngày 02 tháng 12 năm 2026" in texts
    assert "Kết quả tham gia các cuộc thi tìm hiểu cải cách hành chính từ ngày 23/11/2026 đến ngày 29/11/2026" in texts
    header = next(r for (r, c), v in cells.items() if v == "Mã đơn vị")
    rows = {cells[(r, 1)]: [cells.get((r, c)) for c in range(2, 15)] for r in range(header + 1, header + 5)}
    name, base, people, rate, attempts, average, passed, share, target, gap, previous, change, below = rows["P-A"]
    assert name.startswith("    ") and not name.startswith("     ")  # indented by its depth
    assert rows["P-A1"][0].startswith("        ") and " — " in rows["P-A1"][0]  # an office is named with its parent
    assert (base, people, attempts, passed) == (7, 2, 3, 1)
    assert (round(rate, 5), round(average, 5), round(share, 5), target, round(gap, 5)) == (0.28571, 0.75, 0.14286, 1.0, 0.85714)
    assert (previous, round(change, 5), below) == (0.0, 0.28571, "Có")
    assert rows["P-B"][5] == "—"  # no average without participants
    number_formats = {sheet.cell(header + 2, c).number_format for c in (3, 5, 13)}
    assert number_formats == {"#,##0", "0.0%", "+0.0%;-0.0%;0.0%"}
    assert "NGƯỜI LẬP BIỂU" in texts and "THỦ TRƯỞNG ĐƠN VỊ" in texts
    signatures = next(r for (r, c), v in cells.items() if v == "NGƯỜI LẬP BIỂU")
    assert signatures > header + 4
