"""Report pages and Excel exports: numbers, headers, formats, and the unit manager's scope."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from contest.models import Role, UnitKind
from contest.services import attempts as attempt_service
from tests.conftest import T0
from tests.helpers import POLICY



@pytest.fixture
def world(db_session, make_unit, make_user, make_contest, make_bank):
    p = make_unit("P", kind=UnitKind.province, headcount=0, name="UBND tỉnh")
    d1 = make_unit("P-D1", parent=p, kind=UnitKind.department, headcount=8, name="Sở Nội vụ")
    d2 = make_unit("P-D2", parent=p, kind=UnitKind.district, headcount=12, name="Huyện Đông")
    contest = make_contest(unit=p, bank=make_bank(owner=p, per_topic=2), per_topic=2)
    round_ = contest.rounds[0]
    people = []
    for unit, name, correct, minutes in [(d1, "=Người Một", 4, 3), (d1, "Người Hai", 2, 1), (d2, "Người Ba", 4, 2)]:
        user = make_user(unit=unit, full_name=name)
        attempt = attempt_service.start_attempt(db_session, user, round_, T0, POLICY)
        answers = {q.id: (q.correct_keys if i < correct else [c["key"] for c in q.choices if c["key"] not in q.correct_keys][:1])
                   for i, q in enumerate(attempt.questions)}
        attempt_service.save_answers(db_session, attempt, answers, T0, POLICY)
        attempt_service.submit_attempt(db_session, attempt, T0 + timedelta(minutes=minutes), POLICY)
        people.append(user)
    db_session.commit()
    return {"contest": contest, "round": round_, "p": p, "d1": d1, "d2": d2, "people": people}


def workbook(client, path):
    with client.get(path) as response:
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return load_workbook(io.BytesIO(response.data)).active


def test_results_export(client, clock, login_as, world):
    login_as(Role.organizer, unit=world["p"])
    sheet = workbook(client, f"/bao-cao/cuoc-thi/{world['contest'].id}/xuat/ket-qua.xlsx?vong={world['round'].id}")
    assert sheet["A1"].value == "KẾT QUẢ VÀ XẾP HẠNG" and sheet["A1"].font.b
    assert sheet["A2"].value == f"Cuộc thi: {world['contest'].title}" and sheet["A3"].value == "Phạm vi: Tuần 1"
    assert sheet["A4"].value == "Thời điểm xuất: 23/11/2026 08:00 (giờ Việt Nam)"
    assert [c.value for c in sheet[6]] == ["Hạng", "Họ và tên", "Mã đơn vị", "Đơn vị", "Đơn vị cấp trên", "Điểm", "Điểm tối đa", "Dự đoán",
                                           "Sai lệch dự đoán", "Thời gian làm bài", "Thời điểm nộp"]
    assert all(c.font.b for c in sheet[6]) and sheet.freeze_panes == "A7" and sheet.auto_filter.ref == "A6:K9"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=7, max_col=7)]
    assert rows == [[1, "Người Ba", "P-D2", "Huyện Đông", "UBND tỉnh", 4, 4], [2, "=Người Một", "P-D1", "Sở Nội vụ", "UBND tỉnh", 4, 4],
                    [3, "Người Hai", "P-D1", "Sở Nội vụ", "UBND tỉnh", 2, 4]]
    assert sheet["B8"].data_type == "s"  # a name starting with "=" stays text, never a formula
    assert sheet["J7"].number_format == "[h]:mm:ss" and str(sheet["J7"].value) == "0:02:00"
    assert sheet["K7"].number_format == "dd/mm/yyyy hh:mm" and sheet["K7"].value == datetime(2026, 11, 23, 8, 2)


def test_participation_export(client, clock, login_as, world):
    login_as(Role.organizer, unit=world["p"])
    sheet = workbook(client, f"/bao-cao/cuoc-thi/{world['contest'].id}/xuat/tham-gia.xlsx?nguong=20")
    assert sheet["A1"].value == "BÁO CÁO KẾT QUẢ THAM GIA THEO ĐƠN VỊ" and sheet["A5"].value == "Ngưỡng tỷ lệ tham gia: 20%"
    assert sheet["A7"].value == "Mã đơn vị" and sheet.freeze_panes == "A8"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=8, values_only=True)}
    assert rows["P"][2] is None and rows["P"][4:9] == (20, "Số CBCCVC", 3, 0.15, 3)
    assert rows["P-D1"][1:3] == ("    Sở Nội vụ", "UBND tỉnh") and rows["P-D1"][6:9] == (2, 0.25, 2) and rows["P-D1"][12] is None
    assert rows["P-D2"][7] == pytest.approx(1 / 12) and rows["P-D2"][12] == "Có"
    assert sheet["H8"].number_format == "0.0%" and sheet["J9"].number_format == "0.00"


def test_question_statistics_and_winners_exports(client, clock, login_as, world):
    login_as(Role.organizer, unit=world["p"])
    stats = workbook(client, f"/bao-cao/cuoc-thi/{world['contest'].id}/xuat/cau-hoi.xlsx")
    assert stats["A1"].value == "THỐNG KÊ CÂU HỎI" and stats["A5"].value == "Số bài thi đã hoàn thành: 3"
    header = [c.value for c in stats[7]]
    assert header[:7] == ["Mã câu hỏi", "Chủ đề", "Câu hỏi", "Đáp án", "Số lượt làm", "Tỷ lệ đúng", "Độ phân biệt"]
    body = list(stats.iter_rows(min_row=8, values_only=True))
    assert sum(r[4] for r in body) == 12 and all(r[6] == "—" for r in body)
    winners = workbook(client, f"/bao-cao/cuoc-thi/{world['contest'].id}/xuat/dat-giai.xlsx?top=2")
    assert winners["A1"].value == "DANH SÁCH 2 NGƯỜI ĐẠT GIẢI CAO NHẤT"
    assert [r[1] for r in winners.iter_rows(min_row=7, values_only=True)] == ["Người Ba", "=Người Một"]
    assert [c.value for c in winners[6]][3:7] == ["Mã đơn vị", "Đơn vị", "Đơn vị cấp trên", "Số điện thoại"]
    assert winners["G7"].value == world["people"][2].phone and winners["D7"].value == "P-D2"


def test_dashboard_and_participation_pages(client, clock, login_as, world):
    login_as(Role.organizer, unit=world["p"])
    page = client.get(f"/bao-cao/cuoc-thi/{world['contest'].id}").get_data(as_text=True)
    assert "Người tham gia" in page and 'id="dashboard-data"' in page and "15,0%" in page
    table = client.get(f"/bao-cao/cuoc-thi/{world['contest'].id}/don-vi?nguong=20").get_data(as_text=True)
    assert 'class="table-warning" data-unit="P-D2"' in table and 'class="" data-unit="P-D1"' in table
    stats = client.get(f"/bao-cao/cuoc-thi/{world['contest'].id}/cau-hoi").get_data(as_text=True)
    assert "3 bài thi đã hoàn thành" in stats


def test_unit_manager_sees_their_subtree_and_nothing_else(client, clock, login_as, world, make_contest, make_unit, make_bank):
    login_as(Role.unit_manager, unit=world["d1"])
    contest_id = world["contest"].id
    page = client.get(f"/bao-cao/cuoc-thi/{contest_id}/don-vi").get_data(as_text=True)
    assert "Sở Nội vụ" in page and "Huyện Đông" not in page and "UBND tỉnh" not in page.split("<main")[1].split("breadcrumb")[0]
    # Units outside their subtree, chosen in the query string (the organisers' pages are the matrix's business).
    for path in [f"/bao-cao/cuoc-thi/{contest_id}/don-vi?don_vi=P", f"/bao-cao/cuoc-thi/{contest_id}/don-vi?don_vi=P-D2",
                 f"/bao-cao/cuoc-thi/{contest_id}/chua-tham-gia?don_vi=P", f"/bao-cao/cuoc-thi/{contest_id}/xuat/tham-gia.xlsx?don_vi=P-D2"]:
        assert client.get(path).status_code == 403, path
    sheet = workbook(client, f"/bao-cao/cuoc-thi/{contest_id}/xuat/tham-gia.xlsx")
    assert [r[0] for r in sheet.iter_rows(min_row=7, values_only=True)] == ["Mã đơn vị", "P-D1"]
    q = make_unit("Q", kind=UnitKind.province)
    other = make_contest(unit=q, bank=make_bank(name="Ngân hàng Q", owner=q), title="Cuộc thi của tỉnh khác")
    index = client.get("/bao-cao/").get_data(as_text=True)
    assert world["contest"].title in index and other.title not in index


def test_staff_import_page(client, db_session, login_as, world):
    from tests.helpers import xlsx_bytes

    login_as(Role.unit_manager, unit=world["d1"])
    header = ["Họ và tên", "CCCD", "Số điện thoại", "Mã đơn vị", "Chức vụ"]
    bad = xlsx_bytes([header, ["A", "", "0912000001", "P-D2", ""]])
    response = client.post("/bao-cao/danh-sach-can-bo", data={"file": (io.BytesIO(bad), "ds.xlsx")})
    assert response.status_code == 422 and "không thuộc phạm vi bạn quản lý" in response.get_data(as_text=True)
    good = xlsx_bytes([header, ["Cán bộ A", "", "0912000001", "P-D1", ""]])
    assert client.post("/bao-cao/danh-sach-can-bo", data={"file": (io.BytesIO(good), "ds.xlsx")}).status_code == 302
    page = client.get(f"/bao-cao/cuoc-thi/{world['contest'].id}/chua-tham-gia").get_data(as_text=True)
    assert "Cán bộ A" in page
    with client.get("/bao-cao/danh-sach-can-bo/tep-mau.xlsx") as template:
        assert load_workbook(io.BytesIO(template.data)).active["A1"].value == "Họ và tên"


def test_staff_import_reports_every_kind_of_problem_at_once(client, db_session, login_as, world):
    """A merged cell does not hide the row errors, and no row error hides another row's or the file-wide ones."""
    from openpyxl import Workbook
    from sqlalchemy import func, select

    from contest.models import StaffMember

    login_as(Role.unit_manager, unit=world["d1"])
    book = Workbook()
    sheet = book.active
    for row in [
        ["Họ và tên", "CCCD", "Số điện thoại", "Mã đơn vị", "Chức vụ"],
        ["Cán bộ A", "12345", "0912000001", "P-D1", "Chuyên viên"],
        ["Cán bộ B", "001190000002", "0912000001", "KHONGCO", "Chuyên viên"],
        ["", "", "", "P-D2", ""],
    ]:
        sheet.append(row)
    sheet.merge_cells("E2:E3")
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    response = client.post("/bao-cao/danh-sach-can-bo", data={"file": (content, "ds.xlsx")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in [
        "Vùng ô E2:E3 đang được gộp (merge).",
        "Số CCCD “12345” phải gồm đúng 12 chữ số.",
        "Số điện thoại 0912000001 bị trùng với dòng 2.",
        "Không tìm thấy đơn vị có mã “KHONGCO”.",
        "Thiếu họ và tên.",
        "Cần ít nhất số CCCD hoặc số điện thoại để đối chiếu với tài khoản dự thi.",
        "Đơn vị “Huyện Đông” không thuộc phạm vi bạn quản lý.",
    ]:
        assert message in page, message
    assert "Tệp có 7 lỗi." in page
    assert db_session.scalar(select(func.count()).select_from(StaffMember)) == 0


def test_export_commands(app, tmp_path, world):
    runner = app.test_cli_runner()
    contest_id = world["contest"].id
    for command, name in [("export-results", "r"), ("export-participation", "p"), ("export-non-participants", "n"),
                          ("export-question-stats", "q"), ("export-winners", "w")]:
        out = tmp_path / f"{name}.xlsx"
        result = runner.invoke(args=[command, "--contest", str(contest_id), "--round", "1", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert load_workbook(out).active["A2"].value == f"Cuộc thi: {world['contest'].title}"
    result = runner.invoke(args=["export-results", "--contest", str(contest_id), "--round", "9", "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0 and "không có vòng 9" in result.output
    result = runner.invoke(args=["export-non-participants", "--contest", str(contest_id), "--unit", "P-D1", "--out", str(tmp_path / "n1.xlsx")])
    assert result.exit_code == 0, result.output
    assert load_workbook(tmp_path / "n1.xlsx").active["A3"].value == "Phạm vi: Toàn cuộc thi — đơn vị: Sở Nội vụ (P-D1)"
    result = runner.invoke(args=["export-non-participants", "--contest", str(contest_id), "--unit", "KHONGCO", "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0 and "Không tìm thấy đơn vị có mã “KHONGCO”." in result.output


def test_staff_import_cannot_take_a_person_off_a_list_outside_the_managers_scope(client, db_session, login_as, world):
    """CCCDs are unique across lists: a manager's file naming someone listed in another district is refused."""
    from sqlalchemy import select

    from contest.models import StaffMember
    from tests.helpers import xlsx_bytes

    header = ["Họ và tên", "CCCD", "Số điện thoại", "Mã đơn vị", "Chức vụ"]
    db_session.add(StaffMember(unit=world["d2"], full_name="Cán bộ huyện khác", cccd="001190000009"))
    db_session.commit()
    login_as(Role.unit_manager, unit=world["d1"])
    claim = xlsx_bytes([header, ["Cán bộ huyện khác", "001190000009", "", "P-D1", ""]])
    response = client.post("/bao-cao/danh-sach-can-bo", data={"file": (io.BytesIO(claim), "ds.xlsx")})
    assert response.status_code == 422
    assert "đơn vị ngoài phạm vi bạn quản lý" in response.get_data(as_text=True)
    db_session.expire_all()
    assert [m.unit_id for m in db_session.scalars(select(StaffMember))] == [world["d2"].id]
