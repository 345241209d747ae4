"""A corpus of costly workbooks, built fast by writing their XML straight into a zip.

Shared by tests/test_hostile_spreadsheets.py and bench/hostile_uploads.py. Each file is small to
upload and cheap to build, but would hold a worker for a long time if read without bounds: too many
columns, too many rows (blank ones included), a zip bomb, too many zip entries, deeply nested XML,
entity expansion ("billion laughs").
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable, Iterable, Iterator

from openpyxl.utils import get_column_letter

from tests.helpers import xlsx_bytes

SHEET_PART = "xl/worksheets/sheet1.xml"
WORKSHEET_OPEN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _text_cell(ref: str, text: str) -> bytes:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{escaped}</t></is></c>'.encode()


def text_row(number: int, values: list[str]) -> bytes:
    """Row `number` with a text cell for each non-empty value."""
    cells = [_text_cell(f"{get_column_letter(i)}{number}", text) for i, text in enumerate(values, start=1) if text]
    return f'<row r="{number}">'.encode() + b"".join(cells) + b"</row>"


def header_row(header: list[str], extra_columns: int = 0) -> bytes:
    """Row 1: the importer's header, then `extra_columns` more headed columns."""
    return text_row(1, header + [f"Cột {i}" for i in range(len(header) + 1, len(header) + extra_columns + 1)])


def incompressible(size: int) -> dict[str, bytes]:
    """A picture of random bytes: added to a package, it keeps the compression ratio ordinary."""
    return {"xl/media/image1.png": random.Random(0).randbytes(size)}


def workbook_with_sheet(chunks: Iterable[bytes], extra_parts: dict[str, bytes] | None = None) -> bytes:
    """A real workbook (made by openpyxl) whose first sheet's XML is replaced by `chunks`, streamed
    into the zip so that even a sheet of millions of rows never sits in memory whole."""
    skeleton = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["x"]], title="Dữ liệu")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in skeleton.infolist():
            if entry.filename != SHEET_PART and entry.filename not in (extra_parts or {}):
                archive.writestr(entry, skeleton.read(entry))
        for name, content in (extra_parts or {}).items():
            archive.writestr(name, content)
        with archive.open(SHEET_PART, "w", force_zip64=True) as sheet:
            for chunk in chunks:
                sheet.write(chunk)
    return buffer.getvalue()


def _batched(rows: Iterator[bytes], size: int = 10_000) -> Iterator[bytes]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield b"".join(batch)
            batch = []
    yield b"".join(batch)


def _sheet(header: list[str], rows: Iterable[bytes], dimension: str | None = None, extra_columns: int = 0) -> Iterator[bytes]:
    yield WORKSHEET_OPEN
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>" + header_row(header, extra_columns)
    yield from _batched(iter(rows))
    yield b"</sheetData></worksheet>"


def wide(header: list[str], columns: int = 16_384, rows: int = 30, dimension: bool = True) -> bytes:
    """`rows` rows × `columns` columns: the header, then numbers in every cell (1.4 MB for 30 × 16,384)."""
    last = get_column_letter(columns)

    def data_rows() -> Iterator[bytes]:
        for r in range(2, rows + 1):
            yield f'<row r="{r}">'.encode() + b"".join(
                f'<c r="{get_column_letter(c)}{r}"><v>{c}</v></c>'.encode() for c in range(1, columns + 1)) + b"</row>"

    return workbook_with_sheet(_sheet(header, data_rows(), f"A1:{last}{rows}" if dimension else None, extra_columns=columns - len(header)))


def long(header: list[str], rows: int = 200_000, dimension: bool = True, columns: int = 5) -> bytes:
    """The header, then `rows` rows with a number in each of the first `columns` columns: far more
    data rows than allowed, in less than the bound on uncompressed size."""
    def data_rows() -> Iterator[bytes]:
        for r in range(2, rows + 2):
            yield f'<row r="{r}">'.encode() + b"".join(
                f'<c r="{get_column_letter(c)}{r}"><v>{r}</v></c>'.encode() for c in range(1, columns + 1)) + b"</row>"

    return workbook_with_sheet(_sheet(header, data_rows(), f"A1:{get_column_letter(len(header))}{rows + 1}" if dimension else None))


