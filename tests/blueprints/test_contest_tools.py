"""Issue 19 pages: copying a round (dates proposed, confirmed in the form) and a contest, the overrides list (add,
edit, delete, audit log, shown beside the person in the prize list), and the overdue rule shown to participants."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import Attempt, AttemptStatus, AuditEntry, Contest, ContestStatus, Override, Role, UnitKind
from contest.services import overrides as override_service
from contest.timeutil import to_local
from tests.conftest import T0
from tests.helpers import play


@pytest.fixture
def province(make_unit):
    return make_unit("P", kind=UnitKind.province, name="UBND tỉnh Thử")


@pytest.fixture
def contest(make_contest, make_bank, province):
    return make_contest(unit=province, bank=make_bank(owner=province, per_topic=3), per_topic=2, rounds=2)


@pytest.fixture
def organizer(login_as, province):
    return login_as(Role.organizer, unit=province)


def _form_values(page: str) -> dict[str, str]:
    """The values a GET of a form shows (inputs and selected options), as the organiser would send them back."""
    values = {name: html.unescape(value) for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
        if chosen:
            values[name] = chosen.group(1) or chosen.group(2)
    return values


def _audit(db_session, action: str) -> list[str]:
    db_session.rollback()
    return list(db_session.scalars(select(AuditEntry.summary).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_copying_a_round_proposes_the_next_week_and_saves_only_when_confirmed(client, db_session, contest, organizer):
    last = contest.rounds[-1]
    page = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/{last.id}/sao-chep").get_data(as_text=True)
    assert "Sao chép Tuần 2" in page and "Chưa có gì được lưu" in page
    proposed = to_local(last.opens_at + timedelta(weeks=1))
    assert proposed.strftime("%d/%m/%Y") in page or proposed.strftime("%Y-%m-%d") in page
    db_session.rollback()
    assert len(db_session.get(Contest, contest.id).rounds) == 2  # a GET saves nothing
    values = _form_values(page)
    assert values["title"] == "Tuần 3" and values["blueprint-0-count"] == "2"
    saved = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/{last.id}/sao-chep", data=values)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db_session.expire_all()
    rounds = db_session.get(Contest, contest.id).rounds
    assert [r.number for r in rounds] == [1, 2, 3]
    assert (rounds[2].opens_at, rounds[2].closes_at) == (last.opens_at + timedelta(weeks=1), last.closes_at + timedelta(weeks=1))
    assert [(i.bank_id, i.topic_id, i.question_count) for i in rounds[2].blueprint] == [
        (i.bank_id, i.topic_id, i.question_count) for i in last.blueprint]


def test_a_copied_round_with_dates_the_wrong_way_round_says_so_with_the_other_problems(client, db_session, contest, organizer):
    last = contest.rounds[-1]
    url = f"/ban-to-chuc/cuoc-thi/{contest.id}/vong/{last.id}/sao-chep"
    values = _form_values(client.get(url).get_data(as_text=True))
    values.update(opens_at="12/01/2027 10:00", closes_at="05/01/2027 10:00", time_limit_minutes="-5")
    refused = client.post(url, data=values)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Từ 1 đến 600 phút." in page and "Thời điểm kết thúc phải sau thời điểm bắt đầu." in page  # at once, not one after the other
    db_session.rollback()
    assert len(db_session.get(Contest, contest.id).rounds) == 2


def test_copying_a_contest_makes_a_draft_with_moved_rounds_and_logs_it(client, db_session, contest, organizer):
    page = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/sao-chep").get_data(as_text=True)
    assert "(bản sao)" in page and 'value="14"' in page  # two weekly rounds: the copy starts two weeks later
    preview = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/sao-chep",
                          data={"title": "Cuộc thi đợt 2", "shift_days": "28", "action": "preview"})
    assert preview.status_code == 200 and to_local(contest.rounds[0].opens_at + timedelta(days=28)).strftime("%d/%m/%Y") in preview.get_data(as_text=True)
    assert db_session.scalar(select(Contest).where(Contest.title == "Cuộc thi đợt 2")) is None
    bad = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/sao-chep", data={"title": "Cuộc thi đợt 2", "shift_days": "mười", "action": "copy"})
    assert bad.status_code == 422
    done = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/sao-chep", data={"title": "Cuộc thi đợt 2", "shift_days": "28", "action": "copy"})
    assert done.status_code == 302
    db_session.rollback()
    copy = db_session.scalar(select(Contest).where(Contest.title == "Cuộc thi đợt 2"))
    assert done.headers["Location"].endswith(f"/ban-to-chuc/cuoc-thi/{copy.id}")
    assert copy.status == ContestStatus.draft and [r.opens_at for r in copy.rounds] == [r.opens_at + timedelta(days=28) for r in contest.rounds]
    assert any("Cuộc thi đợt 2" in line for line in _audit(db_session, "contest.copy"))


def test_organiser_adds_edits_and_deletes_overrides_and_each_change_is_logged(client, db_session, contest, organizer, make_user, make_unit, province):
    person = make_user(unit=make_unit("P-X", parent=province), full_name="Lê Thị Mất Điện")
    url = f"/ban-to-chuc/cuoc-thi/{contest.id}/dieu-chinh"
    assert "Chưa có điều chỉnh riêng nào" in client.get(url).get_data(as_text=True)
    refused = client.post(url, data={"person": "", "unit_id": "0", "round_id": "0", "extra_minutes": "10", "reason": "Mất điện"})
    assert refused.status_code == 422 and "đúng một đối tượng" in refused.get_data(as_text=True)
    fields = {"person": person.phone, "unit_id": "0", "round_id": str(contest.rounds[0].id), "extra_minutes": "15", "extra_attempts": "1", "closes_at": ""}
    unexplained = client.post(url, data={**fields, "reason": "  "})
    assert unexplained.status_code == 422 and "Ghi lý do điều chỉnh" in unexplained.get_data(as_text=True)
    assert db_session.scalar(select(Override).where(Override.contest_id == contest.id)) is None
    added = client.post(url, data={**fields, "reason": "Mất điện"})
    assert added.status_code == 302
    listing = client.get(url).get_data(as_text=True)
    assert "Lê Thị Mất Điện" in listing and "Mất điện" in listing and "Tuần 1" in listing
    db_session.rollback()
    override = db_session.scalar(select(Override).where(Override.contest_id == contest.id))
    assert (override.extra_minutes, override.extra_attempts, override.user_id) == (15, 1, person.id)
    edit_url = f"{url}/{override.id}"
    values = _form_values(client.get(edit_url).get_data(as_text=True))
    assert values["person"] == person.phone and values["extra_minutes"] == "15"
    assert client.post(edit_url, data={**values, "extra_minutes": "25"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Override, override.id).extra_minutes == 25
    assert client.post(f"{edit_url}/xoa").status_code == 302
    db_session.expire_all()
    assert db_session.get(Override, override.id) is None
    log = _audit(db_session, "contest.override")
    assert len(log) == 3 and "Đã thêm" in log[0] and "thêm 15 phút" in log[0] and "Lý do: Mất điện" in log[0]
    assert "thêm 25 phút" in log[1] and "Đã xóa" in log[2]


def test_an_override_of_another_contest_is_not_found(client, db_session, contest, organizer, make_contest, make_bank, province, make_user):
    other = make_contest(unit=province, bank=make_bank(name="Khác", owner=province))
    override = override_service.save_override(db_session, other, None, override_service.OverrideSettings(
        person=make_user(unit=province).phone, unit_id=None, round_id=None, extra_minutes=5))
    db_session.commit()
    assert client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/dieu-chinh/{override.id}").status_code == 404
    assert client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/dieu-chinh/{override.id}/xoa").status_code == 404


def test_the_prize_list_shows_who_has_an_override(client, db_session, contest, organizer, make_user, make_unit, province):
    district = make_unit("P-H", parent=province, kind=UnitKind.district)
    helped, unit_helped = make_user(unit=province, full_name="Người Được Thêm"), make_user(unit=make_unit("P-H-X", parent=district))
    for person in (helped, unit_helped):
        play(db_session, person, contest.rounds[0], T0, 2)
    for fields in ({"person": helped.phone, "unit_id": None}, {"person": "", "unit_id": district.id}):
        override_service.save_override(db_session, contest, None, override_service.OverrideSettings(round_id=None, extra_minutes=7, **fields))
    db_session.commit()
    page = client.get(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai").get_data(as_text=True)
    assert page.count("Điều chỉnh riêng — mọi vòng thi: thêm 7 phút") == 1
    assert page.count("Điều chỉnh riêng (theo đơn vị) — mọi vòng thi: thêm 7 phút") == 1


@pytest.mark.parametrize("handling, shown, not_shown", [
    ("autoabandon", "Bài chưa được nộp khi hết hạn sẽ bị hủy", "được tự động nộp"),
    ("autosubmit", "bài thi được tự động nộp với các câu trả lời đã lưu", "sẽ bị hủy"),
])
def test_participants_read_the_overdue_rule_on_the_contest_page(client, db_session, contest, login_as, province, handling, shown, not_shown):
    contest.overdue_handling, contest.grace_seconds = handling, 30
    db_session.commit()
    login_as(Role.participant, unit=province)
    page = client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert shown in page and not_shown not in page and "quá 30 giây" in page


def test_a_person_with_a_later_close_starts_after_the_close_and_sees_why(client, db_session, clock, contest, login_as, province):
    round_ = contest.rounds[0]
    person = login_as(Role.participant, unit=province)
    later = round_.closes_at + timedelta(days=2)
    override_service.save_override(db_session, contest, None, override_service.OverrideSettings(
        person=person.phone, unit_id=None, round_id=round_.id, closes_at=later, extra_minutes=10))
    db_session.commit()
    clock.set(round_.closes_at + timedelta(hours=1))
    page = client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert "Ban tổ chức điều chỉnh riêng cho bạn: thêm 10 phút làm bài, được làm bài đến" in page
    assert page.count("Bắt đầu làm bài") == 2  # this round for them, and the second round, open for everyone
    started = client.post(f"/cuoc-thi/{contest.id}/vong/{round_.id}/bat-dau")
    assert "/bai-thi/" in started.headers["Location"]
    db_session.rollback()
    attempt = db_session.scalar(select(Attempt).where(Attempt.user_id == person.id))
    assert attempt.deadline == clock.current + timedelta(minutes=30)


def test_an_abandoned_attempt_says_so_and_uses_the_attempt(client, db_session, clock, contest, login_as, province):
    contest.overdue_handling = "autoabandon"
    db_session.commit()
    login_as(Role.participant, unit=province)
    round_ = contest.rounds[0]
    started = client.post(f"/cuoc-thi/{contest.id}/vong/{round_.id}/bat-dau")
    attempt_id = int(re.search(r"/bai-thi/(\d+)", started.headers["Location"]).group(1))
    clock.advance(minutes=21)
    result = client.get(f"/bai-thi/{attempt_id}", follow_redirects=True).get_data(as_text=True)
    assert "Bài thi đã bị hủy vì chưa được nộp trước khi hết giờ" in result
    assert "Điểm</div>" not in result
    db_session.rollback()
    assert db_session.get(Attempt, attempt_id).status == AttemptStatus.abandoned
    page = client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert "Lượt 1: bị hủy vì chưa nộp trước khi hết giờ (không tính điểm)" in page
    assert "Bắt đầu làm bài" not in page and "Thi lại" not in page  # its one attempt is used; the second round is upcoming


def test_answers_after_close_wait_for_the_latest_close_an_override_gives(client, db_session, clock, make_contest, make_bank, province,
                                                                          login_as, make_user):
    contest = make_contest(unit=province, bank=make_bank(name="Xem đáp án", owner=province), review_policy="after_close")
    round_ = contest.rounds[0]
    player = login_as(Role.participant, unit=province)
    attempt = play(db_session, player, round_, T0, 2)
    later = round_.closes_at + timedelta(days=1)
    override_service.save_override(db_session, contest, None, override_service.OverrideSettings(
        person=make_user(unit=province).phone, unit_id=None, round_id=round_.id, closes_at=later))
    db_session.commit()
    for moment, shown in ((round_.closes_at + timedelta(hours=1), False), (later, True)):
        clock.set(moment)
        page = client.get(f"/bai-thi/{attempt.id}/ket-qua").get_data(as_text=True)
        assert ("<h2 class=\"h5\">Đáp án</h2>" in page) is shown
        if not shown:
            assert f"với mọi người dự thi ({to_local(later).strftime('%d/%m/%Y %H:%M')})" in page
