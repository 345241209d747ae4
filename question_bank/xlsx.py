"""Reading tabular .xlsx files safely, with row- and column-level error reports.

Shared by the importers of questions, units and staff lists: find the header
row (it may sit under a title block), map columns by their folded header, read
cell values as text and report problems by file, sheet, row and column.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from collections.abc import Callable, Iterable
from typing import BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from question_bank.text import header_key, normalize_text
from question_bank.issues import ImportIssue
from question_bank.sheet_writer import SheetWriter, Style
from question_bank.workbook_limits import MAX_FILE_BYTES, MAX_SHEET_COLUMNS, SPARE_SHEET_ROWS, WorkbookRefused, inspect_workbook

HEADER_SEARCH_ROWS = 30  # the header may sit under a title block this deep
PROGRESS_EVERY = 1000  # write_table reports its progress every this many data rows (and at the end)
Progress = Callable[[int], None]  # called with the number of data rows written so far


@dataclass(frozen=True)
class Column:
    """A column the importer understands: a key, its Vietnamese header and whether it is required."""

    key: str
    header: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    width: int | None = None  # for writing: column width in characters
    number_format: str | None = None  # for writing: Excel number format of the values


@dataclass
class SheetRow:
    number: int  # 1-based row number as Excel shows it
    values: dict[str, str]


@dataclass
class Table:
    file: str
    sheet: str | None = None
    rows: list[SheetRow] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)  # column key -> letter
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header as written

    def issue(self, row: SheetRow | int, key: str | None, message: str) -> ImportIssue:
        """An issue located at a row and (optionally) one of this table's columns."""
        number = row.number if isinstance(row, SheetRow) else row
        return ImportIssue(
            file=self.file,
            sheet=self.sheet,
            row=number,
            column=self.letters.get(key) if key else None,
            header=self.headers.get(key) if key else None,
            message=message,
        )


