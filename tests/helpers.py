"""Helpers shared by tests."""

from __future__ import annotations

import io

from openpyxl import Workbook


def xlsx_bytes(rows: list[list[object]], title: str = "Sheet1", extra_sheets: dict | None = None) -> bytes:
    """Build an .xlsx in memory from rows (the first row is usually the header)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, (sheet_rows, state) in (extra_sheets or {}).items():
        extra = workbook.create_sheet(name)
        extra.sheet_state = state
        for row in sheet_rows:
            extra.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
