"""Units named with their parent wherever they are shown (issue 20, item 3), and what a unit manager exports
(item 7): the "Chưa tham gia" workbook of their subtree and a staff template listing their own codes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from contest.models import Role, UnitKind
from contest.services import attempts as attempt_service
from contest.services import staff as staff_service
from tests.conftest import T0
from tests.helpers import POLICY, xlsx_bytes

STAFF_HEADER = ["Họ và tên", "CCCD", "Số điện thoại", "Mã đơn vị", "Chức vụ"]


@pytest.fixture
def tree(db_session, make_unit, make_user, make_contest, make_bank):
    """Two departments, each with an office called "Văn phòng Sở"; one person of each office has taken part."""
    province = make_unit("P", kind=UnitKind.province, headcount=0, name="UBND tỉnh")
    finance = make_unit("P-TC", parent=province, kind=UnitKind.department, headcount=5, name="Sở Tài chính")
    home = make_unit("P-NV", parent=province, kind=UnitKind.department, headcount=5, name="Sở Nội vụ")
    finance_office = make_unit("P-TC-VP", parent=finance, headcount=4, name="Văn phòng Sở")
    home_office = make_unit("P-NV-VP", parent=home, headcount=4, name="Văn phòng Sở")
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=2), per_topic=2)
    round_ = contest.rounds[0]
    players = []
    for unit, name in [(finance_office, "Người Tài Chính"), (home_office, "Người Nội Vụ")]:
        user = make_user(unit=unit, full_name=name)
        attempt = attempt_service.start_attempt(db_session, user, round_, T0, POLICY)
        attempt_service.submit_attempt(db_session, attempt, T0 + timedelta(minutes=2), POLICY)
        players.append(user)
    db_session.commit()
    return {"province": province, "finance": finance, "home": home, "finance_office": finance_office, "home_office": home_office,
            "contest": contest, "round": round_, "players": players}


def _sheet(client, path, title=None):
    with client.get(path) as response:
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        book = load_workbook(io.BytesIO(response.data))
        return book[title] if title else book.active


def test_display_name_names_the_parent_below_the_top_level(tree):
    assert tree["finance_office"].display_name == "Văn phòng Sở — Sở Tài chính"
    assert tree["home_office"].display_name == "Văn phòng Sở — Sở Nội vụ"
    assert tree["finance"].display_name == "Sở Tài chính"  # under the province, which every unit shares
    assert tree["province"].display_name == "UBND tỉnh"


def test_registration_picker_and_rankings_tell_the_two_offices_apart(client, login_as, clock, tree):
    register = client.get("/dang-ky").get_data(as_text=True)
    assert f'<option value="{tree["finance_office"].id}">Văn phòng Sở — Sở Tài chính (P-TC-VP)</option>' in register
    assert f'<option value="{tree["home_office"].id}">Văn phòng Sở — Sở Nội vụ (P-NV-VP)</option>' in register
    login_as(Role.organizer, unit=tree["province"])
    board = client.get(f"/cuoc-thi/{tree['contest'].id}/xep-hang").get_data(as_text=True)
    assert "Văn phòng Sở — Sở Tài chính" in board and "Văn phòng Sở — Sở Nội vụ" in board
    report = client.get(f"/bao-cao/cuoc-thi/{tree['contest'].id}/don-vi").get_data(as_text=True)
    assert "Văn phòng Sở — Sở Tài chính" in report and "Văn phòng Sở — Sở Nội vụ" in report


def test_admin_user_list_names_units_with_their_parent_in_a_fixed_number_of_queries(app, client, db_session, login_as,
                                                                                     make_unit, make_user, tree):
    login_as(Role.admin)

    def queries_for_user_list() -> int:
        statements = []

        def count(*args):
            if args[2].lstrip().upper().startswith("SELECT"):  # not the BEGIN a session may or may not send
                statements.append(args[2])

        event.listen(app.extensions["db_engine"], "before_cursor_execute", count)
        try:
            page = client.get("/quan-tri/nguoi-dung").get_data(as_text=True)
        finally:
            event.remove(app.extensions["db_engine"], "before_cursor_execute", count)
        assert "Văn phòng Sở — Sở Tài chính" in page and "Văn phòng Sở — Sở Nội vụ" in page
        return len(statements)

    few = queries_for_user_list()
    for number in range(6):  # six more people, each in an office of a department of their own
        department = make_unit(f"P-S{number}", parent=tree["province"], kind=UnitKind.department, name=f"Sở số {number}")
        make_user(unit=make_unit(f"P-S{number}-VP", parent=department, name="Văn phòng Sở"))
    db_session.commit()
    assert queries_for_user_list() == few


def test_exports_add_unit_code_and_parent_columns(client, login_as, clock, tree):
    login_as(Role.organizer, unit=tree["province"])
    results = _sheet(client, f"/bao-cao/cuoc-thi/{tree['contest'].id}/xuat/ket-qua.xlsx")
    header = [c.value for c in results[6]]
    assert header[2:5] == ["Mã đơn vị", "Đơn vị", "Đơn vị cấp trên"]
    rows = {r[1]: r[2:5] for r in results.iter_rows(min_row=7, values_only=True)}
    assert rows == {"Người Tài Chính": ("P-TC-VP", "Văn phòng Sở — Sở Tài chính", "Sở Tài chính"),
                    "Người Nội Vụ": ("P-NV-VP", "Văn phòng Sở — Sở Nội vụ", "Sở Nội vụ")}
    participation = _sheet(client, f"/bao-cao/cuoc-thi/{tree['contest'].id}/xuat/tham-gia.xlsx")
    assert [c.value for c in participation[7]][:3] == ["Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên"]
    units = {r[0]: r[1:3] for r in participation.iter_rows(min_row=8, values_only=True)}
    assert units["P-TC-VP"] == ("        Văn phòng Sở — Sở Tài chính", "Sở Tài chính")
    assert units["P-TC"] == ("    Sở Tài chính", "UBND tỉnh")


def test_report_unit_filter_is_a_picker_of_the_users_subtree(client, login_as, clock, tree):
    login_as(Role.unit_manager, unit=tree["finance"])
    page = client.get(f"/bao-cao/cuoc-thi/{tree['contest'].id}/chua-tham-gia?don_vi=P-TC-VP").get_data(as_text=True)
    picker = page.split('<select class="form-select" id="don_vi" name="don_vi" data-filterable>')[1].split("</select>")[0]
    assert '<option value="P-TC">Sở Tài chính (P-TC)</option>' in picker
    assert '<option value="P-TC-VP" selected>Văn phòng Sở — Sở Tài chính (P-TC-VP)</option>' in picker
    assert "P-NV" not in picker and '"P"' not in picker  # nothing outside the manager's subtree is offered


@pytest.fixture
def staff_lists(db_session, tree):
    """Staff lists of both departments: in each, the person who took part and one who did not."""
    rows = [STAFF_HEADER,
            ["Người Tài Chính", "", tree["players"][0].phone, "P-TC-VP", ""],
            ["Chưa Thi Tài Chính", "", "0911000001", "P-TC-VP", "Chuyên viên"],
            ["Chưa Thi Nội Vụ", "", "0911000002", "P-NV-VP", ""]]
    result = staff_service.import_staff(db_session, xlsx_bytes(rows), "ds.xlsx", None)
    assert result.ok, result.issues
    db_session.commit()


def test_unit_manager_exports_the_non_participants_of_their_subtree_only(client, db_session, login_as, make_user, clock, tree,
                                                                         staff_lists):
    make_user(unit=tree["finance_office"], full_name="Tài Khoản Chưa Nộp")
    make_user(unit=tree["home_office"], full_name="Tài Khoản Nội Vụ")
    db_session.commit()
    login_as(Role.unit_manager, unit=tree["finance"])
    contest_id = tree["contest"].id
    page = client.get(f"/bao-cao/cuoc-thi/{contest_id}/chua-tham-gia").get_data(as_text=True)
    assert f'href="/bao-cao/cuoc-thi/{contest_id}/xuat/chua-tham-gia.xlsx"' in page
    sheet = _sheet(client, f"/bao-cao/cuoc-thi/{contest_id}/xuat/chua-tham-gia.xlsx")
    assert sheet.title == "Chưa tham gia" and sheet["A1"].value == "DANH SÁCH CHƯA THAM GIA"
    assert sheet["A3"].value == "Phạm vi: Toàn cuộc thi — đơn vị: Sở Tài chính (P-TC)"
    header_row = next(r for r in range(1, 10) if sheet.cell(row=r, column=1).value == "Họ và tên")
    assert [c.value for c in sheet[header_row]] == ["Họ và tên", "Chức vụ", "Mã đơn vị", "Đơn vị", "Đơn vị cấp trên", "Số điện thoại", "Nguồn"]
    assert sheet[header_row][0].font.b and sheet.freeze_panes == f"A{header_row + 1}"
    below = list(sheet.iter_rows(min_row=header_row + 1, values_only=True))
    end = next(i for i, r in enumerate(below) if not any(r))
    rows, footer = below[:end], below[end + 1]
    staff = sum(r[6] == "Danh sách cán bộ" for r in rows)
    # The counts come after the table (the rows are streamed): staff-list people, then accounts.
    assert footer[0] == f"Theo danh sách cán bộ: {staff} người; tài khoản đã đăng ký nhưng chưa nộp bài: {len(rows) - staff}"
    names = [r[0] for r in rows]
    # The manager's own "Tài Khoản" account (the login_as user, in P-TC) has not taken part either.
    assert names[0] == "Chưa Thi Tài Chính" and "Tài Khoản Chưa Nộp" in names
    assert rows[0] == ("Chưa Thi Tài Chính", "Chuyên viên", "P-TC-VP", "Văn phòng Sở — Sở Tài chính", "Sở Tài chính", "0911000001",
                       "Danh sách cán bộ")
    assert not any("Nội Vụ" in name for name in names) and "Người Tài Chính" not in names
    assert all(r[2] in ("P-TC", "P-TC-VP") for r in rows)
    refused = client.get(f"/bao-cao/cuoc-thi/{contest_id}/xuat/chua-tham-gia.xlsx?don_vi=P-NV-VP")
    assert refused.status_code == 403


def test_staff_template_lists_the_codes_of_the_managers_subtree(client, login_as, tree):
    login_as(Role.unit_manager, unit=tree["finance"])
    with client.get("/bao-cao/danh-sach-can-bo/tep-mau.xlsx") as response:
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.data))
    lists = book["Danh mục"]
    assert [c.value for c in lists["A"]] == ["Mã đơn vị", "P-TC", "P-TC-VP"]
    codes = book["Mã đơn vị"]
    assert [tuple(r) for r in codes.iter_rows(values_only=True)] == [
        ("Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên"), ("P-TC", "Sở Tài chính", "UBND tỉnh"),
        ("P-TC-VP", "Văn phòng Sở — Sở Tài chính", "Sở Tài chính")]
    sheet = book["Danh sách"]
    assert sheet["D2"].value == "P-TC"
    assert any(v.sqref and "D2" in str(v.sqref) for v in sheet.data_validations.dataValidation)
    guide = " ".join(str(c.value) for c in book["Hướng dẫn"]["A"])
    assert "trang Đơn vị" not in guide and "Mã đơn vị" in guide


def test_override_list_names_units_with_their_parent(client, db_session, login_as, make_user, clock, tree):
    from contest.services import overrides as override_service

    person = make_user(unit=tree["home_office"], full_name="Người Được Gia Hạn")
    for who, unit_id in [(person.phone, None), ("", tree["finance_office"].id)]:
        override_service.save_override(db_session, tree["contest"], None, override_service.OverrideSettings(
            person=who, unit_id=unit_id, round_id=None, extra_minutes=5))
    db_session.commit()
    login_as(Role.organizer, unit=tree["province"])
    page = client.get(f"/ban-to-chuc/cuoc-thi/{tree['contest'].id}/dieu-chinh").get_data(as_text=True)
    assert "<strong>Văn phòng Sở — Sở Tài chính</strong>" in page and "· Văn phòng Sở — Sở Nội vụ" in page
