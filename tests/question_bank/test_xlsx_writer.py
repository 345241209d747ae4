"""The shared streaming writer (question_bank.xlsx.write_table): its progress callback."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from question_bank.xlsx import Column, write_table

COLUMNS = [Column("n", "Số", number_format="0"), Column("t", "Chữ")]


def test_progress_every_thousand_rows_and_once_when_the_workbook_is_complete():
    calls: list[int] = []
    content = write_table(COLUMNS, ([i, f"dòng {i}"] for i in range(2500)), "Tiêu đề", progress=calls.append)
    assert calls == [1000, 2000, 2500]
    assert load_workbook(io.BytesIO(content)).active.max_row == 2500 + 3  # title, empty row, header


def test_progress_reports_a_round_total_and_an_empty_table_at_the_end():
    calls: list[int] = []
    write_table(COLUMNS, ([i, ""] for i in range(2000)), progress=calls.append)
    assert calls == [1000, 2000, 2000]  # the last call says the file is complete
    calls.clear()
    write_table(COLUMNS, [], target=io.BytesIO(), progress=calls.append)
    assert calls == [0]


def test_values_read_back_as_written_text_stays_text():
    from datetime import date, datetime
    from decimal import Decimal

    columns = [Column("a", "A"), Column("b", "B", number_format="0.00"), Column("c", "C", number_format="dd/mm/yyyy")]
    rows = [["=SUM(A1:A2)", Decimal("1.25"), date(2026, 12, 2)], ["  <a & b>", None, datetime(2026, 12, 2, 8, 30)],
            ["bell\x07", True, None], ["", 3, "—"]]
    sheet = load_workbook(io.BytesIO(write_table(columns, rows, sheet_title="Bảng <1>"))).active
    assert sheet.title == "Bảng <1>" and sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:C5"
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values == [["=SUM(A1:A2)", 1.25, datetime(2026, 12, 2)], ["  <a & b>", None, datetime(2026, 12, 2, 8, 30)],
                      ["bell_x0007_", True, None], [None, 3, "—"]]
    assert sheet["A2"].data_type == "s" and sheet["B3"].number_format == "0.00" and sheet["C3"].number_format == "dd/mm/yyyy"
    assert sheet["A1"].font.b and sheet.column_dimensions["A"].width == 12
