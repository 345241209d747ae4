"""Integrity lives in the database: each rule is refused by the database itself, not only by forms."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from contest.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    Choice,
    Contest,
    Question,
    QuestionBank,
    Round,
    Topic,
    Unit,
    User,
)

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def _user_row(**overrides):
    row = dict(full_name="A", search_name="a", phone="0912000001", cccd="001234567890", role="participant", password_hash="x", active=True)
    row.update(overrides)
    return row


@pytest.fixture
def round_and_question(db_session, make_unit):
    unit = make_unit()
    bank = QuestionBank(name="Ngân hàng", owner_unit=unit)
    topic = Topic(bank=bank, name="Chủ đề")
    question = Question(bank=bank, topic=topic, code="Q1", kind="single", difficulty=1, text="Câu?", fingerprint="f")
    question.choices = [Choice(label="A", position=0, text="x", is_correct=True), Choice(label="B", position=1, text="y")]
    contest = Contest(owner_unit=unit, title="Cuộc thi")
    round_ = Round(contest=contest, number=1, title="Tuần 1", opens_at=T0, closes_at=T0 + timedelta(days=7), time_limit_minutes=20)
    db_session.add_all([question, round_])
    db_session.flush()
    return round_, question


def _attempt(user_id, round_id, number, status="in_progress"):
    return Attempt(round_id=round_id, user_id=user_id, number=number, status=status, seed=1, started_at=T0, deadline=T0 + timedelta(minutes=20))


@pytest.mark.parametrize(
    "first, second",
    [
        pytest.param({}, {"phone": "0912000002"}, id="duplicate-cccd"),
        pytest.param({}, {"cccd": "001234567891"}, id="duplicate-phone"),
        pytest.param({"email": "a@b.vn"}, {"phone": "0912000002", "cccd": "001234567891", "email": "a@b.vn"}, id="duplicate-email"),
    ],
)
def test_user_identity_is_unique_in_the_database(db_session, first, second):
    db_session.execute(insert(User).values(**_user_row(**first)))
    with pytest.raises(IntegrityError):
        db_session.execute(insert(User).values(**_user_row(**second)))


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"cccd": "12345"}, id="cccd-not-12-digits"),
        pytest.param({"role": "superuser"}, id="unknown-role"),
    ],
)
def test_user_checks_are_enforced_by_the_database(db_session, overrides):
    with pytest.raises(IntegrityError):
        db_session.execute(insert(User).values(**_user_row(**overrides)))


def test_unit_code_is_unique_and_headcount_not_negative(db_session):
    db_session.execute(insert(Unit).values(code="X", name="X", kind="office", headcount=1, path="/1/", depth=0))
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.execute(insert(Unit).values(code="X", name="Y", kind="office", headcount=1, path="/2/", depth=0))
    with pytest.raises(IntegrityError):
        db_session.execute(insert(Unit).values(code="Y", name="Y", kind="office", headcount=-1, path="/3/", depth=0))


def test_round_must_close_after_it_opens(db_session, make_unit):
    contest = Contest(owner_unit=make_unit(), title="C")
    db_session.add(Round(contest=contest, number=1, title="R", opens_at=T0, closes_at=T0, time_limit_minutes=10))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_only_one_attempt_in_progress_per_user_and_round(db_session, make_user, round_and_question):
    round_, _ = round_and_question
    user = make_user()
    db_session.add(_attempt(user.id, round_.id, 1, status="submitted"))
    db_session.add(_attempt(user.id, round_.id, 2))
    db_session.flush()  # a finished attempt beside one in progress is fine
    db_session.add(_attempt(user.id, round_.id, 3))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_other_users_may_each_have_one_attempt_in_progress(db_session, make_user, round_and_question):
    round_, _ = round_and_question
    db_session.add_all([_attempt(make_user().id, round_.id, 1), _attempt(make_user().id, round_.id, 1)])
    db_session.flush()


def test_answer_is_unique_per_attempt_and_question(db_session, make_user, round_and_question):
    round_, question = round_and_question
    attempt = _attempt(make_user().id, round_.id, 1)
    attempt.questions = [
        AttemptQuestion(question_id=question.id, position=1, kind="single", text="Câu?", choices=[{"key": "A", "text": "x"}], correct_keys=["A"], points=1)
    ]
    db_session.add(attempt)
    db_session.flush()
    aq = attempt.questions[0]
    db_session.add(Answer(attempt_id=attempt.id, attempt_question_id=aq.id, selected="A", saved_at=T0))
    db_session.flush()
    db_session.add(Answer(attempt_id=attempt.id, attempt_question_id=aq.id, selected="B", saved_at=T0))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_a_question_is_drawn_once_per_attempt(db_session, make_user, round_and_question):
    round_, question = round_and_question
    attempt = _attempt(make_user().id, round_.id, 1)
    snapshot = dict(question_id=question.id, kind="single", text="Câu?", choices=[], correct_keys=["A"], points=1)
    attempt.questions = [AttemptQuestion(position=1, **snapshot), AttemptQuestion(position=2, **snapshot)]
    db_session.add(attempt)
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_attempt_status_is_checked(db_session, make_user, round_and_question):
    round_, _ = round_and_question
    db_session.add(_attempt(make_user().id, round_.id, 1, status="paused"))
    with pytest.raises(IntegrityError):
        db_session.flush()
