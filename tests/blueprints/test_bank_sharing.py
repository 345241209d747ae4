"""Issue 15, point 8, repeated through the pages: a district organiser builds a contest on the province's bank with
immediate review to read its keys. Refused until the province shares the bank; the share is audited."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from contest.models import AuditEntry, Contest, QuestionBank, Role, Round, UnitKind
from contest.services import questions as question_service


@pytest.fixture
def w(db_session, make_unit, make_user, make_bank):
    province = make_unit("P", kind=UnitKind.province, name="Tỉnh P")
    district = make_unit("P-D", parent=province, kind=UnitKind.district, name="Huyện D")
    bank = make_bank(name="Ngân hàng của tỉnh", owner=province, per_topic=5)
    users = {
        "province organiser": make_user(Role.organizer, unit=province),
        "district organiser": make_user(Role.organizer, unit=district),
        "unit manager": make_user(Role.unit_manager, unit=province),
        "participant": make_user(Role.participant, unit=district),
    }
    db_session.commit()
    return SimpleNamespace(province=province, district=district, bank=bank, users=users)


@pytest.fixture
def as_user(client, login):
    def switch(user):
        client.post("/dang-xuat")
        return login(user)

    return switch


def _contest_form(unit) -> dict:
    return {"title": "Thi của huyện", "owner_unit_id": str(unit.id), "audience": "units", "eligible_unit_ids": [str(unit.id)],
            "attempts_allowed": "1", "grading": "best", "points_per_question": "1", "review_policy": "immediate",
            "leaderboard_visibility": "public", "prediction_question": "", "prediction_resolver": ""}


def _round_form(bank) -> dict:
    return {"title": "Tuần 1", "opens_at": "23/11/2026 08:00", "closes_at": "30/11/2026 17:00", "time_limit_minutes": "10",
            **{f"blueprint-{i}-{k}": str(v) for i, topic in enumerate(bank.topics)
               for k, v in {"bank_id": bank.id, "topic_id": topic.id, "difficulty": 0, "count": 5}.items()}}


def _share(client, bank, shared: str):
    return client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/chia-se", data={"shared": shared}, follow_redirects=True)


def _sharing_entries(db_session):
    db_session.expire_all()
    return list(db_session.scalars(select(AuditEntry).where(AuditEntry.action == "question.bank_sharing").order_by(AuditEntry.id)))


def test_district_contest_on_the_province_bank_is_refused_until_the_province_shares_it(client, db_session, clock, w, as_user):
    as_user(w.users["district organiser"])
    assert client.post("/ban-to-chuc/cuoc-thi/moi", data=_contest_form(w.district)).status_code == 302
    contest = db_session.scalar(select(Contest))
    new_round = f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/moi"
    assert w.bank.name not in client.get(new_round).get_data(as_text=True)  # not offered
    refused = client.post(new_round, data=_round_form(w.bank))  # ... nor taken when its id is posted anyway
    assert refused.status_code == 422
    assert "Dòng 1: ngân hàng câu hỏi không được phép dùng cho cuộc thi này" in refused.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Round)) == 0
    assert client.get(f"/ban-to-chuc/ngan-hang/{w.bank.id}").status_code == 403
    assert _share(client, w.bank, "1").status_code == 403  # the district cannot share the province's bank

    as_user(w.users["province organiser"])
    page = client.get(f"/ban-to-chuc/ngan-hang/{w.bank.id}").get_data(as_text=True)
    assert "Không chia sẻ" in page and "ban tổ chức của các đơn vị cấp dưới của Tỉnh P sẽ xem được đáp án" in page
    shared = _share(client, w.bank, "1").get_data(as_text=True)
    assert "Đã chia sẻ ngân hàng “Ngân hàng của tỉnh” cho các cuộc thi của đơn vị cấp dưới." in shared and "Đang chia sẻ" in shared
    [entry] = _sharing_entries(db_session)
    assert entry.actor_id == w.users["province organiser"].id and entry.details == {"bank_id": w.bank.id, "shared": True}

    as_user(w.users["district organiser"])
    assert w.bank.name in client.get(new_round).get_data(as_text=True)
    assert client.post(new_round, data=_round_form(w.bank)).status_code == 302
    db_session.expire_all()
    assert [item.bank_id for item in db_session.scalar(select(Round)).blueprint] == [w.bank.id] * 2


@pytest.mark.parametrize("who, status", [("district organiser", 403), ("unit manager", 403), ("participant", 403)])
def test_only_the_banks_organisers_may_share_it(client, db_session, w, as_user, who, status):
    as_user(w.users[who])
    assert _share(client, w.bank, "1").status_code == status
    db_session.expire_all()
    assert db_session.get(QuestionBank, w.bank.id).shared_with_lower_units is False
    assert _sharing_entries(db_session) == []


def test_a_bad_or_repeated_request_changes_nothing(client, db_session, w, as_user):
    as_user(w.users["province organiser"])
    assert "Yêu cầu chia sẻ ngân hàng không hợp lệ" in _share(client, w.bank, "có").get_data(as_text=True)
    assert "chưa được chia sẻ cho đơn vị cấp dưới; không có gì thay đổi" in _share(client, w.bank, "0").get_data(as_text=True)
    assert _sharing_entries(db_session) == []
    _share(client, w.bank, "1")
    _share(client, w.bank, "1")
    assert "Đã ngừng chia sẻ" in _share(client, w.bank, "0").get_data(as_text=True)
    assert [e.details["shared"] for e in _sharing_entries(db_session)] == [True, False]


def test_after_unsharing_an_untaken_round_shows_the_bank_and_does_not_start(client, db_session, clock, w, as_user, make_contest):
    w.bank.shared_with_lower_units = True
    contest = make_contest(unit=w.district, bank=w.bank, per_topic=2)
    w.bank.shared_with_lower_units = False
    db_session.commit()
    as_user(w.users["district organiser"])
    round_ = contest.rounds[0]
    page = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/{round_.id}").get_data(as_text=True)
    assert "Ngân hàng của tỉnh (không còn được chia sẻ)" in page
    as_user(w.users["participant"])
    started = client.post(f"/cuoc-thi/{contest.id}/vong/{round_.id}/bat-dau", follow_redirects=True)
    assert "mà đơn vị quản lý chưa chia sẻ cho đơn vị cấp dưới nên chưa thể bắt đầu" in started.get_data(as_text=True)


def test_an_admin_shares_a_bank_of_no_unit(client, db_session, w, as_user, make_user):
    bank = question_service.get_or_create_bank(db_session, "Nhập bằng dòng lệnh", None)
    db_session.commit()
    as_user(make_user(Role.admin))
    page = client.get(f"/ban-to-chuc/ngan-hang/{bank.id}").get_data(as_text=True)
    assert "Ngân hàng không thuộc đơn vị nào: chưa cuộc thi nào được rút câu hỏi" in page and "ban tổ chức của mọi đơn vị" in page
    assert "Cuộc thi của mọi đơn vị được rút câu hỏi" in _share(client, bank, "1").get_data(as_text=True)
