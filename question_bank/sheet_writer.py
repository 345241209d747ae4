"""A streaming .xlsx writer for one sheet of typed values: the sheet's XML goes straight into the zip as rows come.

The exports write tens of thousands of rows of plain values with a few styles (a title block, a bold
header, per-column number formats); openpyxl's write-only mode and XlsxWriter's constant-memory mode both
spend most of their time on per-cell objects, checks and escaping (BENCHMARKS.md, "Exports against the raw
writer"). Here a row is one formatted string: each column has a cell function made once, text is escaped
only when it holds a character that needs it, and the rows are deflated as they are written, so memory does
not grow with the row count. Only what write_table needs: inline strings (text always stays text, never a
formula), numbers, booleans, dates as serial numbers with their format, styles from fonts, number formats
and "center across selection", column widths, a frozen header and an autofilter.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import BinaryIO

from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAX_TEXT = 32_767  # Excel's longest cell text
FLUSH_ROWS = 1000  # rows joined and deflated together
EPOCH = datetime(1899, 12, 30)
# Excel's formats for a date or time in a column without its own number format (openpyxl's defaults).
DEFAULT_FORMATS = {datetime: "yyyy-mm-dd h:mm:ss", date: "yyyy-mm-dd", time: "h:mm:ss", timedelta: "[hh]:mm:ss"}

_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _escape_match(match: re.Match) -> str:
    char = match.group()
    return _XML_ENTITIES.get(char) or f"_x{ord(char):04X}_"  # Excel's escape of a character XML cannot hold


def escape(text: str) -> str:
    return _ESCAPE.sub(_escape_match, text) if _ESCAPE.search(text) else text


def _attribute(text: str) -> str:
    return escape(text).replace('"', "&quot;")


@dataclass(frozen=True)
class Style:
    bold: bool = False
    italic: bool = False
    size: int = 11
    number_format: str | None = None
    center_across: bool = False


def _serial(value: datetime | date | time | timedelta) -> float:
    """Excel's day number (1900 date system) of a naive date, time or duration."""
    if isinstance(value, timedelta):
        return value.total_seconds() / 86_400
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86_400
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return (value.replace(tzinfo=None) - EPOCH).total_seconds() / 86_400


