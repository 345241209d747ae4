"""Bounds on what an uploaded .xlsx may make us do, checked before openpyxl reads it.

An .xlsx is a zip of XML parts. Before any of it is parsed for real, the package is inspected
cheaply: the file's size, the number of zip entries and the total they inflate to (from the zip
directory, which zipfile enforces while inflating), then one streamed pass of expat over every
XML part that stops at the first problem: a DTD (entity declarations, "billion laughs"), nesting
deeper than any spreadsheet needs, too many elements, or in a sheet too many rows (blank ones
included: a row's number counts, not whether it holds anything), columns or cells. A sheet's
`<dimension ref>`, when it declares a size past the bounds, refuses it at once.

So a hostile file costs at most one pass over a bounded number of bytes and elements, and each
refusal is a clear Vietnamese message naming the file and the limit.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from xml.parsers import expat

from openpyxl.utils.cell import column_index_from_string, get_column_letter

MAX_FILE_BYTES = 20 * 1024 * 1024  # the .xlsx itself (uploads are also capped by MAX_UPLOAD_BYTES)
MAX_ZIP_ENTRIES = 500  # a workbook of a hundred sheets with their parts stays far below
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # every part inflated; a 50,000-row staff list is about 17 MB
MAX_COMPRESSION_RATIO = 200  # inflated / compressed over the whole package
MAX_SHEET_COLUMNS = 200  # column GR; the importers need at most 17
SPARE_SHEET_ROWS = 10_000  # rows allowed beyond an importer's data rows: title block, blank and formatted rows
MAX_SHEET_CELLS = 400_000  # cells (with or without a value) over all sheets; a 50,000-row staff list has 250,000
MAX_XML_ELEMENTS = 1_500_000  # elements over all parts (that staff list: 850,000); bounds the inspection to about a second
MAX_XML_DEPTH = 100  # nesting of elements; Excel's deepest parts (charts) need about 20

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
_ROW = {f"{ns}}}row" for ns in _MAIN_NAMESPACES}
_CELL = {f"{ns}}}c" for ns in _MAIN_NAMESPACES}
_DIMENSION = {f"{ns}}}dimension" for ns in _MAIN_NAMESPACES}
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")  # a cell's start tag, any prefix
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
_CHUNK = 64 * 1024
SPECIFIC_SCAN_BYTES = 1024 * 1024  # see _Inspection._count
BROKEN = "Tệp .xlsx bị hỏng hoặc không đúng cấu trúc, không đọc được."


class WorkbookRefused(Exception):
    """The workbook is past one of the bounds (or not a workbook); `sheet` names where, when known."""

    def __init__(self, message: str, sheet: str | None = None):
        super().__init__(message)
        self.message = message
        self.sheet = sheet


def number(n: int) -> str:
    """An integer with Vietnamese thousands separators: 16.384 (what contest.formats.format_number writes for an
    int; question_bank does not import contest, so the package keeps this one-line copy)."""
    return f"{n:,}".replace(",", ".")


def _megabytes(n: int) -> str:
    return f"{n / 2**20:.1f}".replace(".", ",").removesuffix(",0") + " MB"


def inspect_workbook(data: bytes, file: str, max_sheet_rows: int) -> None:
    """Raise WorkbookRefused unless `data` is an .xlsx package within every bound.

    `max_sheet_rows` is the importer's own bound on a sheet's rows, blank ones included.
    """
    archive = _open_package(data, file)
    with archive:
        _Inspection(archive, file, max_sheet_rows).run()


def _open_package(data: bytes, file: str) -> zipfile.ZipFile:
    if not data:
        raise WorkbookRefused("Tệp rỗng (0 byte).")
    if data.startswith(OLE_MAGIC):
        raise WorkbookRefused(
            "Tệp được đặt mật khẩu hoặc là định dạng Excel 97-2003 (.xls). "
            "Hãy gỡ mật khẩu và lưu lại dưới dạng Excel Workbook (.xlsx)."
        )
    if len(data) > MAX_FILE_BYTES:
        raise WorkbookRefused(f"Tệp {file} nặng {_megabytes(len(data))}; tối đa {_megabytes(MAX_FILE_BYTES)}.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookRefused("Tệp không phải là tệp Excel .xlsx hợp lệ (có thể là CSV hoặc tệp khác bị đổi tên).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WorkbookRefused("Tệp .xlsx bị hỏng, không đọc được.") from None
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise WorkbookRefused(
            f"Tệp {file} chứa {number(len(entries))} thành phần nén; tối đa {number(MAX_ZIP_ENTRIES)}. "
            "Đây không phải bảng tính thông thường; hãy mở bằng Excel và lưu lại."
        )
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookRefused(
            f"Tệp {file} giải nén ra {_megabytes(total)} dữ liệu; tối đa {_megabytes(MAX_UNCOMPRESSED_BYTES)} "
            "(tệp quá lớn hoặc là “zip bomb”); không xử lý. Hãy xóa dữ liệu thừa hoặc chia thành nhiều tệp."
        )
    if total / (sum(entry.compress_size for entry in entries) or 1) > MAX_COMPRESSION_RATIO:
        raise WorkbookRefused("Tệp .xlsx giải nén ra quá lớn so với kích thước tệp (nghi là “zip bomb”); không xử lý.")
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise WorkbookRefused("Tệp nén không phải là bảng tính Excel .xlsx.")
    return archive


def _may_be_xml(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """Whether openpyxl could parse this part as XML: judged by its first byte, not its name, since a
    relationship may point a sheet at any name. Pictures and other binary parts are skipped."""
    if entry.is_dir() or entry.file_size == 0:
        return False
    try:
        with archive.open(entry) as stream:
            first = stream.read(1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        raise WorkbookRefused("Tệp .xlsx bị hỏng, không đọc được.") from None
    # "<", white space, or a byte-order mark (UTF-8, UTF-16/32): expat is told the part is UTF-8, as Excel writes it.
    return first in (b"<", b" ", b"\t", b"\r", b"\n", b"\xef", b"\xfe", b"\xff", b"\x00")


class _Inspection:
    """One streamed expat pass over every XML part, counting as it goes and stopping at the first bound.

    Elements and cells are counted on the raw bytes before expat reads any part; the pass itself costs
    one Python call per element (an element's end is counted by a C-level list.append), so
    MAX_XML_ELEMENTS bounds its time as well.
    """

    def __init__(self, archive: zipfile.ZipFile, file: str, max_sheet_rows: int):
        self.archive, self.file, self.max_rows = archive, file, max_sheet_rows
        self.elements = self.cells = 0
        self.past_counts: WorkbookRefused | None = None  # the count bound a file is past, if any
        self.scanned = 0  # bytes given to expat
        self.part = ""
        self._names: dict[str, str] | None = None

    def run(self) -> None:
        # The workbook and its relationships first: they name the sheets in later messages.
        first = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
        entries = sorted((e for e in self.archive.infolist() if _may_be_xml(self.archive, e)), key=lambda e: e.filename not in first)
        for entry in entries:
            self._count(entry)
            if self.past_counts:
                break
        for entry in entries:
            self._scan(entry)
        if self.past_counts:
            raise self.past_counts

    def refuse(self, message: str) -> None:
        raise WorkbookRefused(message, sheet=self._sheet_name(self.part))

    def _scan(self, entry: zipfile.ZipInfo) -> None:
        self.part = entry.filename
        parser = expat.ParserCreate("utf-8", namespace_separator="}")
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._doctype
        parser.StartElementHandler, parser.EndElementHandler = self._handlers()
        try:
            with self.archive.open(entry) as stream:
                while chunk := stream.read(_CHUNK):
                    self.scanned += len(chunk)
                    if self.past_counts and self.scanned > SPECIFIC_SCAN_BYTES:
                        raise self.past_counts
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            raise WorkbookRefused(BROKEN) from None
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise WorkbookRefused("Tệp .xlsx bị hỏng, không đọc được.") from None

    def _handlers(self):
        """The start handler, and the end one (a list's append: depth = starts - ends)."""
        ended: list[str] = []
        started = 0
        row = column = 0
        columns: dict[str, int] = {}  # column letters -> index, computed once per letters

        def start(name: str, attributes: dict[str, str]) -> None:
            nonlocal started, row, column
            started += 1
            depth = started - len(ended)
            if depth > MAX_XML_DEPTH:
                self.refuse(
                    f"Tệp {self.file} có các thành phần XML lồng nhau từ {number(depth)} cấp trở lên; "
                    f"tối đa {MAX_XML_DEPTH} cấp. Đây không phải bảng tính do Excel tạo; hãy mở bằng Excel và lưu lại."
                )
            if name in _CELL:
                # As openpyxl numbers cells: the column of the r attribute, else one past the previous cell.
                ref = attributes.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    column = columns.get(letters) or columns.setdefault(letters, self._column_index(letters))
                else:
                    column += 1
                if column > MAX_SHEET_COLUMNS:
                    self._too_many_columns(f"từ {number(column)} cột trở lên (tới cột {get_column_letter(min(column, 18_278))})")
            elif name in _ROW:
                # As openpyxl numbers rows: the r attribute, else one past the previous row.
                ref = attributes.get("r")
                row = self._integer(ref) if ref is not None else row + 1
                column = 0
                if row > self.max_rows:
                    self._too_many_rows(f"từ {number(row)} dòng trở lên")
            elif name in _DIMENSION:
                self._dimension(attributes.get("ref", ""))

        return start, ended.append

    def _count(self, entry: zipfile.ZipInfo) -> None:
        """Count a part's elements and cells on its raw bytes, at C speed, before any expat pass. A
        file past either count is refused after expat has read at most SPECIFIC_SCAN_BYTES of it,
        looking for a more telling problem first (a declared size, a wide first row, deep nesting).
        Both counts are close upper bounds (comments count, a tag split between chunks may count twice)."""
        self.part = entry.filename
        try:
            with self.archive.open(entry) as stream:
                while chunk := stream.read(_CHUNK):
                    self.elements += chunk.count(b"<") - chunk.count(b"</")
                    self.cells += len(_CELL_TAG.findall(chunk))
                    if self.elements > MAX_XML_ELEMENTS:
                        message = (f"Tệp {self.file} quá phức tạp: có từ {number(self.elements)} phần tử XML trở lên; "
                                   f"tối đa {number(MAX_XML_ELEMENTS)}.")
                    elif self.cells > MAX_SHEET_CELLS:
                        message = f"Tệp {self.file} có từ {number(self.cells)} ô trở lên; tối đa {number(MAX_SHEET_CELLS)} ô."
                    else:
                        continue
                    self.past_counts = WorkbookRefused(message, sheet=self._sheet_name(self.part))
                    return
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise WorkbookRefused("Tệp .xlsx bị hỏng, không đọc được.") from None

    def _column_index(self, letters: str) -> int:
        try:
            return column_index_from_string(letters)
        except (ValueError, KeyError):
            self.refuse(BROKEN)

    def _integer(self, text: str) -> int:
        try:
            return int(text)
        except ValueError:
            self.refuse(BROKEN)

    def _doctype(self, *_args) -> None:
        self.refuse(
            f"Tệp {self.file} chứa khai báo DTD hoặc thực thể XML (kiểu tấn công “billion laughs”); "
            "bảng tính Excel không dùng khai báo này nên tệp không được xử lý."
        )

    def _dimension(self, ref: str) -> None:
        """A declared size past the bounds refuses the sheet at once; a smaller one is not trusted."""
        match = _REF.match(ref.rpartition(":")[2])
        if match is None:
            return
        columns, rows = column_index_from_string(match[1]), int(match[2])
        if columns > MAX_SHEET_COLUMNS:
            self._too_many_columns(number(columns) + " cột")
        if rows > self.max_rows:
            self._too_many_rows(number(rows) + " dòng")

    def _too_many_columns(self, count: str) -> None:
        self.refuse(f"Tệp {self.file} có {count}; tối đa {number(MAX_SHEET_COLUMNS)} cột. Hãy xóa các cột thừa rồi tải lên lại.")

    def _too_many_rows(self, count: str) -> None:
        self.refuse(
            f"Tệp {self.file} có {count} (kể cả dòng trống); tối đa {number(self.max_rows)} dòng. "
            "Hãy xóa các dòng thừa ở cuối trang tính hoặc chia thành nhiều tệp."
        )

    def _sheet_name(self, part: str) -> str | None:
        """The name of the sheet stored in `part` (None for a part that is not a sheet), from the
        workbook and its relationships, which were inspected first."""
        if self._names is None:
            self._names = _sheet_names(self.archive)
        return self._names.get(part)


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part path -> sheet name, read with expat; a DTD there gives up the names (it is refused anyway)."""
    targets: dict[str, str] = {}
    sheets: list[tuple[str, str]] = []

    def no_dtd(*_args) -> None:
        raise ValueError("a DTD")  # refused by the inspection; here only the names are given up

    def collect(handler: Callable[[str, dict[str, str]], None], part: str) -> None:
        parser = expat.ParserCreate("utf-8", namespace_separator="}")
        parser.StartElementHandler = handler
        parser.StartDoctypeDeclHandler = no_dtd
        try:
            parser.Parse(archive.read(part), True)
        except (KeyError, ValueError, expat.ExpatError, zipfile.BadZipFile, OSError, EOFError, RuntimeError):
            pass

    def relationship(name: str, attributes: dict[str, str]) -> None:
        if name.endswith("}Relationship") and "Id" in attributes:
            target = attributes.get("Target", "")
            targets[attributes["Id"]] = target.lstrip("/") if target.startswith("/") else "xl/" + target

    def sheet(name: str, attributes: dict[str, str]) -> None:
        if name.endswith("}sheet"):
            rel = next((v for k, v in attributes.items() if k.endswith("}id")), "")
            sheets.append((rel, attributes.get("name", "")))

    collect(relationship, "xl/_rels/workbook.xml.rels")
    collect(sheet, "xl/workbook.xml")
    return {targets[rel]: title for rel, title in sheets if rel in targets}
