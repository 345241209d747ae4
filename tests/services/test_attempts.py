"""Attempts against an injectable clock: windows, deadlines, grace, expiry, scoring, attempts allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.models import Answer, Attempt, Question, UnitKind
from contest.services import attempts as svc
from contest.services import contests as contest_service
from contest.services.attempts import AttemptError
from question_bank.draw import draw_questions
from tests.conftest import T0
from tests.helpers import POLICY
from contest.db import dispose_engines



@pytest.fixture
def contest(make_contest, make_bank, make_unit):
    """Every question of a 3 + 3 bank is drawn, so each kind is present in every attempt."""
    unit = make_unit(kind=UnitKind.province)
    return make_contest(unit=unit, bank=make_bank(owner=unit, per_topic=3), per_topic=3)


@pytest.fixture
def round_(contest):
    return contest.rounds[0]


@pytest.fixture
def player(make_user, contest, make_unit):
    return make_user(unit=make_unit(parent=contest.owner_unit))


def start(db_session, player, round_, at=T0):
    attempt = svc.start_attempt(db_session, player, round_, at, POLICY)
    db_session.commit()
    return attempt


def answer_all(db_session, attempt, right=True, at=T0):
    answers = {}
    for q in attempt.questions:
        wrong = [c["key"] for c in q.choices if c["key"] not in q.correct_keys][:1]
        answers[q.id] = q.correct_keys if right else wrong
    svc.save_answers(db_session, attempt, answers, at, POLICY)
    db_session.commit()


def test_start_draws_and_snapshots_with_a_server_deadline(db_session, player, round_):
    attempt = start(db_session, player, round_, T0 + timedelta(minutes=5))
    assert attempt.status == "in_progress" and attempt.number == 1
    assert attempt.deadline == T0 + timedelta(minutes=25)
    assert len(attempt.questions) == 6 and attempt.max_score == 6
    cells = contest_service.blueprint_cells(db_session, round_)
    assert [q.question_id for q in attempt.questions] == draw_questions(cells, attempt.seed)
    for snapshot in attempt.questions:
        source = db_session.get(Question, snapshot.question_id)
        assert snapshot.text == source.text
        assert sorted(c["text"] for c in snapshot.choices) == sorted(c.text for c in source.choices)
        shown_correct = {c["text"] for c in snapshot.choices if c["key"] in snapshot.correct_keys}
        assert shown_correct == {c.text for c in source.choices if c.is_correct}


def test_deadline_is_capped_by_the_round_close(db_session, player, round_):
    late = round_.closes_at - timedelta(minutes=3)
    attempt = start(db_session, player, round_, late)
    assert attempt.deadline == round_.closes_at
    assert svc.remaining_seconds(attempt, late) == 180


@pytest.mark.parametrize("offset, message", [(timedelta(seconds=-1), "Vòng thi chưa bắt đầu."), (timedelta(days=7), "Vòng thi đã kết thúc.")])
def test_round_window(db_session, player, round_, offset, message):
    with pytest.raises(AttemptError, match=f"^{message}$"):
        svc.start_attempt(db_session, player, round_, T0 + offset, POLICY)


def test_people_outside_the_chosen_units_cannot_start(db_session, make_user, make_unit, round_):
    outsider = make_user(unit=make_unit(kind=UnitKind.province))
    with pytest.raises(AttemptError, match="^Bạn không thuộc đối tượng dự thi của cuộc thi này.$"):
        svc.start_attempt(db_session, outsider, round_, T0, POLICY)


def test_public_contest_admits_anyone(db_session, make_contest, make_user, make_unit):
    contest = make_contest(audience="public", eligible_unit_ids=[])
    attempt = start(db_session, make_user(unit=make_unit(kind=UnitKind.province)), contest.rounds[0])
    assert attempt.id


def test_starting_again_resumes_the_attempt_in_progress(db_session, player, round_):
    first = start(db_session, player, round_)
    again = start(db_session, player, round_, T0 + timedelta(minutes=3))
    assert again.id == first.id
    assert db_session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_attempts_allowed(db_session, make_contest, make_user):
    contest = make_contest(attempts_allowed=2)  # the default 10 + 10 bank
    player = make_user(unit=contest.owner_unit)
    round_ = contest.rounds[0]
    for n in (1, 2):
        attempt = start(db_session, player, round_, T0 + timedelta(hours=n))
        assert attempt.number == n
        svc.submit_attempt(db_session, attempt, T0 + timedelta(hours=n, minutes=1), POLICY)
        db_session.commit()
    with pytest.raises(AttemptError, match="^Bạn đã dùng hết 2 lượt thi của vòng này.$"):
        svc.start_attempt(db_session, player, round_, T0 + timedelta(hours=3), POLICY)


def test_saving_is_idempotent_and_checked(db_session, player, round_):
    attempt = start(db_session, player, round_)
    single = next(q for q in attempt.questions if q.kind == "single")
    multiple = next(q for q in attempt.questions if q.kind == "multiple")
    for _ in range(3):
        svc.save_answers(db_session, attempt, {single.id: ["b"], multiple.id: ["C", "A", "A"]}, T0, POLICY)
    db_session.commit()
    assert svc.saved_answers(db_session, attempt) == {single.id: ["B"], multiple.id: ["A", "C"]}
    assert db_session.scalar(select(func.count()).select_from(Answer)) == 2
    with pytest.raises(AttemptError, match="chỉ được chọn một phương án"):
        svc.save_answers(db_session, attempt, {single.id: ["A", "B"]}, T0, POLICY)
    with pytest.raises(AttemptError, match="không có trong câu hỏi"):
        svc.save_answers(db_session, attempt, {single.id: ["Z"]}, T0, POLICY)
    with pytest.raises(AttemptError, match="không thuộc bài thi này"):
        svc.save_answers(db_session, attempt, {999999: ["A"]}, T0, POLICY)
    svc.save_answers(db_session, attempt, {single.id: []}, T0, POLICY)  # clearing is a save too
    assert svc.saved_answers(db_session, attempt)[single.id] == []


def test_saves_are_accepted_until_deadline_plus_grace(db_session, player, round_):
    attempt = start(db_session, player, round_)
    question = attempt.questions[0]
    svc.save_answers(db_session, attempt, {question.id: question.correct_keys}, attempt.deadline + timedelta(seconds=10), POLICY)
    db_session.commit()
    with pytest.raises(AttemptError, match="Đã hết thời gian làm bài"):
        svc.save_answers(db_session, attempt, {question.id: ["A"]}, attempt.deadline + timedelta(seconds=11), POLICY)
    db_session.commit()
    db_session.refresh(attempt)
    assert attempt.status == "expired" and attempt.finished_at == attempt.deadline
    assert attempt.score == 1 and attempt.time_used_ms == 20 * 60 * 1000


def test_submit_scores_on_the_server(db_session, player, round_):
    attempt = start(db_session, player, round_)
    answer_all(db_session, attempt, right=True)
    wrong = attempt.questions[0]
    svc.save_answers(db_session, attempt, {wrong.id: [c["key"] for c in wrong.choices if c["key"] not in wrong.correct_keys][:1]}, T0, POLICY)
    assert svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=7), POLICY) is True
    db_session.commit()
    assert (attempt.status, attempt.score, attempt.correct_count, attempt.time_used_ms) == ("submitted", 5, 5, 7 * 60 * 1000)
    verdicts = dict(db_session.execute(select(Answer.attempt_question_id, Answer.is_correct)).all())
    assert verdicts[wrong.id] is False and sum(verdicts.values()) == 5


def test_multiple_answer_questions_score_only_when_exactly_right(db_session, player, round_):
    attempt = start(db_session, player, round_)
    multiple = next(q for q in attempt.questions if q.kind == "multiple")
    svc.save_answers(db_session, attempt, {multiple.id: multiple.correct_keys[:1]}, T0, POLICY)
    svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=1), POLICY)
    assert attempt.score == 0


def test_a_second_submit_scores_nothing_more(db_session, player, round_):
    attempt = start(db_session, player, round_)
    answer_all(db_session, attempt)
    assert svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=1), POLICY) is True
    finished_at = attempt.finished_at
    assert svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=2), POLICY) is False
    assert attempt.finished_at == finished_at and attempt.score == 6
    with pytest.raises(AttemptError, match="Bài thi đã được nộp"):
        svc.save_answers(db_session, attempt, {attempt.questions[0].id: ["A"]}, T0 + timedelta(minutes=2), POLICY)


def test_submit_after_grace_expires_with_the_answers_saved(db_session, player, round_):
    attempt = start(db_session, player, round_)
    answer_all(db_session, attempt)
    assert svc.submit_attempt(db_session, attempt, attempt.deadline + timedelta(minutes=1), POLICY) is True
    assert attempt.status == "expired" and attempt.score == 6 and attempt.finished_at == attempt.deadline


def test_expire_due_attempts_finalises_only_overdue_ones(db_session, make_user, contest, round_):
    early = start(db_session, make_user(unit=contest.owner_unit), round_, T0)
    late = start(db_session, make_user(unit=contest.owner_unit), round_, T0 + timedelta(minutes=15))
    answer_all(db_session, early, at=T0 + timedelta(minutes=1))
    now = T0 + timedelta(minutes=20, seconds=11)
    assert svc.expire_due_attempts(db_session, now, POLICY) == 1
    db_session.commit()
    assert (early.status, early.score, late.status) == ("expired", 6, "in_progress")


def test_restart_keeps_deadlines(db_session, app, player, round_):
    """The deadline lives in the database: a new app process sees the same one."""
    from contest import create_app, db

    attempt = start(db_session, player, round_)
    other = create_app(dict(app.config), instance_path=app.instance_path)
    with other.app_context():
        fresh = db.session.get(Attempt, attempt.id)
        assert fresh.deadline == attempt.deadline
        assert svc.remaining_seconds(fresh, T0 + timedelta(minutes=5)) == 15 * 60
    dispose_engines(other)


# ---------------------------------------------------------------- the JSON autosave refuses malformed input


@pytest.fixture
def api_attempt(client, clock, contest, player, login, db_session):
    """An attempt started through the app by the logged-in player; (url of its autosave, attempt)."""
    login(player)
    response = client.post(f"/cuoc-thi/{contest.id}/vong/{contest.rounds[0].id}/bat-dau")
    assert response.status_code == 302
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return f"/api/bai-thi/{attempt_id}/tra-loi", db_session.get(Attempt, attempt_id)


@pytest.mark.parametrize("payload, message", [
    ({"question_id": 2**70, "keys": ["A"]}, "Mã câu hỏi không hợp lệ."),
    ({"question_id": -(2**70), "keys": ["A"]}, "Mã câu hỏi không hợp lệ."),
    ({"question_id": 2**31, "keys": ["A"]}, "Mã câu hỏi không hợp lệ."),
    ({"question_id": 0, "keys": ["A"]}, "Mã câu hỏi không hợp lệ."),
    ({"question_id": True, "keys": ["A"]}, "Mã câu hỏi không hợp lệ."),
    ({"question_id": "FIRST", "keys": ["A"]}, "Mã câu hỏi không hợp lệ."),
    ({"question_id": "FIRST", "keys": "A"}, "Mã câu hỏi không hợp lệ."),
    ({"question_id": None, "keys": "A"}, "Mã câu hỏi không hợp lệ."),
    ({"question_id": 1.5, "keys": ["A"]}, "Mã câu hỏi không hợp lệ."),
    ({"question_id": "QID", "keys": "A"}, "Phương án đã chọn không hợp lệ"),
    ({"question_id": "QID", "keys": [1]}, "Phương án đã chọn không hợp lệ"),
    ({"question_id": "QID", "keys": [["A"]]}, "Phương án đã chọn không hợp lệ"),
    ({"question_id": "QID", "keys": ["A" * 5000]}, "Phương án đã chọn không hợp lệ"),
    ({"question_id": "QID", "keys": {"A": 1}}, "Phương án đã chọn không hợp lệ"),
    ({"prediction": [1]}, "Số dự đoán phải là số nguyên"),
    ({"prediction": {"n": 1}}, "Số dự đoán phải là số nguyên"),
    ({"prediction": 2**70}, "Số dự đoán phải là số nguyên"),
    ({"prediction": -3}, "Số dự đoán phải là số nguyên"),
    ({"prediction": True}, "Số dự đoán phải là số nguyên"),
    ({"prediction": "12a"}, "Số dự đoán phải là số nguyên"),
    ({"prediction": 3.5}, "Số dự đoán phải là số nguyên"),
    ([1, 2], "Dữ liệu gửi lên không hợp lệ."),
    ("A", "Dữ liệu gửi lên không hợp lệ."),
])
def test_autosave_refuses_malformed_input_with_400_and_stores_nothing(client, db_session, api_attempt, payload, message):
    url, attempt = api_attempt
    if isinstance(payload, dict) and payload.get("question_id") == "QID":
        payload = {**payload, "question_id": attempt.questions[0].id}
    contest = attempt.round.contest
    contest.prediction_question = "Bao nhiêu người dự thi?"
    db_session.commit()
    response = client.post(url, json=payload)
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["saved"] is False and body["error"].startswith(message)
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Answer)) == 0
    assert db_session.get(Attempt, attempt.id).prediction is None
    # The attempt still takes a good save afterwards.
    good = client.post(url, json={"question_id": attempt.questions[0].id, "keys": ["A"]})
    assert good.status_code == 200 and good.get_json()["saved"] is True


def test_autosave_of_a_prediction_needs_a_prediction_question(client, db_session, api_attempt):
    url, attempt = api_attempt
    assert attempt.round.contest.prediction_question is None
    response = client.post(url, json={"prediction": 12})
    assert response.status_code == 400
    assert response.get_json() == {"saved": False, "error": "Cuộc thi này không có câu hỏi dự đoán."}
    db_session.expire_all()
    assert db_session.get(Attempt, attempt.id).prediction is None
    attempt.round.contest.prediction_question = "Bao nhiêu người dự thi?"
    db_session.commit()
    for value, stored in ((12, 12), ("1.500", 1500), (None, None), (10_000_000, 10_000_000)):
        response = client.post(url, json={"prediction": value})
        assert response.status_code == 200 and response.get_json()["saved"] is True
        db_session.expire_all()
        assert db_session.get(Attempt, attempt.id).prediction == stored


def test_autosave_out_of_range_attempt_id_is_404(client, api_attempt):
    assert client.post(f"/api/bai-thi/{2**70}/tra-loi", json={"question_id": 1, "keys": ["A"]}).status_code == 404
    for attempt_id in (2**63 - 1, 2**31):
        assert client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"prediction": 3}).status_code == 404
        assert client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": 1, "keys": ["A"]}).status_code == 404
        assert client.get(f"/bai-thi/{attempt_id}").status_code == 404
        assert client.get(f"/api/bai-thi/{attempt_id}/trang-thai").status_code == 404
