"""Every export passes its `progress` callback to the writer: the last call is the number of data rows."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from contest.services import exports, questions
from contest.services.period_report import export_period_report, period_report
from contest.services.periods import custom_period
from contest.services.statistics import Scope
from tests.blueprints.test_reports import world  # noqa: F401  (the fixture)
from tests.conftest import T0
from tests.helpers import POLICY


def _data_rows(content: bytes, first_header: str) -> int:
    rows = list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    table = []
    for row in rows[header + 1:]:
        if not any(v is not None for v in row):
            break  # an empty row ends the table; a footer (totals, signatures) may follow it
        table.append(row)
    return len(table)


def test_each_export_reports_its_rows(db_session, world, make_user):  # noqa: F811
    make_user(unit=world["d2"], full_name="Người chưa thi")
    db_session.commit()
    scope, now = Scope(world["contest"]), T0
    jobs = {
        "Hạng": lambda progress: exports.export_results(db_session, scope, now, POLICY, progress=progress),
        "Mã đơn vị": lambda progress: exports.export_participation(db_session, scope, world["p"], 20, now, progress=progress),
        "Họ và tên": lambda progress: exports.export_non_participants(db_session, scope, world["p"], now, progress=progress),
        "Mã câu hỏi": lambda progress: exports.export_question_statistics(db_session, scope, now, progress=progress),
        "STT": lambda progress: questions.export_bank(db_session, world["contest"].rounds[0].blueprint[0].bank, progress=progress),
    }
    for header, job in jobs.items():
        calls: list[int] = []
        content = job(calls.append)
        assert calls and calls[-1] == _data_rows(content, header) > 0, header
    calls = []
    content = exports.export_winners(db_session, scope, now, POLICY, 2, progress=calls.append)
    assert calls == [2] == [_data_rows(content, "Hạng")]
    calls = []
    report = period_report(db_session, world["p"], custom_period(date(2026, 11, 1), date(2026, 11, 30)))
    export_period_report(report, date(2026, 12, 2), "An Hòa", progress=calls.append)
    assert calls == [len(report.rows)] and calls[0] > 0
