"""Looking after people's accounts: reset links issued by an admin or the unit's manager, corrections of name,
unit and contact details, participants' requests to move unit. Every change is audited and ends the person's
sessions; a manager acts only on the participants of their subtree."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import object_session

from contest import create_app
from contest.models import AuditEntry, MoveStatus, Role, UnitChangeRequest, UnitKind, User
from contest.passwords import verify_password
from tests.conftest import TEST_PASSWORD
from contest.db import dispose_engines

NEW_PASSWORD = "Thuyen-giay-mua-ha-7"


@pytest.fixture
def web(app_config, db_session, tmp_path):
    """A second app on the same database, for browsers whose requests must not share the test's app context."""
    db_session.commit()
    application = create_app(app_config, instance_path=tmp_path / "web")
    yield application
    dispose_engines(application)


@pytest.fixture
def tree(make_unit, make_user, db_session):
    province = make_unit("T", kind=UnitKind.province, name="Tỉnh T")
    district = make_unit("T-H", parent=province, name="Huyện H")
    commune = make_unit("T-H-X", parent=district, name="Xã X")
    other = make_unit("T-K", parent=province, name="Huyện K")
    people = {
        "manager": make_user(Role.unit_manager, unit=district, full_name="Quản Lý Huyện"),
        "other_manager": make_user(Role.unit_manager, unit=other, full_name="Quản Lý Khác"),
        "admin": make_user(Role.admin, full_name="Quản Trị"),
        "person": make_user(Role.participant, unit=commune, full_name="Trần Văn Sai", phone="0912000444", cccd="001090000444"),
        "organizer": make_user(Role.organizer, unit=commune, full_name="Tổ Chức Xã"),
        "taken": make_user(Role.participant, unit=other, email="da.co@example.vn", phone="0912000555", cccd="001090000555"),
    }
    db_session.commit()
    return {"province": province, "district": district, "commune": commune, "other": other, **people}


def _browser(web, user, password=TEST_PASSWORD):
    phone = user.phone
    object_session(user).commit()  # SQLite: the test's session must not hold the database while the app writes
    browser = web.test_client()
    assert browser.post("/dang-nhap", data={"identifier": phone, "password": password}).status_code == 302
    return browser


def _fields(db_session, person, **changes):
    """The correction form as it stands for `person`, with `changes`; the test's transaction ends first."""
    data = {"full_name": person.full_name, "phone": person.phone, "email": person.email or "", "cccd": person.cccd or "",
            "unit_id": person.unit_id, **changes}
    db_session.commit()
    return data


def _fresh(db_session, user):
    db_session.rollback()
    db_session.expire_all()  # a rollback outside a transaction expires nothing (and commits keep objects loaded)
    return db_session.get(User, user.id)


def _audit(db_session, action):
    db_session.rollback()
    return db_session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


