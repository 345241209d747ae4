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
