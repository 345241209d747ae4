"""Unit prize pages: the organiser's form (errors beside the fields, nothing saved), the list's visibility, the
rules on the contest page, the workbook. Who may open which route: tests/blueprints/test_security.py."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from contest.models import Role, UnitKind
from contest.services import awards as award_service
from contest.services import unit_prizes
from contest.services.unit_prizes import BlocInput, TierInput
from tests.conftest import T0
from tests.helpers import play


@pytest.fixture
def world(db_session, make_unit, make_user, make_contest, make_bank):
    """P (province) → D1 (department, 10 people: 3 took part, scores 4, 4, 2 of 4) and D2 (department, 60: 1, score 4),
    H (district, 0) → X (commune, 20: 5 took part, each 2 of 4). Tiers 0–49: 30%, 50+: 5%."""
    p = make_unit("P", kind=UnitKind.province, headcount=0)
    d1 = make_unit("P-D1", parent=p, kind=UnitKind.department, headcount=10, name="Sở Một")
    d2 = make_unit("P-D2", parent=p, kind=UnitKind.department, headcount=60, name="Sở Hai")
    h = make_unit("P-H", parent=p, kind=UnitKind.district, headcount=0, name="Huyện Ba")
    x = make_unit("P-H-X", parent=h, kind=UnitKind.commune, headcount=20, name="Xã Bốn")
    contest = make_contest(unit=p, bank=make_bank(owner=p, per_topic=2), per_topic=2)
    round_ = contest.rounds[0]
    for unit, scores in ((d1, [4, 4, 2]), (d2, [4]), (x, [2] * 5)):
        for correct in scores:
            play(db_session, make_user(unit=unit), round_, T0, correct)
    unit_prizes.save_settings(db_session, contest, [TierInput(0, 49, 30), TierInput(50, None, 5)], [
        BlocInput("Khối sở", kinds=["department"], first_prizes=1, second_prizes=1),
        BlocInput("Khối xã", kinds=["commune"], first_prizes=1)])
    db_session.commit()
    return {"contest": contest, "p": p, "h": h, "x": x, "d1": d1}


def _form(**fields) -> dict:
    return {"tiers-0-min_size": "0", "tiers-0-max_size": "49", "tiers-0-min_rate": "30", "tiers-1-min_size": "50",
            "tiers-1-min_rate": "25,5", "blocs-0-title": "Khối sở", "blocs-0-kinds": ["department"], "blocs-0-first_prizes": "1", **fields}


def _error(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-error">([^<]*)<', page)
    return found.group(1) if found else ""


def test_the_organiser_saves_tiers_and_blocs(client, db_session, world, login_as):
    contest = world["contest"]
    login_as(Role.organizer, unit=world["p"])
    response = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/giai-tap-the", data=_form())
    assert response.status_code == 302 and response.location.endswith(f"/cuoc-thi/{contest.id}/giai-tap-the")
    assert [(t.min_size, t.max_size, t.min_rate_tenths) for t in unit_prizes.tiers(db_session, contest)] == [(0, 49, 300), (50, None, 255)]
    assert [(b.name, b.kind_list, b.first_prizes) for b in unit_prizes.blocs(db_session, contest)] == [("Khối sở", ["department"], 1)]
    page = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/giai-tap-the").get_data(as_text=True)
    assert 'value="25,5"' in page


@pytest.mark.parametrize("fields, field, message", [
    ({"tiers-1-min_size": "40"}, "tiers-1-min_size", "Chồng lên khung dưới 50 người: mỗi quy mô chỉ thuộc một khung."),
    ({"tiers-1-min_size": "60"}, "tiers-1-min_size", "Bỏ trống quy mô từ 50 đến 59 người: khung này phải bắt đầu từ 50."),
    ({"tiers-0-min_rate": "120"}, "tiers-0-min_rate", "Tỷ lệ tối thiểu phải từ 0 đến 100%."),
    ({"tiers-0-min_rate": "ba mươi"}, "tiers-0-min_rate", "Phải là một số."),
    ({"blocs-0-kinds": []}, "blocs-0-kinds", "Khối chưa có đơn vị: chọn loại đơn vị hoặc chọn từng đơn vị."),
    ({"blocs-1-title": "Khối tỉnh", "blocs-1-kinds": ["department", "district"]}, "blocs-1-kinds",
     "Sở Một, Sở Hai đã thuộc khối “Khối sở”: mỗi đơn vị chỉ thuộc một khối."),
])
def test_bad_settings_are_shown_beside_their_field_and_nothing_is_saved(client, db_session, world, login_as, fields, field, message):
    contest = world["contest"]
    login_as(Role.organizer, unit=world["p"])
    response = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/giai-tap-the", data=_form(**fields))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _error(page, field) == message
    assert "Chưa lưu được" in page
    assert [t.min_rate_tenths for t in unit_prizes.tiers(db_session, contest)] == [300, 50]


def test_the_list_before_and_after_publication(client, db_session, world, make_user, login):
    contest = world["contest"]
    assert client.get(f"/cuoc-thi/{contest.id}/giai-tap-the").status_code == 404
    login(make_user(Role.unit_manager, unit=world["h"]))
    page = client.get(f"/cuoc-thi/{contest.id}/giai-tap-the").get_data(as_text=True)
    assert "Xã Bốn" in page and "Sở Một" not in page  # their own subtree only, before publication
    assert "Khối sở" not in page.split("Điều kiện và cách xếp hạng")[1].split("</ul>", 1)[1]  # a bloc without their units
    client.post("/dang-xuat")
    award_service.set_published(db_session, contest, None, True, None)
    db_session.commit()
    page = client.get(f"/cuoc-thi/{contest.id}/giai-tap-the").get_data(as_text=True)
    assert "Chưa công bố" not in page
    # D1: 3/10 = 30% (the minimum, eligible), average (4+4+2)/3 of 4 = 83,3%; D2: 1/60 = 1,7% < 5%.
    assert re.search(r"Sở Một.*?30,0%.*?83,3%.*?Giải Nhất", page, re.S)
    assert "Tỷ lệ tham gia 1,7% (1/60 người) chưa đạt 5% của khung từ 50 người trở lên." in page
    assert re.search(r"Xã Bốn.*?25,0%", page, re.S) and "chưa đạt 30% của khung dưới 50 người" in page


def test_the_contest_page_states_the_rules(client, world):
    page = client.get(f"/cuoc-thi/{world['contest'].id}").get_data(as_text=True)
    assert "Đơn vị dưới 50 người: tỷ lệ tham gia từ 30% trở lên." in page
    assert "Khối sở (Sở/Ban/Ngành): 1 giải Nhất, 1 giải Nhì." in page
    assert "Danh sách xét giải tập thể" not in page  # not published yet


def test_the_workbook(client, world, login_as):
    contest = world["contest"]
    login_as(Role.organizer, unit=world["p"])
    response = client.get(f"/bao-cao/cuoc-thi/{contest.id}/xuat/giai-tap-the.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "XÉT GIẢI TẬP THỂ"
    assert "Đơn vị dưới 50 người: tỷ lệ tham gia từ 30% trở lên." in [r[0] for r in rows]
    header = rows.index(next(r for r in rows if r[0] == "Khối"))
    assert rows[header][:4] == ["Khối", "Hạng", "Giải", "Mã đơn vị"]
    data = [r for r in rows[header + 1:] if r[0]]
    assert [(r[0], r[1], r[2], r[3], r[6], r[11], r[12]) for r in data] == [
        ("Khối sở", 1, "Giải Nhất", "P-D1", 10, 0.3, pytest.approx(10 / 12)),
        ("Khối sở", None, None, "P-D2", 60, pytest.approx(1 / 60), 1.0),
        ("Khối xã", None, None, "P-H-X", 20, 0.25, 0.5),
    ]
    assert data[0][13] == "Đạt điều kiện"
    assert data[1][13].startswith("Tỷ lệ tham gia 1,7%")
    assert sheet.cell(row=header + 2, column=12).number_format == "0.0%"
