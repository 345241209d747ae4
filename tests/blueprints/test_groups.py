"""Participant groups on the pages: registration, the contest page's refusal, per-group leaderboards and prize
shortlists, the participation page's citizens column, the contest form and the people pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contest.models import Contest, ParticipantGroup, Role, UnitKind, User
from tests.conftest import T0
from tests.helpers import play

BOTH = "civil_servant,citizen"


@pytest.fixture
def tree(make_unit):
    p = make_unit("P", kind=UnitKind.province, headcount=0, name="UBND tỉnh")
    d = make_unit("P-D", parent=p, kind=UnitKind.district, headcount=2, name="Huyện Một")
    c1 = make_unit("P-D-C1", parent=d, kind=UnitKind.commune, headcount=4, name="Xã Một")
    return {u.code: u for u in (p, d, c1)}


def citizen_form(tree, **overrides):
    data = {"participant_group": "citizen", "full_name": "Lê Thị Dân", "cccd": "", "phone": "0912 345 678",
            "unit_id": "0", "residence_unit_id": str(tree["P-D-C1"].id), "residence_text": "",
            "password": "Cay-bang-xanh-7", "confirm": "Cay-bang-xanh-7"}
    data.update(overrides)
    return data


def test_a_citizen_registers_with_their_commune_and_no_cccd(client, db_session, tree):
    page = client.get("/dang-ky").get_data(as_text=True)
    assert "Bạn dự thi với tư cách" in page and "Xã/phường nơi cư trú (người dân)" in page
    assert '<input checked class="form-check-input" id="participant_group-0" name="participant_group" type="radio" value="civil_servant">' in page
    assert 'id="participant_group-1" name="participant_group" type="radio" value="citizen">' in page
    # Only communes/wards are offered as a residence.
    residence_select = page.split('id="residence_unit_id"')[1].split("</select>")[0]
    assert "Xã Một" in residence_select and "Huyện Một (P-D)" not in residence_select
    response = client.post("/dang-ky", data=citizen_form(tree, unit_id=str(tree["P-D"].id)))
    assert response.status_code == 302
    user = db_session.scalar(select(User).where(User.phone == "0912345678"))
    assert (user.group, user.unit_id, user.residence_unit_id, user.cccd) == (ParticipantGroup.citizen, None, tree["P-D-C1"].id, None)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"residence_unit_id": "0"}, "residence_unit_id", "Vui lòng chọn xã/phường nơi cư trú"),
    ({"residence_unit_id": "abc"}, "residence_unit_id", "Vui lòng chọn xã/phường nơi cư trú"),
    ({"residence_unit_id": "99999999999999999999"}, "residence_unit_id", "Vui lòng chọn xã/phường nơi cư trú"),
    ({"residence_unit_id": "-5"}, "residence_unit_id", "Vui lòng chọn xã/phường nơi cư trú"),
    ({"residence_unit_id": "2147483647"}, "residence_unit_id", "Nơi cư trú phải là một xã, phường hoặc thị trấn"),
    ({"residence_text": "<script>alert(1)</script>" * 20}, "residence_text", "Tối đa 255 ký tự."),
    ({"participant_group": "organizer"}, "participant_group", "Vui lòng chọn đối tượng dự thi."),
    ({"participant_group": "civil_servant", "cccd": "001190001234"}, "unit_id", "Vui lòng chọn đơn vị công tác."),
    ({"participant_group": "civil_servant", "unit_id": "abc", "cccd": "001190001234"}, "unit_id", "Vui lòng chọn đơn vị công tác."),
])
def test_registration_refuses_what_a_group_lacks_and_creates_nothing(client, db_session, tree, overrides, field, message):
    response = client.post("/dang-ky", data=citizen_form(tree, **overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split(f'id="{field}-error"')[1].split("</div>")[0]
    assert db_session.scalar(select(func.count()).select_from(User)) == 0


@pytest.fixture
def contest(make_contest, make_bank, tree):
    return make_contest(unit=tree["P"], bank=make_bank(owner=tree["P"], per_topic=2), per_topic=2, admitted_groups=BOTH)


def make_citizen(make_user, tree, **fields):
    return make_user(participant_group="citizen", residence_unit=tree["P-D-C1"], **fields)


def test_the_contest_page_says_why_a_group_may_not_start(client, db_session, clock, tree, login, make_user, make_contest, make_bank):
    servants_only = make_contest(unit=tree["P"], bank=make_bank(owner=tree["P"], per_topic=2), per_topic=2)
    login(make_citizen(make_user, tree))
    clock.set(T0.replace(hour=2))
    page = client.get(f"/cuoc-thi/{servants_only.id}").get_data(as_text=True)
    assert "Cuộc thi này dành cho Cán bộ, công chức, viên chức; tài khoản của bạn đăng ký là người dân nên không dự thi được." in page
    assert "Bắt đầu làm bài" not in page
    start = client.post(f"/cuoc-thi/{servants_only.id}/vong/{servants_only.rounds[0].id}/bat-dau")
    assert start.status_code == 302 and "Cuộc thi này dành cho" in client.get(start.headers["Location"]).get_data(as_text=True)


def test_a_leaderboard_has_a_tab_per_group(client, db_session, clock, tree, contest, make_user):
    play(db_session, make_user(unit=tree["P-D"], full_name="Cán bộ A"), contest.rounds[0], T0, 4)
    play(db_session, make_citizen(make_user, tree, full_name="Người dân X"), contest.rounds[0], T0, 3)
    clock.set(T0.replace(hour=3))
    servants = client.get(f"/cuoc-thi/{contest.id}/xep-hang").get_data(as_text=True)
    assert "Cán bộ A" in servants and "Người dân X" not in servants and f"nhom=citizen" in servants
    citizens = client.get(f"/cuoc-thi/{contest.id}/xep-hang?nhom=citizen&vong={contest.rounds[0].id}").get_data(as_text=True)
    assert "Người dân X" in citizens and "Cán bộ A" not in citizens and "Nơi cư trú" in citizens and "Xã Một" in citizens
    assert client.get(f"/cuoc-thi/{contest.id}/xep-hang?nhom=admin").status_code == 404


def test_reports_show_citizens_apart(client, db_session, clock, tree, contest, make_user, login_as):
    play(db_session, make_user(unit=tree["P-D-C1"], full_name="Cán bộ A"), contest.rounds[0], T0, 4)
    play(db_session, make_citizen(make_user, tree, full_name="Người dân X"), contest.rounds[0], T0, 3)
    login_as(Role.organizer, unit=tree["P"])
    clock.set(T0.replace(hour=3))
    page = client.get(f"/bao-cao/cuoc-thi/{contest.id}/don-vi").get_data(as_text=True)
    commune = page.split('data-unit="P-D-C1"')[1].split("</tr>")[0]
    assert "Người dân tham gia" in page and '<td data-label="Đã tham gia" class="text-end">1</td>' in commune
    assert '<td data-label="Người dân tham gia" class="text-end">1</td>' in commune and "25,0" in commune
    shortlist = client.get(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai?nhom=citizen").get_data(as_text=True)
    assert "Người dân X" in shortlist and "Cán bộ A" not in shortlist


def test_the_contest_form_sets_the_groups_and_the_cccd_waiver(client, db_session, tree, contest, login_as):
    login_as(Role.organizer, unit=tree["P"])
    form = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert f'<option selected value="{BOTH}">' in form
    data = {"title": contest.title, "audience": "units", "eligible_unit_ids": [str(tree["P"].id)], "attempts_allowed": "1",
            "grading": "best", "points_per_question": "1", "review_policy": "after_close", "leaderboard_visibility": "public",
            "prediction_question": "", "prediction_resolver": "", "admitted_groups": "citizen", "citizen_cccd_optional": "y"}
    assert client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}", data=data).status_code == 302
    db_session.expire_all()
    saved = db_session.get(Contest, contest.id)
    assert (saved.groups, saved.citizen_cccd_optional) == ([ParticipantGroup.citizen], True)
    refused = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}", data={**data, "admitted_groups": "admin"})
    assert refused.status_code == 422 and "Nhóm đối tượng dự thi không hợp lệ" in refused.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Contest, contest.id).groups == [ParticipantGroup.citizen]


def test_an_admin_corrects_a_persons_group_and_residence(client, db_session, tree, make_user, login_as):
    person = make_user(unit=tree["P-D"], full_name="Trần Văn Nhầm")
    login_as(Role.admin)
    page = client.get(f"/nguoi-dung/{person.id}/sua").get_data(as_text=True)
    assert '<input checked class="form-check-input" id="participant_group-0" name="participant_group" type="radio" value="civil_servant">' in page
    data = {"full_name": person.full_name, "phone": person.phone, "email": "", "cccd": "", "unit_id": "0",
            "participant_group": "citizen", "residence_unit_id": "0", "residence_text": "Phường Bến Nghé, TP. Hồ Chí Minh"}
    assert client.post(f"/nguoi-dung/{person.id}/sua", data=data).status_code == 302
    db_session.expire_all()
    person = db_session.get(User, person.id)
    assert (person.group, person.unit_id, person.residence_text, person.cccd) == (
        ParticipantGroup.citizen, None, "Phường Bến Nghé, TP. Hồ Chí Minh", None)
    listing = client.get("/nguoi-dung/?q=tran").get_data(as_text=True)
    assert "Phường Bến Nghé, TP. Hồ Chí Minh" in listing and "Người dân" in listing
    back = client.post(f"/nguoi-dung/{person.id}/sua", data={**data, "participant_group": "civil_servant"})
    assert back.status_code == 422 and "Cán bộ, công chức, viên chức dự thi phải có số CCCD" in back.get_data(as_text=True)


def test_a_unit_manager_manages_citizens_living_in_their_subtree(client, db_session, tree, make_user, make_unit, login_as):
    near = make_citizen(make_user, tree, full_name="Người dân Gần")
    elsewhere = make_unit("Q-C", kind=UnitKind.commune)
    far = make_user(participant_group="citizen", residence_unit=elsewhere, full_name="Người dân Xa")
    login_as(Role.unit_manager, unit=tree["P-D"])
    listing = client.get("/nguoi-dung/").get_data(as_text=True)
    assert "Người dân Gần" in listing and "Người dân Xa" not in listing
    assert client.get(f"/nguoi-dung/{near.id}/sua").status_code == 200
    assert client.get(f"/nguoi-dung/{far.id}/sua").status_code in (403, 404)
