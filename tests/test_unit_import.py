"""Unit tree import from Excel: all or nothing, every error located by row and column."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from contest.models import Role, Unit
from contest.services.units import flatten_tree, import_units, tree_order, unit_template, unit_tree
from tests.helpers import xlsx_bytes

HEADER = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Loại", "Số CBCCVC"]
GOOD_ROWS = [
    ["T01", "UBND tỉnh Thử Nghiệm", "", "Tỉnh", 0],
    ["T01-SNV", "Sở Nội vụ", "T01", "Sở/Ban/Ngành", 40],
    ["T01-SNV-01", "Phòng Cải cách hành chính", "T01-SNV", "Phòng", 8],
    ["T01-H01", "Huyện Đông Giang", "T01", "Huyện", "1.250"],
    ["T01-H01-X01", "Xã Đông Phong", "T01-H01", "xa", 25],
]


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Unit))


def _units(db_session) -> dict[str, Unit]:
    db_session.expire_all()
    return {u.code: u for u in db_session.scalars(select(Unit))}


def test_good_file_builds_the_tree(db_session):
    result = import_units(db_session, xlsx_bytes([HEADER, *GOOD_ROWS]), "donvi.xlsx")
    assert result.ok and (result.created, result.updated) == (5, 0)
    db_session.commit()
    units = _units(db_session)
    commune = units["T01-H01-X01"]
    assert commune.parent.code == "T01-H01" and commune.kind == "commune" and commune.headcount == 25
    assert units["T01-H01"].headcount == 1250 and units["T01-SNV"].kind == "department"
    assert commune.path == f"/{units['T01'].id}/{units['T01-H01'].id}/{commune.id}/" and commune.depth == 2


def test_headers_match_ignoring_case_spacing_diacritics_and_a_title_block(db_session):
    rows = [
        ["DANH SÁCH ĐƠN VỊ TỈNH THỬ NGHIỆM"],
        [],
        ["ma don vi", "  TÊN  ĐƠN VỊ ", "Mã Đơn Vị Cấp Trên", "LOẠI", "so cbccvc"],
        *GOOD_ROWS[:2],
        [None, None, None, None, None],
        GOOD_ROWS[2],
    ]
    result = import_units(db_session, xlsx_bytes(rows), "donvi.xlsx")
    assert result.ok and result.created == 3


def test_reimport_updates_by_code_and_can_move_a_unit(db_session):
    import_units(db_session, xlsx_bytes([HEADER, *GOOD_ROWS]), "donvi.xlsx")
    db_session.commit()
    changed = [["t01-snv-01", "Phòng CCHC (đổi tên)", "T01-H01", "Phòng", 9]]
    result = import_units(db_session, xlsx_bytes([HEADER, *changed]), "lan2.xlsx")
    assert result.ok and (result.created, result.updated) == (0, 1)
    db_session.commit()
    units = _units(db_session)
    office = units["T01-SNV-01"]
    assert (office.name, office.headcount, office.parent.code) == ("Phòng CCHC (đổi tên)", 9, "T01-H01")
    assert office.path == f"/{units['T01'].id}/{units['T01-H01'].id}/{office.id}/"
    assert _count(db_session) == 5


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (20 * 1024 * 1024) + b"/>")
    return buffer.getvalue()


def _row_refused(rows: list[list], row: int, column: str, message: str, id: str):
    """A file of HEADER and `rows`, refused with `message` located at `row` and `column`."""
    name = HEADER["ABCDE".index(column)]
    return pytest.param(xlsx_bytes([HEADER, *rows]), f"donvi.xlsx, trang tính “Sheet1”, dòng {row}, cột {column} ({name}): {message}", id=id)


BAD_FILES = [
    pytest.param(
        xlsx_bytes([["Mã đơn vị", "Tên đơn vị", "Loại", "Số CBCCVC"], ["A", "B", "Tỉnh", 1]]),
        "donvi.xlsx, trang tính “Sheet1”, dòng 1: Không tìm thấy dòng tiêu đề đầy đủ; thiếu cột: “Mã đơn vị cấp trên”.",
        id="missing-column",
    ),
    _row_refused([GOOD_ROWS[0], ["T01-X", "Xã X", "KHONGCO", "Xã", 3]], 3, "C",
                 "Không tìm thấy đơn vị cấp trên có mã “KHONGCO” (không có trong tệp và trong hệ thống).", "unknown-parent"),
    _row_refused([["A", "Đơn vị A", "B", "Phòng", 1], ["B", "Đơn vị B", "C", "Phòng", 1], ["C", "Đơn vị C", "A", "Phòng", 1]], 2, "C",
                 "Quan hệ cấp trên tạo thành vòng lặp: A → B → C → A.", "cycle"),
    _row_refused([["A", "Đơn vị A", "A", "Phòng", 1]], 2, "C", "Đơn vị không thể là cấp trên của chính nó.", "self-parent"),
    _row_refused([GOOD_ROWS[0], ["t01", "Trùng", "", "Tỉnh", 0]], 3, "A", "Mã đơn vị “T01” bị trùng với dòng 2.", "duplicate-code"),
    _row_refused([["A", "Đơn vị A", "", "Phòng", -5]], 2, "E", "Số CBCCVC không được âm.", "negative-headcount"),
    _row_refused([["A", "Đơn vị A", "", "Phòng", 3_000_000_000]], 2, "E", "Số CBCCVC “3000000000” vượt quá 1.000.000.", "headcount-too-large"),
    _row_refused([["A", "Đơn vị A", "", "Phòng", "mười"]], 2, "E", "Số CBCCVC “mười” phải là số nguyên không âm.", "headcount-not-a-number"),
    _row_refused([["A", "Đơn vị A", "", "Phòng", 12.5]], 2, "E", "Số CBCCVC “12.5” phải là số nguyên không âm.", "headcount-fraction"),
    _row_refused([["A", "Đơn vị A", "", "Tổ dân phố", 1]], 2, "D",
                 "Loại đơn vị “Tổ dân phố” không hợp lệ; dùng một trong: Tỉnh, Sở/Ban/Ngành, Huyện/Thị xã/Thành phố, Phòng/Đơn vị, "
                 "Xã/Phường/Thị trấn.", "unknown-kind"),
    _row_refused([["", "Đơn vị A", "", "Phòng", 1]], 2, "A", "Thiếu mã đơn vị.", "missing-code"),
    _row_refused([["A B", "Đơn vị A", "", "Phòng", 1]], 2, "A",
                 "Mã đơn vị “A B” không hợp lệ: chỉ gồm chữ cái không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới, tối đa 32 ký tự.",
                 "bad-code"),
    _row_refused([["A", "", "", "Phòng", 1]], 2, "B", "Thiếu tên đơn vị.", "missing-name"),
    pytest.param(b"", "donvi.xlsx: Tệp rỗng (0 byte).", id="empty-file"),
    pytest.param(
        "Mã đơn vị,Tên đơn vị\nA,B\n".encode(),
        "donvi.xlsx: Tệp không phải là tệp Excel .xlsx hợp lệ (có thể là CSV hoặc tệp khác bị đổi tên).",
        id="csv-renamed",
    ),
    pytest.param(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        "donvi.xlsx: Tệp được đặt mật khẩu hoặc là định dạng Excel 97-2003 (.xls). Hãy gỡ mật khẩu và lưu lại dưới dạng Excel Workbook (.xlsx).",
        id="password-protected-or-xls",
    ),
    pytest.param(
        _zip_bomb(),
        "donvi.xlsx: Tệp .xlsx giải nén ra quá lớn so với kích thước tệp (nghi là “zip bomb”); không xử lý.",
        id="zip-bomb",
    ),
    pytest.param(
        xlsx_bytes([["Ghi chú"]], extra_sheets={"An": ([HEADER, GOOD_ROWS[0]], "hidden")}),
        "donvi.xlsx: Trang tính “An” có dòng tiêu đề nhưng đang bị ẩn. Hãy hiện trang tính đó (hoặc chép dữ liệu sang trang hiện) rồi tải lên lại.",
        id="hidden-sheet",
    ),
    pytest.param(
        xlsx_bytes([HEADER]),
        "donvi.xlsx, trang tính “Sheet1”: Tệp có dòng tiêu đề nhưng không có đơn vị nào.",
        id="header-only",
    ),
    pytest.param(
        xlsx_bytes([]),
        "donvi.xlsx: Tệp không có dữ liệu (không tìm thấy dòng tiêu đề).",
        id="empty-workbook",
    ),
]


@pytest.mark.parametrize("content, message", BAD_FILES)
def test_bad_file_is_refused_with_its_location_and_writes_nothing(db_session, content, message):
    import_units(db_session, xlsx_bytes([HEADER, ["KEEP", "Đơn vị có sẵn", "", "Tỉnh", 3]]), "co-san.xlsx")
    db_session.commit()
    result = import_units(db_session, content, "donvi.xlsx")
    assert not result.ok
    assert [str(issue) for issue in result.issues][0] == message
    db_session.rollback()
    assert set(_units(db_session)) == {"KEEP"}


def test_every_bad_row_is_reported_not_only_the_first(db_session):
    rows = [HEADER, ["", "X", "", "Phòng", 1], ["B", "", "", "Phòng", -1], ["C", "Đơn vị C", "", "??", 1]]
    result = import_units(db_session, xlsx_bytes(rows), "donvi.xlsx")
    assert [(i.row, i.column) for i in result.issues] == [(2, "A"), (3, "B"), (3, "E"), (4, "D")]
    assert _count(db_session) == 0


def test_every_kind_of_problem_is_reported_in_one_pass(db_session):
    """Row errors do not hide the file-wide checks: a cycle, an unknown parent, a negative headcount and a
    duplicate code, even on rows that have other errors, all come back from the first upload."""
    rows = [
        HEADER,
        ["A", "Đơn vị A", "B", "Phòng", 1],
        ["B", "Đơn vị B", "A", "Phòng", 1],
        ["C", "Đơn vị C", "KHONGCO", "Phòng", -4],
        ["A", "Đơn vị A lần hai", "", "Phòng", 1],
        ["D", "Đơn vị D", "MATICH", "Phòng", "mười"],
    ]
    result = import_units(db_session, xlsx_bytes(rows), "donvi.xlsx")
    where = "donvi.xlsx, trang tính “Sheet1”"
    assert [str(i) for i in result.issues] == [
        f"{where}, dòng 2, cột C (Mã đơn vị cấp trên): Quan hệ cấp trên tạo thành vòng lặp: A → B → A.",
        f"{where}, dòng 4, cột E (Số CBCCVC): Số CBCCVC không được âm.",
        f"{where}, dòng 4, cột C (Mã đơn vị cấp trên): Không tìm thấy đơn vị cấp trên có mã “KHONGCO” (không có trong tệp và trong hệ thống).",
        f"{where}, dòng 5, cột A (Mã đơn vị): Mã đơn vị “A” bị trùng với dòng 2.",
        f"{where}, dòng 6, cột E (Số CBCCVC): Số CBCCVC “mười” phải là số nguyên không âm.",
        f"{where}, dòng 6, cột C (Mã đơn vị cấp trên): Không tìm thấy đơn vị cấp trên có mã “MATICH” (không có trong tệp và trong hệ thống).",
    ]
    db_session.rollback()
    assert _count(db_session) == 0


def test_merged_cells_do_not_hide_the_row_errors(db_session):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    for row in [HEADER, ["A", "Đơn vị A", "", "Tỉnh", 1], ["B", "Đơn vị B", "KHONGCO", "Phòng", 1], ["C", "", "", "Phòng", 1]]:
        sheet.append(row)
    sheet.merge_cells("D2:D3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_units(db_session, buffer.getvalue(), "donvi.xlsx")
    assert [(i.row, i.column, i.message[:20]) for i in result.issues] == [
        (2, "D", "Vùng ô D2:D3 đang đư"),
        (3, "D", "Thiếu loại đơn vị."),
        (3, "C", "Không tìm thấy đơn v"),
        (4, "B", "Thiếu tên đơn vị."),
    ]
    assert _count(db_session) == 0


def test_parent_may_already_exist_in_the_system(db_session):
    import_units(db_session, xlsx_bytes([HEADER, GOOD_ROWS[0]]), "a.xlsx")
    db_session.commit()
    result = import_units(db_session, xlsx_bytes([HEADER, ["T01-S2", "Sở Tư pháp", "T01", "Sở", 20]]), "b.xlsx")
    assert result.ok
    db_session.commit()
    assert _units(db_session)["T01-S2"].parent.code == "T01"


def test_cycle_through_existing_units_is_refused(db_session):
    import_units(db_session, xlsx_bytes([HEADER, ["A", "A", "", "Tỉnh", 0], ["B", "B", "A", "Sở", 0]]), "a.xlsx")
    db_session.commit()
    result = import_units(db_session, xlsx_bytes([HEADER, ["A", "A", "B", "Tỉnh", 0]]), "b.xlsx")
    assert [str(i) for i in result.issues] == [
        "b.xlsx, trang tính “Sheet1”, dòng 2, cột C (Mã đơn vị cấp trên): Quan hệ cấp trên tạo thành vòng lặp: A → B → A."
    ]


def test_template_is_a_valid_import_file(db_session):
    result = import_units(db_session, unit_template(), "mau.xlsx")
    assert result.ok and result.created == 3


def test_import_page_shows_errors_then_imports(client, db_session, login_as):
    login_as(Role.admin)
    bad = xlsx_bytes([HEADER, ["A", "Đơn vị A", "KHONGCO", "Phòng", 1]])
    response = client.post("/quan-tri/don-vi/nhap-excel", data={"file": (io.BytesIO(bad), "bad.xlsx")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Không tìm thấy đơn vị cấp trên có mã “KHONGCO”" in page and "Không có dữ liệu nào được ghi" in page
    good = xlsx_bytes([HEADER, *GOOD_ROWS])
    response = client.post("/quan-tri/don-vi/nhap-excel", data={"file": (io.BytesIO(good), "good.xlsx")})
    assert response.status_code == 302
    assert len(_units(db_session)) == 5


def test_import_page_refuses_other_extensions(client, login_as):
    login_as(Role.admin)
    response = client.post("/quan-tri/don-vi/nhap-excel", data={"file": (io.BytesIO(b"x"), "donvi.csv")})
    assert response.status_code == 422
    assert "Chỉ nhận tệp Excel .xlsx." in response.get_data(as_text=True)


def test_tree_order_from_rows_is_the_trees_order(db_session):
    """units.tree_order (reports order their own rows with it) reads as flatten_tree(unit_tree(...)): depth-first,
    siblings by code, whatever order the rows come in; a unit whose parent is not among them is a top."""
    import_units(db_session, xlsx_bytes([HEADER, *GOOD_ROWS, ["T01-A", "Ban A", "T01", "Sở/Ban/Ngành", 1],
                                         ["T01-SNV-00", "Văn phòng Sở", "T01-SNV", "Phòng", 3]]), "donvi.xlsx")
    db_session.commit()
    units = sorted(_units(db_session).values(), key=lambda u: u.name)  # neither tree nor code order
    rows = [(u.id, u.parent_id, u.code) for u in units]
    expected = [node.unit.id for node in flatten_tree(unit_tree(db_session))]
    code = {u.id: u.code for u in units}
    assert tree_order(rows) == expected
    assert [code[i] for i in tree_order(rows)] == ["T01", "T01-A", "T01-H01", "T01-H01-X01", "T01-SNV", "T01-SNV-00", "T01-SNV-01"]
    department = [r for r in rows if r[2].startswith("T01-SNV")]
    assert [code[i] for i in tree_order(department)] == ["T01-SNV", "T01-SNV-00", "T01-SNV-01"]