@pytest.mark.parametrize("issuer", ["manager", "admin"])
def test_a_reset_link_is_issued_once_and_works_once(web, tree, db_session, issuer):
    person = tree["person"]
    person_browser = _browser(web, person)
    staff = _browser(web, tree[issuer])
    person_id, phone, issuer_id = person.id, person.phone, tree[issuer].id
    db_session.commit()
    page = staff.post(f"/nguoi-dung/{person_id}/lien-ket-dat-lai-mat-khau", data={"back": "/nguoi-dung/?q=tran"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store" and 'href="/nguoi-dung/?q=tran"' in text
    link = re.search(r'id="reset-link" rows="3" readonly>([^<]+)</textarea>', text).group(1)
    path = urlsplit(link).path
    with staff.session_transaction() as session:
        assert path not in str(dict(session))  # shown on the page, not kept in the cookie
    [entry] = _audit(db_session, "user.reset_link_issued")
    assert phone in entry.summary and path.rsplit("/", 1)[-1] not in entry.summary and entry.actor_id == issuer_id
    db_session.commit()
    stranger = web.test_client()
    assert stranger.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert verify_password(_fresh(db_session, person).password_hash, NEW_PASSWORD)
    db_session.commit()
    assert person_browser.get("/tai-khoan").status_code == 302  # the person's old session ended
    assert stranger.get(path).status_code == 400  # once


@pytest.mark.parametrize(("actor", "target"), [("other_manager", "person"), ("manager", "organizer"), ("manager", "taken"),
                                               ("manager", "admin"), ("organizer", "person")])
def test_a_manager_acts_only_on_participants_of_their_subtree(web, tree, db_session, actor, target):
    browser = _browser(web, tree[actor])
    person = tree[target]
    person_id, name = person.id, person.full_name
    db_session.commit()
    assert browser.post(f"/nguoi-dung/{person.id}/lien-ket-dat-lai-mat-khau").status_code == 403
    assert browser.get(f"/nguoi-dung/{person.id}/sua").status_code == 403
    refused = browser.post(f"/nguoi-dung/{person.id}/sua", data=_fields(db_session, person, full_name="Đổi Tên"))
    assert refused.status_code == 403
    assert _fresh(db_session, person).full_name == name and _audit(db_session, "user.correct") == []


def test_the_manager_list_shows_only_their_subtree_participants(web, tree):
    page = _browser(web, tree["manager"]).get("/nguoi-dung/").get_data(as_text=True)
    assert "Trần Văn Sai" in page
    assert "Tổ Chức Xã" not in page and tree["taken"].phone not in page and "Quản Trị" not in page


def test_an_admin_corrects_name_unit_and_contact_details(web, tree, db_session):
    person = tree["person"]
    person_browser = _browser(web, person)
    admin = _browser(web, tree["admin"])
    person_id, other_id = person.id, tree["other"].id
    db_session.commit()
    assert 'value="Trần Văn Sai"' in admin.get(f"/nguoi-dung/{person_id}/sua").get_data(as_text=True)
    saved = admin.post(f"/nguoi-dung/{person_id}/sua", data={
        "full_name": "  Trần   Văn Đúng ", "phone": "+84 912 000 666", "email": "Van.Dung@Example.vn", "cccd": "001 090 000 666",
        "unit_id": other_id, "back": "/nguoi-dung/?q=tran"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/nguoi-dung/?q=tran"
    fixed = _fresh(db_session, person)
    assert (fixed.full_name, fixed.phone, fixed.email, fixed.cccd, fixed.unit_id) == (
        "Trần Văn Đúng", "0912000666", "van.dung@example.vn", "001090000666", tree["other"].id)
    assert fixed.search_name == "tran van dung"
    [entry] = _audit(db_session, "user.correct")
    assert "họ và tên: Trần Văn Sai → Trần Văn Đúng" in entry.summary and "đơn vị: Xã X — Huyện H → Huyện K" in entry.summary
    assert entry.details == {"user_id": person.id} and entry.actor_id == tree["admin"].id
    db_session.commit()
    assert person_browser.get("/tai-khoan").status_code == 302  # sessions ended
    assert web.test_client().post("/dang-nhap", data={"identifier": "0912000666", "password": TEST_PASSWORD}).status_code == 302


def test_every_problem_of_a_correction_is_shown_at_once(web, tree, db_session):
    person = tree["person"]
    admin = _browser(web, tree["admin"])
    version, taken = person.session_version, tree["taken"]
    refused = admin.post(f"/nguoi-dung/{person.id}/sua", data=_fields(
        db_session, person, full_name="", phone="0123", email="da.co@example.vn", cccd="12345", unit_id=0))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for message in ("Vui lòng nhập họ và tên.", "Số điện thoại di động không hợp lệ", "Email này đã được đăng ký.",
                    "Số CCCD phải gồm đúng 12 chữ số.", "Vui lòng chọn một đơn vị trong phạm vi bạn quản lý."):
        assert message in text
    clash = admin.post(f"/nguoi-dung/{person.id}/sua", data=_fields(db_session, person, phone=taken.phone, cccd=taken.cccd))
    text = clash.get_data(as_text=True)
    assert clash.status_code == 422 and "Số điện thoại này đã được đăng ký." in text and "Số CCCD này đã được đăng ký." in text
    too_long = admin.post(f"/nguoi-dung/{person.id}/sua", data=_fields(db_session, person, full_name="A" * 5000))
    assert too_long.status_code == 422 and "Họ và tên tối đa 255 ký tự." in too_long.get_data(as_text=True)
    same = admin.post(f"/nguoi-dung/{person.id}/sua", data=_fields(db_session, person))
    assert same.status_code == 422 and "không có gì thay đổi" in same.get_data(as_text=True)
    assert _fresh(db_session, person).session_version == version and _audit(db_session, "user.correct") == []


def test_a_manager_moves_people_only_within_their_subtree(web, tree, db_session):
    person = tree["person"]
    manager = _browser(web, tree["manager"])
    other_id, commune_id, district_id = tree["other"].id, tree["commune"].id, tree["district"].id
    form = manager.get(f"/nguoi-dung/{person.id}/sua").get_data(as_text=True)
    assert "Huyện H" in form and "Huyện K" not in form  # the picker offers their subtree only
    outside = manager.post(f"/nguoi-dung/{person.id}/sua", data=_fields(db_session, person, unit_id=other_id))
    assert outside.status_code == 422 and _fresh(db_session, person).unit_id == commune_id
    inside = manager.post(f"/nguoi-dung/{person.id}/sua", data=_fields(db_session, person, unit_id=district_id))
    assert inside.status_code == 302 and _fresh(db_session, person).unit_id == district_id


def test_a_participant_asks_to_move_and_the_target_units_manager_decides(web, tree, db_session):
    person = tree["person"]
    browser = _browser(web, person)
    ids = {name: tree[name].id for name in ("commune", "other", "other_manager")}
    db_session.commit()
    assert browser.post("/nguoi-dung/chuyen-don-vi", data={"to_unit_id": ids["commune"]}).status_code == 422  # already there
    asked = browser.post("/nguoi-dung/chuyen-don-vi", data={"to_unit_id": ids["other"], "reason": "Đăng ký nhầm đơn vị"})
    assert asked.status_code == 302
    assert "Huyện K" in browser.get("/tai-khoan").get_data(as_text=True)
    move = db_session.scalar(select(UnitChangeRequest))
    move_id = move.id
    assert (move.status, move.from_unit_id, move.to_unit_id) == ("pending", ids["commune"], ids["other"])
    db_session.commit()

    # The manager of the unit the person leaves does not decide a move into another manager's unit.
    origin = _browser(web, tree["manager"])
    assert "Trần Văn Sai" not in origin.get("/nguoi-dung/yeu-cau-chuyen-don-vi").get_data(as_text=True)
    assert origin.post(f"/nguoi-dung/yeu-cau-chuyen-don-vi/{move_id}", data={"decision": "approve"}).status_code == 403
    target = _browser(web, tree["other_manager"])
    assert "Trần Văn Sai" in target.get("/nguoi-dung/yeu-cau-chuyen-don-vi").get_data(as_text=True)
    assert target.post(f"/nguoi-dung/yeu-cau-chuyen-don-vi/{move_id}", data={"decision": "approve", "note": "Đúng"}).status_code == 302
    assert _fresh(db_session, person).unit_id == ids["other"]
    move = db_session.get(UnitChangeRequest, move_id)
    assert (move.status, move.decided_by_id, move.decision_note) == (MoveStatus.approved.value, ids["other_manager"], "Đúng")
    [entry] = _audit(db_session, "user.move_approved")
    assert "Huyện K" in entry.summary and entry.actor_id == ids["other_manager"]
    db_session.commit()
    assert browser.get("/tai-khoan").status_code == 302  # the person's sessions ended
    again = target.post(f"/nguoi-dung/yeu-cau-chuyen-don-vi/{move_id}", data={"decision": "reject"})
    assert again.status_code == 302 and _audit(db_session, "user.move_rejected") == []  # decided once


def test_a_rejected_or_replaced_request_changes_no_unit(web, tree, db_session):
    person = tree["person"]
    browser = _browser(web, person)
    district_id, other_id, commune_id = tree["district"].id, tree["other"].id, tree["commune"].id
    db_session.commit()
    browser.post("/nguoi-dung/chuyen-don-vi", data={"to_unit_id": district_id})
    browser.post("/nguoi-dung/chuyen-don-vi", data={"to_unit_id": other_id})  # replaces the first
    statuses = db_session.execute(select(UnitChangeRequest.to_unit_id, UnitChangeRequest.status).order_by(UnitChangeRequest.id)).all()
    assert [tuple(s) for s in statuses] == [(district_id, "cancelled"), (other_id, "pending")]
    move_id = db_session.scalar(select(UnitChangeRequest.id).where(UnitChangeRequest.status == "pending"))
    db_session.commit()
    admin = _browser(web, tree["admin"])
    assert admin.post(f"/nguoi-dung/yeu-cau-chuyen-don-vi/{move_id}", data={"decision": "reject"}).status_code == 302
    assert _fresh(db_session, person).unit_id == commune_id
    assert db_session.get(UnitChangeRequest, move_id).status == "rejected"
    assert len(_audit(db_session, "user.move_rejected")) == 1 and len(_audit(db_session, "user.move_requested")) == 2


def test_an_admin_without_a_unit_is_corrected_and_stays_logged_in_after_correcting_themselves(web, tree, db_session):
    admin = tree["admin"]
    browser = _browser(web, admin)
    data = _fields(db_session, admin, full_name="Quản Trị Hệ Thống", unit_id=0)
    page = browser.get(f"/nguoi-dung/{admin.id}/sua").get_data(as_text=True)
    assert "— Không thuộc đơn vị nào —" in page
    assert browser.post(f"/nguoi-dung/{admin.id}/sua", data=data).status_code == 302
    fixed = _fresh(db_session, admin)
    assert fixed.full_name == "Quản Trị Hệ Thống" and fixed.unit_id is None
    db_session.commit()
    assert browser.get("/tai-khoan").status_code == 200  # their own browser is logged in again
    person = tree["person"]
    refused = browser.post(f"/nguoi-dung/{person.id}/sua", data=_fields(db_session, person, unit_id=0))
    assert refused.status_code == 422 and "Vui lòng chọn một đơn vị" in refused.get_data(as_text=True)


def test_a_citizen_asks_to_move_their_residence_and_that_communes_manager_approves(web, tree, make_unit, make_user, db_session):
    """A citizen belongs to the commune they live in (no workplace): a move changes their residence, only to a commune."""
    other_commune = make_unit("T-H-Y", parent=tree["district"], kind=UnitKind.commune, name="Xã Y")
    tree["commune"].kind = UnitKind.commune.value
    citizen = make_user(participant_group="citizen", residence_unit=tree["commune"], full_name="Lê Thị Dân", cccd=None)
    ids = {"commune": tree["commune"].id, "other_commune": other_commune.id, "district": tree["district"].id}
    browser = _browser(web, citizen)
    page = browser.get("/tai-khoan").get_data(as_text=True)
    assert "Nơi cư trú" in page and "Xã X" in page
    form = browser.get("/nguoi-dung/chuyen-don-vi").get_data(as_text=True)
    assert "Xã/phường nơi cư trú muốn chuyển đến" in form and f'value="{ids["district"]}"' not in form  # communes only
    refused = browser.post("/nguoi-dung/chuyen-don-vi", data={"to_unit_id": ids["district"]})
    assert refused.status_code == 422 and "xã, phường hoặc thị trấn" in refused.get_data(as_text=True)
    assert browser.post("/nguoi-dung/chuyen-don-vi", data={"to_unit_id": ids["commune"]}).status_code == 422  # lives there
    assert browser.post("/nguoi-dung/chuyen-don-vi", data={"to_unit_id": ids["other_commune"]}).status_code == 302
    move = db_session.scalar(select(UnitChangeRequest).where(UnitChangeRequest.status == "pending"))
    move_id = move.id
    assert (move.from_unit_id, move.to_unit_id) == (ids["commune"], ids["other_commune"])
    db_session.commit()
    manager = _browser(web, tree["manager"])
    assert "Lê Thị Dân" in manager.get("/nguoi-dung/yeu-cau-chuyen-don-vi").get_data(as_text=True)
    assert manager.post(f"/nguoi-dung/yeu-cau-chuyen-don-vi/{move_id}", data={"decision": "approve"}).status_code == 302
    moved = _fresh(db_session, citizen)
    assert (moved.participant_group, moved.unit_id, moved.residence_unit_id) == ("citizen", None, ids["other_commune"])
    assert db_session.get(UnitChangeRequest, move_id).status == "approved"
    [entry] = _audit(db_session, "user.move_approved")
    assert "Xã Y — Huyện H" in entry.summary


def test_a_correction_of_the_group_or_residence_settles_a_pending_move(web, tree, make_unit, make_user, db_session):
    tree["commune"].kind = UnitKind.commune.value
    other_commune = make_unit("T-H-Y", parent=tree["district"], kind=UnitKind.commune, name="Xã Y")
    citizen = make_user(participant_group="citizen", residence_unit=tree["commune"], full_name="Lê Thị Dân", cccd=None)
    browser = _browser(web, citizen)
    other_id = other_commune.id
    db_session.commit()
    assert browser.post("/nguoi-dung/chuyen-don-vi", data={"to_unit_id": other_id}).status_code == 302
    admin = _browser(web, tree["admin"])
    data = _fields(db_session, citizen, participant_group="citizen", residence_unit_id=other_id, unit_id=0)
    assert admin.post(f"/nguoi-dung/{citizen.id}/sua", data=data).status_code == 302
    db_session.rollback()
    assert db_session.scalar(select(UnitChangeRequest.status)) == "cancelled"


def test_a_correction_from_a_stale_tab_does_not_undo_another(web, tree, db_session):
    """Two tabs open on one person: the second tab's form still holds the old name; saving it must not put the old
    name back silently. It is refused, and the form shows the person as they now are."""
    person = tree["person"]
    admin = _browser(web, tree["admin"])
    data = _fields(db_session, person)
    page = admin.get(f"/nguoi-dung/{person.id}/sua").get_data(as_text=True)
    seen = re.search(r'name="seen"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="seen"', page)
    assert seen, "the form carries the version it was opened at"
    data["seen"] = seen.group(1) or seen.group(2)
    assert admin.post(f"/nguoi-dung/{person.id}/sua", data={**data, "full_name": "Trần Văn Đúng"}).status_code == 302
    stale = admin.post(f"/nguoi-dung/{person.id}/sua", data={**data, "phone": "0912000777"}, follow_redirects=True)
    text = stale.get_data(as_text=True)
    assert "vừa thay đổi sau khi bạn mở trang" in text and 'value="Trần Văn Đúng"' in text
    fixed = _fresh(db_session, person)
    assert (fixed.full_name, fixed.phone) == ("Trần Văn Đúng", "0912000444")
    assert len(_audit(db_session, "user.correct")) == 1