class SheetWriter:
    """Write one sheet: `styles` first, then `row()`s in order, then `close()`."""

    def __init__(self, target: BinaryIO, sheet_title: str, widths: list[float], frozen_rows: int = 0):
        self.archive = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        self.sheet_title = sheet_title[:31]
        self.styles: dict[Style, int] = {Style(): 0}
        self.rows = 0
        self.pending: list[str] = []
        self.part = self.archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self.letters = [get_column_letter(i) for i in range(1, len(widths) + 1)]
        pane = (f'<pane ySplit="{frozen_rows}" topLeftCell="A{frozen_rows + 1}" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/>') if frozen_rows else ""
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1))
        self._write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
                    f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
                    f'<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")
        self.filter: str | None = None

    def _write(self, text: str) -> None:
        self.part.write(text.encode("utf-8"))

    def style(self, style: Style) -> int:
        return self.styles.setdefault(style, len(self.styles))

    def cell_function(self, column: int, number_format: str | None):
        """cell(row number, value) -> the cell's XML for one column, with its number format on numbers and blanks."""
        letter = self.letters[column]
        s = f' s="{self.style(Style(number_format=number_format))}"' if number_format else ""
        blank = f'<c r="{letter}%d"{s}/>' if s else ""
        dates: dict[type, str] = {}

        def cell(row: int, value: object) -> str:
            kind = type(value)
            if kind is str:
                if not value:
                    return ""
                if len(value) > MAX_TEXT:
                    value = value[:MAX_TEXT]
                if _ESCAPE.search(value):
                    value = _ESCAPE.sub(_escape_match, value)
                return f'<c r="{letter}{row}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
            if kind is int:
                return f'<c r="{letter}{row}"{s}><v>{value}</v></c>'
            if kind is float:
                if math.isfinite(value):
                    return f'<c r="{letter}{row}"{s}><v>{value!r}</v></c>'
                return blank % row if blank else ""
            if value is None:
                return blank % row if blank else ""
            if kind is bool:
                return f'<c r="{letter}{row}" t="b"><v>{int(value)}</v></c>'
            if isinstance(value, (int, float, Decimal)):
                return cell(row, float(value) if isinstance(value, Decimal) else int(value) if isinstance(value, int) else float(value))
            if isinstance(value, (datetime, date, time, timedelta)):
                if kind not in dates:
                    default = next(fmt for base, fmt in DEFAULT_FORMATS.items() if isinstance(value, base))
                    dates[kind] = f' s="{self.style(Style(number_format=number_format or default))}"'
                return f'<c r="{letter}{row}"{dates[kind]}><v>{_serial(value)!r}</v></c>'
            return cell(row, str(value))

        return cell

    def row(self, cells: str) -> int:
        """Add the next row from its cells' XML; returns its number (1-based)."""
        self.rows += 1
        self.pending.append(f'<row r="{self.rows}">{cells}</row>' if cells else "")
        if len(self.pending) >= FLUSH_ROWS:
            self._write("".join(self.pending))
            self.pending.clear()
        return self.rows

    def styled(self, column: int, text: str | None, style: Style) -> str:
        """A title or header cell: text (or a blank) with a style."""
        ref = f"{self.letters[column] if column < len(self.letters) else get_column_letter(column + 1)}{self.rows + 1}"
        s = self.style(style)
        if not text:
            return f'<c r="{ref}" s="{s}"/>' if s else ""
        return f'<c r="{ref}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{escape(text[:MAX_TEXT])}</t></is></c>'

    def autofilter(self, first_row: int, last_row: int) -> None:
        last = self.letters[-1] if self.letters else "A"
        self.filter = f"A{first_row}:{last}{last_row}"

    def close(self) -> None:
        self._write("".join(self.pending) + "</sheetData>" + (f'<autoFilter ref="{self.filter}"/>' if self.filter else "") + "</worksheet>")
        self.part.close()
        title = _attribute(self.sheet_title)
        defined = ""
        if self.filter:
            absolute = "$" + self.filter.replace(":", ":$")
            absolute = re.sub(r"([A-Z]+)(\d+)", r"\1$\2", absolute)
            quoted = self.sheet_title.replace("'", "''")
            defined = f"<definedNames><definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">'{escape(quoted)}'!{absolute}</definedName></definedNames>"
        parts = {
            "[Content_Types].xml": (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                "</Types>"
            ),
            "_rels/.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><bookViews><workbookView/></bookViews>'
                f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets>{defined}</workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
                f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>'
            ),
            "xl/styles.xml": self._styles_xml(),
        }
        for name, text in parts.items():
            self.archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text)
        self.archive.close()

    def _styles_xml(self) -> str:
        formats: dict[str, int] = {}
        fonts: dict[tuple, int] = {(False, False, 11): 0}
        xfs = []
        for style in sorted(self.styles, key=self.styles.get):
            font = fonts.setdefault((style.bold, style.italic, style.size), len(fonts))
            number = formats.setdefault(style.number_format, 164 + len(formats)) if style.number_format else 0
            align = '<alignment horizontal="centerContinuous"/>' if style.center_across else ""
            applied = (' applyNumberFormat="1"' if number else "") + (' applyFont="1"' if font else "")
            body = f' applyAlignment="1">{align}</xf>' if align else "/>"
            xfs.append(f'<xf numFmtId="{number}" fontId="{font}" fillId="0" borderId="0" xfId="0"{applied}{body}')
        number_formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{_attribute(code)}"/>' for code, i in formats.items())
        font_xml = "".join(f'<font>{"<b/>" if bold else ""}{"<i/>" if italic else ""}<sz val="{size}"/><name val="Calibri"/>'
                           '<family val="2"/><scheme val="minor"/></font>' for bold, italic, size in fonts)
        return (f'<styleSheet xmlns="{MAIN}">' + (f'<numFmts count="{len(formats)}">{number_formats}</numFmts>' if formats else "")
                + f'<fonts count="{len(fonts)}">{font_xml}</fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
