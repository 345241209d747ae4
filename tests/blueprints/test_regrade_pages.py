"""The regrade pages: the questions drawn, a dry run that writes nothing, the confirmation, and the prize page's
flag that results changed after a regrade until an organiser has looked at the winners again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from contest.models import AuditEntry, Question, Regrade, RegradeAction, Role
from contest.services import awards as award_service
from contest.services import regrade as regrade_service
from tests.blueprints.test_security import database_fingerprint
from tests.conftest import T0
from tests.helpers import POLICY, play
from tests.services.test_regrade import _correct_the_key, wrong_key  # noqa: F401 (the fixture)


def test_a_wrong_key_repaired_from_the_pages(app, client, clock, db_session, wrong_key, make_user, login):  # noqa: F811
    contest, question, ann, binh, first, second = wrong_key
    login(make_user(Role.organizer, unit=contest.owner_unit))
    clock.set(clock.current + timedelta(minutes=1))
    _correct_the_key(db_session, question, ["C"])
    listing = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai").get_data(as_text=True)
    assert question.code in listing and "Đã sửa trong ngân hàng sau khi rút đề" in listing

    db_session.commit()
    before = database_fingerprint(app)
    preview = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}?cach=key")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Người đứng đầu thay đổi." in page and "Nguyễn Thị Ân → Trần Văn Bình" in page
    assert "<strong>2</strong> bài thi đổi điểm" in page and "4/4" in page and "3/4" in page
    assert "1 → <strong>2</strong>" in page and "2 → <strong>1</strong>" in page
    db_session.rollback()
    assert database_fingerprint(app) == before, "the dry run wrote something"

    assert "Kết quả đã thay đổi sau khi chấm lại" not in client.get(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai").get_data(as_text=True)
    confirmed = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}", data={"cach": "key"})
    assert confirmed.status_code == 302
    db_session.expire_all()
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "contest.regrade"))
    assert "2 bài thi đổi điểm" in entry.summary and entry.details["question_id"] == question.id
    prizes = client.get(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai").get_data(as_text=True)
    assert "Kết quả đã thay đổi sau khi chấm lại" in prizes and "Người đứng đầu thay đổi" in prizes
    assert prizes.index("Trần Văn Bình") < prizes.index("Nguyễn Thị Ân", prizes.index("<tbody>"))  # the new winner first

    assert client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/da-xem-lai").status_code == 302
    assert "Kết quả đã thay đổi sau khi chấm lại" not in client.get(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai").get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(select(Regrade)).reviewed_at is not None


def test_the_preview_names_the_confirmed_prizes_to_review(client, db_session, wrong_key, make_user, login):  # noqa: F811
    contest, question, ann, *_ = wrong_key
    login(make_user(Role.organizer, unit=contest.owner_unit))
    round_ = contest.rounds[0]
    award = award_service.confirm_prize(db_session, contest, round_, ann, "Giải Nhất", None)
    award_service.prize_certificate(db_session, award, T0)
    award_service.set_published(db_session, contest, round_, True, None)
    db_session.commit()
    _correct_the_key(db_session, question, ["C"])
    page = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}?cach=key").get_data(as_text=True)
    assert "Giải đã xác nhận cần xem lại sau khi chấm lại" in page
    assert f"Nguyễn Thị Ân — Giải Nhất ({round_.title}): hạng 1 → <strong>2</strong>, điểm 4/4 → <strong>3/4</strong>; đã cấp giấy chứng nhận; danh sách đã công bố" in page
    assert f"Danh sách đạt giải đã công bố có thứ hạng hoặc điểm thay đổi: {round_.title}." in page
    credited = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}?cach=credit").get_data(as_text=True)
    # Ann keeps her rank and score; Binh's score on the published list still moves (3/4 → 4/4).
    assert "Nguyễn Thị Ân — Giải Nhất" not in credited and f"có thứ hạng hoặc điểm thay đổi: {round_.title}." in credited


def test_a_regrade_changing_nothing_or_unknown_is_refused(client, db_session, wrong_key, make_user, login):  # noqa: F811
    contest, question, *_ = wrong_key
    login(make_user(Role.organizer, unit=contest.owner_unit))
    unchanged = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}?cach=key").get_data(as_text=True)
    assert "Không có gì thay đổi" in unchanged and "Xác nhận chấm lại" not in unchanged
    refused = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}", data={"cach": "key"})
    assert refused.status_code == 422 and "không thay đổi gì" in refused.get_data(as_text=True)
    odd = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}?cach=xoa")
    assert odd.status_code == 422 and "Cách chấm lại không hợp lệ" in odd.get_data(as_text=True)
    assert db_session.scalar(select(Regrade)) is None


def test_the_participant_review_says_a_question_was_voided(client, db_session, make_unit, make_user, make_contest, login):
    unit = make_unit("P")
    contest = make_contest(unit=unit, review_policy="immediate")
    player = make_user(Role.participant, unit=unit)
    attempt = play(db_session, player, contest.rounds[0], T0, correct=0)
    voided = attempt.questions[0]
    question = db_session.get(Question, voided.question_id)
    regrade_service.regrade(db_session, contest, question, RegradeAction.credit, T0 + timedelta(hours=1), POLICY, None)
    db_session.commit()
    login(player)
    page = client.get(f"/bai-thi/{attempt.id}/ket-qua").get_data(as_text=True)
    assert page.count("Câu hỏi đã được hủy khi chấm lại: mọi người làm câu này đều được điểm.") == 1


def test_a_confirmation_applies_only_the_key_that_was_previewed(app, client, clock, db_session, wrong_key, make_user, login):  # noqa: F811
    """Preview in one tab, the key changed again in another, confirm in the first: refused with the new preview,
    nothing rescored (found by a newcomer: the confirmation applied a key nobody had previewed)."""
    contest, question, *_ = wrong_key
    login(make_user(Role.organizer, unit=contest.owner_unit))
    clock.set(clock.current + timedelta(minutes=1))
    _correct_the_key(db_session, question, ["C"])
    db_session.commit()
    page = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}?cach=key").get_data(as_text=True)
    stamp = page.split('name="ban" value="')[1].split('"')[0]
    db_session.rollback()
    clock.set(clock.current + timedelta(minutes=1))
    _correct_the_key(db_session, question, ["D"])  # the other tab
    db_session.rollback()
    before = database_fingerprint(app)
    refused = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}", data={"cach": "key", "ban": stamp})
    assert refused.status_code == 422
    assert "Câu hỏi đã được sửa trong ngân hàng sau khi bạn xem trước." in refused.get_data(as_text=True)
    db_session.rollback()
    assert database_fingerprint(app) == before
    fresh = refused.get_data(as_text=True).split('name="ban" value="')[1].split('"')[0]
    assert fresh != stamp
    assert client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}", data={"cach": "key", "ban": fresh}).status_code == 302