def blank_rows(header: list[str], rows: int = 1_900_000, dimension: bool = True) -> bytes:
    """The header, then `rows` empty (formatted) rows: blank rows must count towards the row limit."""
    last = f"{get_column_letter(len(header))}{rows + 1}"
    return workbook_with_sheet(_sheet(header, (f'<row r="{r}"/>'.encode() for r in range(2, rows + 2)),
                                      f"A1:{last}" if dimension else None))


def far_row(header: list[str], row: int = 1_048_576) -> bytes:
    """The header and one cell in the sheet's last row: a reader fills the gap with a million empty rows."""
    return workbook_with_sheet(_sheet(header, [f'<row r="{row}"><c r="A{row}"><v>1</v></c></row>'.encode()]))


def zip_bomb(header: list[str], inflated: int = 300 * 1024 * 1024) -> bytes:
    """A sheet that inflates to `inflated` bytes (300 MiB) of blank space from a few hundred KiB."""
    def chunks() -> Iterator[bytes]:
        yield WORKSHEET_OPEN + b"<sheetData>" + header_row(header) + b"</sheetData>"
        block = b" " * (1024 * 1024)
        for _ in range(inflated // len(block)):
            yield block
        yield b"</worksheet>"

    return workbook_with_sheet(chunks())


def many_entries(header: list[str], entries: int = 20_000) -> bytes:
    """A workbook with `entries` tiny extra parts in its zip."""
    return workbook_with_sheet(_sheet(header, []), {f"xl/media/image{i}.png": b"" for i in range(entries)})


def deep_xml(header: list[str], depth: int = 1_000_000) -> bytes:
    """A cell whose inline string nests `depth` elements inside one another; an incompressible
    picture keeps the package's compression ratio ordinary, so only the nesting gives it away."""
    def chunks() -> Iterator[bytes]:
        yield WORKSHEET_OPEN + b"<sheetData>" + header_row(header) + b'<row r="2"><c r="A2" t="inlineStr"><is>'
        yield b"<r>" * depth
        yield b"</r>" * depth
        yield b"</is></c></row></sheetData></worksheet>"

    return workbook_with_sheet(chunks(), incompressible(depth // 20 + 1024))


def many_elements(header: list[str], elements: int = 1_600_000) -> bytes:
    """One cell whose inline string holds `elements` empty runs: few bytes, few cells, many elements."""
    def chunks() -> Iterator[bytes]:
        yield WORKSHEET_OPEN + b"<sheetData>" + header_row(header) + b'<row r="2"><c r="A2" t="inlineStr"><is>'
        yield b"<r/>" * elements
        yield b"</is></c></row></sheetData></worksheet>"

    return workbook_with_sheet(chunks(), incompressible(elements // 40 + 1024))


def billion_laughs(header: list[str], levels: int = 10) -> bytes:
    """Entities that each expand to ten of the previous one: 10^`levels` copies of "ha"."""
    entities = '<!ENTITY lol0 "ha">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1))
    prolog = f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'.encode()
    cell = f'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol{levels};</t></is></c></row>'.encode()
    return workbook_with_sheet([prolog, WORKSHEET_OPEN, b"<sheetData>", header_row(header), cell, b"</sheetData></worksheet>"])


# The corpus of the benchmark, each at the size of the attack it stands for.
CORPUS: dict[str, Callable[[list[str]], bytes]] = {
    "wide: 30 rows × 16,384 columns": wide,
    "wide, no dimension: 30 rows × 16,384 columns": lambda header: wide(header, dimension=False),
    "long: 200,000 data rows": long,
    "long, no dimension: 200,000 rows of one cell": lambda header: long(header, dimension=False, columns=1),
    "blank rows: 1,900,000 empty rows": blank_rows,
    "blank rows, no dimension: 1,900,000 empty rows": lambda header: blank_rows(header, dimension=False),
    "far row: one cell in row 1,048,576": far_row,
    "many cells: 2,100 rows × 200 columns": lambda header: wide(header, columns=200, rows=2_100),
    "zip bomb: 300 MiB of blank space": zip_bomb,
    "many entries: 20,000 parts": many_entries,
    "many elements: 1,600,000 in one cell": many_elements,
    "deep XML: 1,000,000 nested elements": deep_xml,
    "billion laughs: 10^10 entity expansions": billion_laughs,
}
