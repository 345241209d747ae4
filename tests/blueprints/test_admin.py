"""Admin pages: users (search, role, deactivate), units (tree, add, edit, move); who may open them is the
authorisation matrices' business (test_security.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contest.models import Role, Unit, User, UnitKind


def test_user_search_ignores_diacritics_and_matches_phone(client, login_as, make_user):
    login_as(Role.admin)
    make_user(full_name="Nguyễn Văn Đạt", phone="0911222333")
    make_user(full_name="Trần Thị Mai")
    by_name = client.get("/quan-tri/nguoi-dung?q=nguyen van dat").get_data(as_text=True)
    assert "Nguyễn Văn Đạt" in by_name and "Trần Thị Mai" not in by_name
    by_phone = client.get("/quan-tri/nguoi-dung?q=0911222").get_data(as_text=True)
    assert "Nguyễn Văn Đạt" in by_phone and "Trần Thị Mai" not in by_phone


def test_admin_changes_a_role(client, db_session, login_as, make_user):
    login_as(Role.admin)
    user = make_user()
    assert client.post(f"/quan-tri/nguoi-dung/{user.id}/vai-tro", data={"role": "organizer"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(User, user.id).role == "organizer"


def test_admin_cannot_drop_own_admin_role_or_lock_self(client, db_session, login_as):
    admin = login_as(Role.admin)
    client.post(f"/quan-tri/nguoi-dung/{admin.id}/vai-tro", data={"role": "participant"})
    client.post(f"/quan-tri/nguoi-dung/{admin.id}/trang-thai")
    db_session.expire_all()
    fresh = db_session.get(User, admin.id)
    assert (fresh.role, fresh.active) == ("admin", True)


def test_deactivate_and_reactivate(client, db_session, login_as, make_user):
    login_as(Role.admin)
    user = make_user()
    client.post(f"/quan-tri/nguoi-dung/{user.id}/trang-thai")
    db_session.expire_all()
    assert db_session.get(User, user.id).active is False
    client.post(f"/quan-tri/nguoi-dung/{user.id}/trang-thai")
    db_session.expire_all()
    assert db_session.get(User, user.id).active is True


def test_deactivated_user_loses_their_session(client, db_session, make_user, login):
    user = login(make_user())
    user.active = False
    db_session.merge(user)
    db_session.commit()
    assert client.get("/tai-khoan").status_code == 302


def _unit(db_session, code):
    db_session.expire_all()
    return db_session.scalar(select(Unit).where(Unit.code == code))


def test_add_edit_and_move_units(client, db_session, login_as):
    login_as(Role.admin)
    form = {"code": "t01", "name": "UBND tỉnh", "kind": "province", "parent_id": "0", "headcount": "0"}
    assert client.post("/quan-tri/don-vi/them", data=form).status_code == 302
    root = _unit(db_session, "T01")
    for code, name in [("T01-A", "Sở A"), ("T01-B", "Sở B")]:
        client.post("/quan-tri/don-vi/them", data={"code": code, "name": name, "kind": "department", "parent_id": str(root.id), "headcount": "5"})
    a = _unit(db_session, "T01-A")
    client.post("/quan-tri/don-vi/them", data={"code": "T01-A-1", "name": "Phòng 1", "kind": "office", "parent_id": str(a.id), "headcount": "7"})
    leaf = _unit(db_session, "T01-A-1")
    assert leaf.path == f"/{root.id}/{a.id}/{leaf.id}/" and leaf.depth == 2

    # Move Sở A (with its office) under Sở B: the whole subtree's paths follow.
    b = _unit(db_session, "T01-B")
    response = client.post(f"/quan-tri/don-vi/{a.id}", data={"code": "T01-A", "name": "Sở A mới", "kind": "department", "parent_id": str(b.id), "headcount": "6"})
    assert response.status_code == 302
    a, leaf = _unit(db_session, "T01-A"), _unit(db_session, "T01-A-1")
    assert (a.name, a.headcount, a.parent_id) == ("Sở A mới", 6, b.id)
    assert leaf.path == f"/{root.id}/{b.id}/{a.id}/{leaf.id}/" and leaf.depth == 3
    tree_page = client.get("/quan-tri/don-vi").get_data(as_text=True)
    assert "Sở A mới" in tree_page and "Phòng 1" in tree_page


def test_unit_cannot_move_into_its_own_subtree(client, db_session, login_as, make_unit):
    login_as(Role.admin)
    parent = make_unit("P")
    child = make_unit("P-C", parent=parent)
    db_session.commit()
    response = client.post(f"/quan-tri/don-vi/{parent.id}", data={"code": "P", "name": "P", "kind": "office", "parent_id": str(child.id), "headcount": "1"})
    assert response.status_code == 422
    assert "vào chính nó hoặc một đơn vị cấp dưới" in response.get_data(as_text=True)
    assert _unit(db_session, "P").parent_id is None


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"headcount": "-3"}, "Số CBCCVC không được âm."),
        ({"code": "MÃ SAI"}, "Mã đơn vị chỉ gồm chữ cái không dấu"),
        ({"code": "DUP"}, "Mã đơn vị “DUP” đã tồn tại."),
    ],
)
def test_unit_form_refuses_bad_values(client, db_session, login_as, make_unit, fields, message):
    login_as(Role.admin)
    make_unit("DUP")
    db_session.commit()
    data = {"code": "NEW", "name": "Đơn vị mới", "kind": "office", "parent_id": "0", "headcount": "1", **fields}
    response = client.post("/quan-tri/don-vi/them", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _unit(db_session, "NEW") is None


def test_subtree_query_and_tree(db_session, make_unit):
    from contest.services.units import subtree_filter, unit_tree

    def subtree_ids(session, unit):
        return list(session.scalars(select(Unit.id).where(subtree_filter(unit))))

    root = make_unit("R", kind=UnitKind.province, headcount=0)
    ids = {root.id}
    for i in range(12):  # ids 2..13 exercise '/1/1x/' vs '/1/1/' prefixes
        child = make_unit(f"R-{i}", parent=root, headcount=i)
        ids.add(child.id)
    other = make_unit("OTHER")
    assert set(subtree_ids(db_session, root)) == ids
    first_child = db_session.scalar(select(Unit).where(Unit.code == "R-0"))
    assert subtree_ids(db_session, first_child) == [first_child.id]
    tops = unit_tree(db_session)
    by_code = {node.unit.code: node for node in tops}
    assert set(by_code) == {"R", "OTHER"} and other.id not in ids
    assert by_code["R"].subtree_headcount == sum(range(12))


def test_a_unit_correction_is_audited_with_what_changed(client, db_session, login_as, make_unit):
    from contest.models import AuditEntry

    login_as(Role.admin)
    root = make_unit("T02", kind=UnitKind.province, name="Tỉnh Hai")
    old_parent, new_parent = make_unit("T02-A", parent=root, name="Sở A"), make_unit("T02-B", parent=root, name="Sở B")
    office = make_unit("T02-A-VP", parent=old_parent, name="Văn phong", headcount=7)
    db_session.commit()
    data = {"code": "T02-B-VP", "name": "Văn phòng", "kind": "office", "parent_id": str(new_parent.id), "headcount": "1200"}
    assert client.post(f"/quan-tri/don-vi/{office.id}", data=data).status_code == 302
    [entry] = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "unit.save")).all()
    assert entry.summary == ("Đã sửa đơn vị Văn phòng — Sở B (T02-B-VP): mã: T02-A-VP → T02-B-VP; tên: Văn phong → Văn phòng; "
                             "đơn vị cấp trên: Sở A → Sở B; số CBCCVC: 7 → 1.200.")
    assert client.post(f"/quan-tri/don-vi/{office.id}", data=data).status_code == 302  # saved again as it is
    entries = db_session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "unit.save").order_by(AuditEntry.id)).all()
    assert entries[-1] == "Đã lưu đơn vị Văn phòng — Sở B (T02-B-VP): không có gì thay đổi."