def cell_text(value: object) -> str:
    """A cell value as text: numbers without a trailing .0, dates as dd/mm/yyyy, NFC text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Đúng" if value else "Sai"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return normalize_text(str(value))


def _header_lookup(columns: list[Column]) -> dict[str, list[str]]:
    """Folded header or alias -> the keys of the columns it names, folded once per read."""
    lookup: dict[str, list[str]] = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            keys = lookup.setdefault(header_key(name), [])
            if column.key not in keys:
                keys.append(column.key)
    return lookup


def _folded(row: tuple) -> list[str]:
    return [header_key(cell_text(v)) for v in row[:MAX_SHEET_COLUMNS]]


def _find_header(rows: list[tuple], columns: list[Column]) -> tuple[int, dict[str, int]] | None:
    """Return (row index, column key -> cell index) of the first row holding every required header.

    Looks at the rows given (the first HEADER_SEARCH_ROWS) and their first MAX_SHEET_COLUMNS
    cells; each cell is folded once and looked up, so the work is bounded by that window.
    """
    lookup = _header_lookup(columns)
    required = [c.key for c in columns if c.required]
    for index, row in enumerate(rows):
        mapping: dict[str, int] = {}
        for cell_index, value in enumerate(_folded(row)):
            for key in lookup.get(value, ()) if value else ():
                mapping.setdefault(key, cell_index)
        if all(key in mapping for key in required):
            return index, mapping
    return None


def _best_partial_header(rows: list[tuple], columns: list[Column]) -> tuple[int, set[str]]:
    """The row that looks most like a header, and which known columns it has."""
    lookup = _header_lookup(columns)
    best_index, best_found = 0, set()
    for index, row in enumerate(rows):
        found = {key for value in _folded(row) if value for key in lookup.get(value, ())}
        if len(found) > len(best_found):
            best_index, best_found = index, found
    return best_index, best_found


def read_table(
    stream: BinaryIO | bytes,
    file: str,
    columns: list[Column],
    max_rows: int = 10_000,
) -> tuple[Table | None, list[ImportIssue]]:
    """Read the first visible sheet that carries the header row.

    Returns the table (None when no sheet could be read) and the issues found
    while locating it. Row-level validation is the caller's job.
    """
    data = stream if isinstance(stream, bytes) else stream.read(MAX_FILE_BYTES + 1)
    try:
        inspect_workbook(data, file, max_sheet_rows=max_rows + SPARE_SHEET_ROWS)
    except WorkbookRefused as refused:
        return None, [ImportIssue(file, refused.message, sheet=refused.sheet)]
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken package
        return None, [ImportIssue(file, "Tệp .xlsx bị hỏng hoặc không đúng cấu trúc, không đọc được.")]
    try:
        hidden_with_header: str | None = None
        first_visible = None
        for sheet in workbook.worksheets:
            head = [tuple(r) for r in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)]
            if sheet.sheet_state != "visible":
                if _find_header(head, columns) and hidden_with_header is None:
                    hidden_with_header = sheet.title
                continue
            if first_visible is None:
                first_visible = (sheet.title, head)
            found = _find_header(head, columns)
            if found is None:
                continue
            header_index, mapping = found
            table, issues = _read_rows(sheet, file, columns, header_index, mapping, max_rows)
            issues.extend(_scan_sheet_xml(data, sheet, table, header_index + 1))
            return table, issues
        if hidden_with_header:
            return None, [
                ImportIssue(
                    file,
                    f"Trang tính “{hidden_with_header}” có dòng tiêu đề nhưng đang bị ẩn. "
                    "Hãy hiện trang tính đó (hoặc chép dữ liệu sang trang hiện) rồi tải lên lại.",
                )
            ]
        if first_visible is None or not any(any(v is not None for v in r) for r in first_visible[1]):
            return None, [ImportIssue(file, "Tệp không có dữ liệu (không tìm thấy dòng tiêu đề).")]
        title, head = first_visible
        index, found_keys = _best_partial_header(head, columns)
        missing = [c.header for c in columns if c.required and c.key not in found_keys]
        return None, [
            ImportIssue(
                file,
                "Không tìm thấy dòng tiêu đề đầy đủ; thiếu cột: " + ", ".join(f"“{m}”" for m in missing) + ".",
                sheet=title,
                row=index + 1 if found_keys else None,
            )
        ]
    finally:
        workbook.close()


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
# A formula cell whose cached value is missing or empty: openpyxl would read it as blank.
_FORMULA_WITHOUT_VALUE = re.compile(
    rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>[^<]*</(?:\w+:)?f>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>'
)


def _scan_sheet_xml(data: bytes, sheet, table: Table, header_row: int) -> list[ImportIssue]:
    """Report what openpyxl's reader hides: merged cells and formulas never calculated.

    A merged range keeps its value only in its first cell, and a formula
    saved by a program that did not calculate it has no value at all; both
    would otherwise turn into puzzling "missing value" errors.
    """
    path = getattr(sheet, "_worksheet_path", None)
    if not path:
        return []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(path.lstrip("/"))
    issues = []
    for first_col, first_row, last_col, last_row in _MERGE.findall(xml):
        if int(last_row) > header_row:
            ref = f"{first_col.decode()}{first_row.decode()}:{last_col.decode()}{last_row.decode()}"
            issues.append(
                ImportIssue(
                    table.file,
                    f"Vùng ô {ref} đang được gộp (merge). Hãy bỏ gộp ô và điền giá trị vào từng ô.",
                    sheet=table.sheet,
                    row=int(first_row),
                    column=first_col.decode(),
                )
            )
    for column, row in _FORMULA_WITHOUT_VALUE.findall(xml):
        if int(row) > header_row:
            issues.append(
                ImportIssue(
                    table.file,
                    f"Ô {column.decode()}{row.decode()} chứa công thức chưa được tính giá trị. "
                    "Hãy mở tệp bằng Excel và lưu lại, hoặc dán giá trị (Paste Values) thay cho công thức.",
                    sheet=table.sheet,
                    row=int(row),
                    column=column.decode(),
                )
            )
    return issues


def _read_rows(sheet, file, columns, header_index, mapping, max_rows):
    letters = {key: get_column_letter(i + 1) for key, i in mapping.items()}
    header_cells = next(sheet.iter_rows(min_row=header_index + 1, max_row=header_index + 1, values_only=True))
    headers = {key: cell_text(header_cells[i]) for key, i in mapping.items()}
    table = Table(file=file, sheet=sheet.title, letters=letters, headers=headers)
    issues: list[ImportIssue] = []
    data_start = header_index + 2
    for number, row in enumerate(sheet.iter_rows(min_row=data_start, values_only=True), start=data_start):
        if not any(v is not None and cell_text(v) != "" for v in row):
            continue
        if len(table.rows) >= max_rows:
            issues.append(
                ImportIssue(
                    file,
                    f"Tệp có quá nhiều dòng dữ liệu (tối đa {max_rows} dòng); hãy chia thành nhiều tệp.",
                    sheet=sheet.title,
                    row=number,
                )
            )
            break
        values = {key: cell_text(row[i]) if i < len(row) else "" for key, i in mapping.items()}
        table.rows.append(SheetRow(number=number, values=values))
    return table, issues


@dataclass(frozen=True)
class TitleCell:
    """A cell of a title or footer line placed in a column (1-based), optionally centred across `span` columns
    (Excel's "center across selection": no merged cells, which the streaming writer cannot make)."""

    text: str
    column: int = 1
    span: int = 1
    bold: bool = False
    italic: bool = False
    size: int | None = None


# A title or footer line: one bold text in column A, or cells placed in their columns.
TitleLine = str | list[TitleCell]

def _line(sheet: SheetWriter, line: TitleLine, bold: bool = True, size: int = 11) -> str:
    """A title or footer line's cells: a text in column A, or TitleCells in their columns."""
    if isinstance(line, str):
        return sheet.styled(0, line, Style(bold=bold, size=size))
    cells = []
    for item in sorted(line, key=lambda c: c.column):
        cells.append(sheet.styled(item.column - 1, item.text, Style(bold=item.bold, italic=item.italic, size=item.size or 11,
                                                                     center_across=item.span > 1)))
        cells.extend(sheet.styled(item.column - 1 + offset, None, Style(center_across=True)) for offset in range(1, item.span))
    return "".join(cells)


def write_table(
    columns: list[Column],
    rows: Iterable[list[object]],
    title: TitleLine | list[TitleLine] | None = None,
    sheet_title: str = "Dữ liệu",
    target: BinaryIO | None = None,
    footer: list[TitleLine] | Callable[[], list[TitleLine]] | None = None,
    progress: Progress | None = None,
) -> bytes | None:
    """Stream a workbook: an optional title block, a bold frozen header with autofilter, the rows, then an optional
    footer (a signature block, or totals: a callable is called once the rows are written) after one empty row.

    Rows are written one by one straight into the zip (question_bank.sheet_writer), so a large export never
    holds the whole sheet in memory; `rows` may be a generator streaming from the database. Text is always
    written as text. A title line is a text (bold, the first one larger) or a row of TitleCells. With
    `target` the workbook is written there and None is returned; otherwise its bytes are. `progress`, when
    given, is called with the number of data rows written so far every PROGRESS_EVERY rows, and once more
    with the total when the workbook is complete (also for no rows).
    """
    titles = [title] if isinstance(title, str) else list(title or [])
    buffer = target if target is not None else io.BytesIO()
    header_row = len(titles) + 2 if titles else 1  # the titles, one empty row, the header
    widths = [column.width or max(12, min(60, len(column.header) + 6)) for column in columns]
    sheet = SheetWriter(buffer, sheet_title, widths, frozen_rows=header_row)
    for index, line in enumerate(titles):
        sheet.row(_line(sheet, line, size=13 if index == 0 else 11))
    if titles:
        sheet.row("")
    sheet.row("".join(sheet.styled(index, column.header, Style(bold=True)) for index, column in enumerate(columns)))
    cells = [sheet.cell_function(index, column.number_format) for index, column in enumerate(columns)]
    row_number = header_row
    append = sheet.row
    for row in rows:
        row_number += 1
        append("".join([cell(row_number, value) for cell, value in zip(cells, row)]))
        if progress is not None and (row_number - header_row) % PROGRESS_EVERY == 0:
            progress(row_number - header_row)
    count = row_number - header_row
    sheet.autofilter(header_row, header_row + max(count, 1))
    footer = footer() if callable(footer) else footer
    if footer:
        sheet.row("")
        for line in footer:
            sheet.row(_line(sheet, line))
    sheet.close()
    if progress is not None:
        progress(count)
    return None if target is not None else buffer.getvalue()


def template_workbook(
    columns: list[Column],
    examples: list[list[object]],
    instructions: list[str],
    choices: dict[str, list[str]] | None = None,
    sheet_title: str = "Dữ liệu",
    reference: tuple[str, list[str], list[list[object]]] | None = None,
) -> bytes:
    """An .xlsx template: the header row (bold, frozen), example rows, drop-down lists, instructions.

    The drop-down values live on a "Danh mục" sheet, so values containing
    commas (such as "A, C") are allowed; typing another value only warns.
    `reference` = (sheet title, headers, rows) adds a sheet to look values up in (what a code means).
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in examples:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(60, len(column.header) + 6))
    lists = workbook.create_sheet("Danh mục")
    for list_index, (key, allowed) in enumerate((choices or {}).items(), start=1):
        list_letter = get_column_letter(list_index)
        header = next(c.header for c in columns if c.key == key)
        lists.cell(row=1, column=list_index, value=header).font = Font(bold=True)
        for offset, value in enumerate(allowed, start=2):
            lists.cell(row=offset, column=list_index, value=value)
        letter = get_column_letter(next(i for i, c in enumerate(columns, start=1) if c.key == key))
        validation = DataValidation(
            type="list",
            formula1=f"'Danh mục'!${list_letter}$2:${list_letter}${len(allowed) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
        )
        validation.error = f"Giá trị nên chọn trong danh sách của cột “{header}”."
        validation.add(f"{letter}2:{letter}5001")
        sheet.add_data_validation(validation)
    if reference is not None:
        title, headers, rows = reference
        lookup = workbook.create_sheet(title)
        lookup.append(headers)
        for cell in lookup[1]:
            cell.font = Font(bold=True)
        for row_index, row in enumerate(rows, start=2):
            for column_index, value in enumerate(row, start=1):
                cell = lookup.cell(row=row_index, column=column_index, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # a name starting with "=" stays text
        lookup.freeze_panes = "A2"
        for index, _ in enumerate(headers, start=1):
            lookup.column_dimensions[get_column_letter(index)].width = 40 if index > 1 else 18
    guide = workbook.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 120
    guide.append(["Hướng dẫn"])
    guide["A1"].font = Font(bold=True, size=13)
    for line in instructions:
        guide.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
