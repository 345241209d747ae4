"""Prize verification (shortlist, flags, disqualification, winners export) and the audit log."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from contest.models import AuditEntry, Role, UnitKind
from contest.services import prizes, staff, statistics
from contest.services.statistics import Scope
from tests.conftest import T0
from tests.helpers import xlsx_bytes
from tests.helpers import POLICY, numbered_people, play





@pytest.fixture
def world(db_session, make_unit, make_user, make_contest, make_bank):
    province = make_unit("P", kind=UnitKind.province)
    office = make_unit("P-O", parent=province)
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=2), per_topic=2)
    round_ = contest.rounds[0]
    people = numbered_people(make_user, office, {"nhanh": "Người Nhanh", "an": "Nguyễn An", "an2": "NGUYỄN AN", "binh": "Trần Bình"})
    play(db_session, people["nhanh"], round_, T0, 4, seconds=20, ip="10.0.0.9")
    play(db_session, people["an"], round_, T0, 4, seconds=300, ip="10.0.0.1")
    play(db_session, people["an2"], round_, T0, 3, seconds=200, ip="10.0.0.1")
    play(db_session, people["binh"], round_, T0, 2, seconds=100, ip="10.0.0.1")
    # One person on the staff list: the CCCD of one account, the phone of another.
    staff.import_staff(db_session, xlsx_bytes([["Họ và tên", "CCCD", "Số điện thoại", "Mã đơn vị", "Chức vụ"],
                                               ["Trần Bình", "000000000004", "0911000001", "P-O", ""]]), "ds.xlsx", None)
    db_session.commit()
    return contest, round_, people, province


def test_shortlist_and_flags(db_session, clock, world):
    contest, round_, people, _ = world
    candidates = prizes.shortlist(db_session, Scope(contest, round_), T0 + timedelta(hours=1), POLICY, top=4, min_seconds=60, shared_ip=3)
    flags = {c.standing.full_name: c.flags for c in candidates}
    assert [c.standing.full_name for c in candidates] == ["Người Nhanh", "Nguyễn An", "NGUYỄN AN", "Trần Bình"]
    assert flags["Người Nhanh"][0] == "Làm bài quá nhanh: 20 giây mỗi vòng (ngưỡng 60 giây)"
    assert "3 tài khoản dự thi từ cùng địa chỉ IP 10.0.0.1" in flags["Nguyễn An"]
    assert "Trùng họ tên và đơn vị với một tài khoản khác cũng dự thi (NGUYỄN AN)" in flags["Nguyễn An"]
    staff_flag = "Số CCCD và số điện thoại của cùng một người (theo danh sách cán bộ) ở hai tài khoản khác nhau"
    assert staff_flag in flags["Trần Bình"] and staff_flag in flags["Người Nhanh"]


def test_disqualification_moves_the_next_up_and_the_winners_export_follows(client, db_session, clock, login_as, world):
    contest, round_, people, province = world
    login_as(Role.organizer, unit=province)
    page = client.get(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai?vong={round_.id}&top=2").get_data(as_text=True)
    assert "Làm bài quá nhanh" in page
    refused = client.post(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai/loai", data={"user_id": people["nhanh"].id, "reason": "x"}, follow_redirects=True)
    assert "Vui lòng ghi rõ lý do" in refused.get_data(as_text=True)
    client.post(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai/loai", data={"user_id": people["nhanh"].id, "reason": "Làm bài 20 giây, nghi dùng phần mềm"})
    with client.get(f"/bao-cao/cuoc-thi/{contest.id}/xuat/dat-giai.xlsx?top=2&vong={round_.id}") as response:
        sheet = load_workbook(io.BytesIO(response.data)).active
    assert [r[1] for r in sheet.iter_rows(min_row=7, values_only=True)] == ["Nguyễn An", "NGUYỄN AN"]
    assert "Đã loại khỏi xếp hạng" in client.get(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai").get_data(as_text=True)
    units = statistics.participation_by_unit(db_session, Scope(contest, round_), province)
    assert units[0].participants == 4  # still counted as having taken part
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "prize.disqualify"))
    assert "Người Nhanh" in entry.summary and "nghi dùng phần mềm" in entry.summary
    client.post(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai/khoi-phuc", data={"user_id": people["nhanh"].id})
    candidates = prizes.shortlist(db_session, Scope(contest, round_), T0 + timedelta(hours=1), POLICY, top=1)
    assert candidates[0].standing.full_name == "Người Nhanh"


def test_audit_log_records_and_shows_who_did_what(client, db_session, login_as, make_user, make_unit):
    admin = login_as(Role.admin)
    user = make_user(unit=make_unit())
    client.post(f"/quan-tri/nguoi-dung/{user.id}/vai-tro", data={"role": "organizer"})
    header = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Loại", "Số CBCCVC"]
    client.post("/quan-tri/don-vi/nhap-excel", data={"file": (io.BytesIO(xlsx_bytes([header, ["T9", "Tỉnh", "", "Tỉnh", 0]])), "dv.xlsx")})
    entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id) for e in entries] == [("user.role", admin.id), ("import.units", admin.id)]
    assert "Ban tổ chức" in entries[0].summary and "dv.xlsx" in entries[1].summary
    page = client.get("/quan-tri/nhat-ky?nhom=import").get_data(as_text=True).split("<tbody>")[1]
    assert "dv.xlsx" in page and "Ban tổ chức" not in page
