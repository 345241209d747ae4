"""Costly workbooks: each upload (units, questions, staff lists) refuses a workbook past the bounds of
question_bank/workbook_limits.py with a clear message naming the file and the limit, writes nothing,
and never answers 500. The files come from tests/hostile_workbooks.py (bench/hostile_uploads.py times
the same corpus); times are not asserted here."""

from __future__ import annotations

import functools
import html
import io
import zipfile
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from contest.models import AuditEntry, PendingImport, Question, Role, StaffMember, Unit, UnitKind
from contest.services.staff import MAX_STAFF_ROWS, STAFF_COLUMNS
from contest.services.units import MAX_UNIT_ROWS, UNIT_COLUMNS
from question_bank import xlsx as spreadsheet
from question_bank.excel import MAX_QUESTION_ROWS, TEMPLATE_COLUMNS
from question_bank.xlsx import read_table
from question_bank.workbook_limits import (
    MAX_FILE_BYTES,
    MAX_SHEET_CELLS,
    MAX_SHEET_COLUMNS,
    MAX_XML_DEPTH,
    MAX_XML_ELEMENTS,
    MAX_ZIP_ENTRIES,
    SPARE_SHEET_ROWS,
    number,
)
from tests import hostile_workbooks as hostile
from tests.helpers import post_file

# upload -> (role allowed to upload, file name, header, the importer's row bound, blank rows included)
UPLOADS = {
    "units": (Role.admin, "donvi.xlsx", [c.header for c in UNIT_COLUMNS], MAX_UNIT_ROWS + SPARE_SHEET_ROWS),
    "questions": (Role.organizer, "cauhoi.xlsx", [c.header for c in TEMPLATE_COLUMNS], MAX_QUESTION_ROWS + SPARE_SHEET_ROWS),
    "staff": (Role.unit_manager, "ds.xlsx", [c.header for c in STAFF_COLUMNS], MAX_STAFF_ROWS + SPARE_SHEET_ROWS),
}
ROWS = "(kể cả dòng trống); tối đa {limit} dòng."

# case -> (builder of the file from a header, the message expected; {file} and {limit} filled in)
CASES: dict[str, tuple[Callable[[list[str]], bytes], str]] = {
    "wide": (hostile.wide, f"Tệp {{file}} có 16.384 cột; tối đa {MAX_SHEET_COLUMNS} cột."),
    "wide-without-dimension": (lambda h: hostile.wide(h, dimension=False),
                               f"Tệp {{file}} có từ 201 cột trở lên (tới cột GS); tối đa {MAX_SHEET_COLUMNS} cột."),
    "long": (hostile.long, "Tệp {file} có 200.001 dòng " + ROWS),
    "long-without-dimension": (lambda h: hostile.long(h, dimension=False, columns=1), "Tệp {file} có từ {next} dòng trở lên " + ROWS),
    "blank-rows": (hostile.blank_rows, "Tệp {file} có 1.900.001 dòng " + ROWS),
    "blank-rows-without-dimension": (lambda h: hostile.blank_rows(h, dimension=False), "Tệp {file} có từ {next} dòng trở lên " + ROWS),
    "far-row": (hostile.far_row, "Tệp {file} có từ 1.048.576 dòng trở lên " + ROWS),
    "many-cells": (lambda h: hostile.wide(h, columns=MAX_SHEET_COLUMNS, rows=MAX_SHEET_CELLS // MAX_SHEET_COLUMNS + 1),
                   f"ô trở lên; tối đa {number(MAX_SHEET_CELLS)} ô."),
    "zip-bomb": (hostile.zip_bomb, "Tệp {file} giải nén ra 300 MB dữ liệu; tối đa 50 MB (tệp quá lớn hoặc là “zip bomb”); không xử lý."),
    "many-entries": (hostile.many_entries, f"thành phần nén; tối đa {MAX_ZIP_ENTRIES}."),
    "many-elements": (hostile.many_elements,
                      f"phần tử XML trở lên; tối đa {number(MAX_XML_ELEMENTS)}."),
    "deep-xml": (hostile.deep_xml, f"Tệp {{file}} có các thành phần XML lồng nhau từ {MAX_XML_DEPTH + 1} cấp trở lên; tối đa {MAX_XML_DEPTH} cấp."),
    "billion-laughs": (hostile.billion_laughs, "Tệp {file} chứa khai báo DTD hoặc thực thể XML (kiểu tấn công “billion laughs”)"),
}


@functools.cache
def hostile_file(case: str, upload: str) -> bytes:
    return CASES[case][0](UPLOADS[upload][2])


def expected_message(case: str, upload: str) -> str:
    _, file, _, limit = UPLOADS[upload]
    return CASES[case][1].format(file=file, limit=number(limit), next=number(limit + 1))


def stored(session) -> dict[str, int]:
    session.expire_all()
    return {model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Unit, Question, StaffMember, PendingImport, AuditEntry)}


@pytest.fixture
def uploader(client, db_session, login_as, make_unit, make_bank):
    """uploader(kind) logs in as the role that may use that upload and returns post(content), which
    sends `content` through the real form (a unit manager uploads staff lists of their own unit)."""

    def log_in(kind: str):
        role, file, _, _ = UPLOADS[kind]
        host = make_unit("HOST", kind=UnitKind.province)
        login_as(role, unit=None if role == Role.admin else host)
        url = {"units": "/quan-tri/don-vi/nhap-excel", "staff": "/bao-cao/danh-sach-can-bo"}.get(kind)
        extra = {}
        if kind == "questions":
            url = f"/ban-to-chuc/ngan-hang/{make_bank(per_topic=1, owner=host).id}/nhap"
            extra = {"file_format": "", "default_topic": "", "default_difficulty": "2"}
        db_session.commit()
        return lambda content: post_file(client, url, content, file, **extra)

    return log_in


