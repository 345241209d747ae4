"""Who may do what, beyond the authorisation matrix: only the uploader sees and confirms a pending question import,
only the questions drawn in a contest can be regraded there,
and answers stay hidden until the round closes under the "after close" review policy."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.errors import PermissionDeniedError
from contest.models import Attempt, PendingImport, Question, Role, UnitKind
from contest.services import questions as question_service
from question_bank.model import Difficulty
from tests.conftest import TEST_PASSWORD
from tests.helpers import QUESTION_HEADER, play, question_row, xlsx_bytes


def _log_in(client, user):
    client.post("/dang-xuat")
    assert client.post("/dang-nhap", data={"identifier": user.phone, "password": TEST_PASSWORD}).status_code == 302


def test_only_the_uploader_confirms_a_pending_import(client, db_session, make_unit, make_user, make_bank):
    unit = make_unit("P", kind=UnitKind.province)
    bank = make_bank(owner=unit, per_topic=1)
    uploader = make_user(Role.organizer, unit=unit)
    colleague = make_user(Role.organizer, unit=unit)  # may manage the same bank, but did not upload this file
    admin = make_user(Role.admin)
    content = xlsx_bytes([QUESTION_HEADER, question_row(1, code="MOI-1"), question_row(2, code="MOI-2")])
    _log_in(client, uploader)
    preview = client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/nhap", data={"file": (__import__("io").BytesIO(content), "moi.xlsx")},
                          content_type="multipart/form-data")
    assert preview.status_code == 200
    pending_id = int(re.search(rf"/ban-to-chuc/ngan-hang/{bank.id}/nhap/(\d+)", preview.get_data(as_text=True)).group(1))

    def questions() -> int:
        db_session.rollback()
        return db_session.scalar(select(func.count()).select_from(Question).where(Question.bank_id == bank.id))

    before = questions()
    for other in (colleague, admin):
        _log_in(client, other)
        refused = client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/nhap/{pending_id}")
        assert refused.status_code == 403
        assert "Bản xem trước này không phải của bạn." in refused.get_data(as_text=True)
        assert questions() == before and db_session.get(PendingImport, pending_id) is not None
        assert client.get(f"/ban-to-chuc/ngan-hang/{bank.id}/nhap/{pending_id}?page=1").status_code == 403  # nor its pages
    _log_in(client, uploader)
    assert "MOI-2" in client.get(f"/ban-to-chuc/ngan-hang/{bank.id}/nhap/{pending_id}?page=1").get_data(as_text=True)
    assert client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/nhap/{pending_id}").status_code == 302
    assert questions() == before + 2 and db_session.get(PendingImport, pending_id) is None


def test_the_service_refuses_another_users_pending_import(db_session, make_unit, make_user, make_bank):
    unit = make_unit("P", kind=UnitKind.province)
    bank = make_bank(owner=unit, per_topic=1)
    uploader, other = make_user(Role.organizer, unit=unit), make_user(Role.organizer, unit=unit)
    content = xlsx_bytes([QUESTION_HEADER, question_row(1, code="MOI-1")])
    _, pending = question_service.stage_import(db_session, bank, uploader, question_service.Upload(
        content, "moi.xlsx", question_service.guess_format("moi.xlsx", None), "", Difficulty.easy))
    db_session.commit()
    with pytest.raises(PermissionDeniedError, match="không phải của bạn"):
        question_service.confirm_import(db_session, pending, other)
    question_service.confirm_import(db_session, pending, uploader)


def test_answers_stay_hidden_until_the_round_closes(client, db_session, clock, make_unit, make_user, make_contest, make_bank):
    unit = make_unit("P", kind=UnitKind.province)
    contest = make_contest(unit=unit, bank=make_bank(owner=unit, per_topic=2), per_topic=2, review_policy="after_close")
    round_ = contest.rounds[0]
    player = make_user(Role.participant, unit=unit)
    _log_in(client, player)
    started = client.post(f"/cuoc-thi/{contest.id}/vong/{round_.id}/bat-dau")
    attempt_id = int(re.search(r"/bai-thi/(\d+)", started.headers["Location"]).group(1))
    attempt = db_session.get(Attempt, attempt_id)
    right_choice = next(c["text"] for c in attempt.questions[0].choices if c["key"] in attempt.questions[0].correct_keys)
    clock.advance(minutes=3)
    done = client.post(f"/bai-thi/{attempt_id}", data={"action": "submit", "confirmed": "1"})
    assert done.status_code == 302
    for moment in (clock.current, round_.closes_at - timedelta(seconds=1)):
        clock.set(moment)
        page = client.get(f"/bai-thi/{attempt_id}/ket-qua").get_data(as_text=True)
        assert "Đáp án sẽ được công bố sau khi vòng thi kết thúc" in page
        assert "Đáp án đúng" not in page and right_choice not in page
    clock.set(round_.closes_at)
    page = client.get(f"/bai-thi/{attempt_id}/ket-qua").get_data(as_text=True)
    assert "Đáp án đúng" in page and right_choice in page


def test_only_questions_drawn_in_the_contest_can_be_regraded(client, db_session, make_unit, make_user, make_contest, make_bank, login):
    unit = make_unit("P", kind=UnitKind.province)
    bank = make_bank(owner=unit, per_topic=3)  # six questions; the contest draws four of them
    contest = make_contest(unit=unit, bank=bank, per_topic=2)
    attempt = play(db_session, make_user(Role.participant, unit=unit), contest.rounds[0], contest.rounds[0].opens_at, correct=2)
    drawn = {q.question_id for q in attempt.questions}
    login(make_user(Role.organizer, unit=unit))
    for question in db_session.scalars(select(Question).where(Question.bank_id == bank.id)):
        status = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}/cham-lai/{question.id}?cach=credit").status_code
        assert status == (200 if question.id in drawn else 404), question.code