@pytest.mark.parametrize("kind", UPLOADS)
@pytest.mark.parametrize("case", CASES)
def test_each_upload_refuses_each_costly_workbook_and_writes_nothing(uploader, db_session, kind, case):
    post = uploader(kind)
    before = stored(db_session)
    response = post(hostile_file(case, kind))
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert expected_message(case, kind) in page, page[page.find("Danh sách lỗi"):][:1500]
    assert stored(db_session) == before


def test_a_staff_list_at_the_bounds_is_imported_by_a_unit_manager(uploader, db_session):
    """The bounds leave room for real files: as many columns as allowed, a title block, blank rows
    up to the row bound."""
    header = [c.header for c in STAFF_COLUMNS] + [f"Ghi chú {i}" for i in range(MAX_SHEET_COLUMNS - len(STAFF_COLUMNS))]
    rows = [["Danh sách cán bộ"], [], header, ["Nguyễn Văn An", "001090012345", "0912345678", "HOST", ""]]
    content = hostile.workbook_with_sheet([
        hostile.WORKSHEET_OPEN, b"<sheetData>",
        *(hostile.text_row(number, row) for number, row in enumerate(rows, start=1)),
        *(b'<row r="%d"/>' % number for number in range(len(rows) + 1, MAX_STAFF_ROWS + SPARE_SHEET_ROWS + 1)),
        b"</sheetData></worksheet>",
    ])
    response = uploader("staff")(content)
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-3000:]
    assert stored(db_session)["StaffMember"] == 1


@pytest.mark.parametrize("rows, refused", [(SPARE_SHEET_ROWS + 9, False), (SPARE_SHEET_ROWS + 10, True)])
def test_blank_rows_count_towards_the_row_bound(rows, refused):
    """max_rows = 10 allows 10 + SPARE_SHEET_ROWS rows in all: the header and rows - 1 blank ones ... one more is refused."""
    header = [c.header for c in STAFF_COLUMNS]
    table, issues = read_table(hostile.blank_rows(header, rows=rows, dimension=False), "ds.xlsx", STAFF_COLUMNS, max_rows=10)
    assert (table is None) == refused
    assert [i.message.split(" (")[0] for i in issues] == ([f"Tệp ds.xlsx có từ {number(SPARE_SHEET_ROWS + 11)} dòng trở lên"] if refused else [])


def test_a_file_past_the_size_bound_is_refused_unread():
    table, issues = read_table(io.BytesIO(b"PK\x03\x04" + bytes(MAX_FILE_BYTES)), "to.xlsx", STAFF_COLUMNS)
    assert table is None and [str(i) for i in issues] == ["to.xlsx: Tệp to.xlsx nặng 20 MB; tối đa 20 MB."]


def test_entities_are_refused_in_any_part_not_only_the_sheets():
    strings = b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x "x">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    content = hostile.workbook_with_sheet([hostile.WORKSHEET_OPEN, b"<sheetData/></worksheet>"], {"xl/sharedStrings.xml": strings})
    table, issues = read_table(content, "ds.xlsx", STAFF_COLUMNS)
    assert table is None and issues[0].sheet is None and "chứa khai báo DTD hoặc thực thể XML" in issues[0].message


def test_a_sheet_stored_under_any_name_is_inspected():
    """openpyxl follows the workbook's relationships to a sheet whatever its name: so does the inspection."""
    source = zipfile.ZipFile(io.BytesIO(hostile.far_row([c.header for c in STAFF_COLUMNS])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"worksheets/sheet1.xml", b"worksheets/data.bin")
            archive.writestr("xl/worksheets/data.bin" if entry.filename == hostile.SHEET_PART else entry.filename, content)
    table, issues = read_table(buffer.getvalue(), "ds.xlsx", STAFF_COLUMNS)
    assert table is None and issues[0].sheet == "Dữ liệu" and "có từ 1.048.576 dòng trở lên" in issues[0].message


def test_header_detection_folds_each_cell_of_its_window_once(monkeypatch):
    """A sheet as wide as allowed with no header: 30 rows × 200 columns are folded once each (plus the
    importer's own headers), instead of once per cell and known column as before."""
    calls = 0
    fold = spreadsheet.header_key

    def counting(text: str) -> str:
        nonlocal calls
        calls += 1
        return fold(text)

    monkeypatch.setattr(spreadsheet, "header_key", counting)
    content = hostile.wide(["Không phải tiêu đề"], columns=MAX_SHEET_COLUMNS, rows=60)
    table, issues = read_table(content, "ds.xlsx", STAFF_COLUMNS)
    assert table is None and "Không tìm thấy dòng tiêu đề đầy đủ" in issues[0].message
    known = sum(1 + len(c.aliases) for c in STAFF_COLUMNS)
    # _find_header and _best_partial_header each look at the window once.
    assert calls <= 2 * (spreadsheet.HEADER_SEARCH_ROWS * MAX_SHEET_COLUMNS + known)
