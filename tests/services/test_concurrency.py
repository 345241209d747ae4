"""Twenty concurrent starts and twenty concurrent submits for one participant: one attempt, one scoring."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from contest import db
from contest.models import Answer, Attempt, Round, User
from contest.services import attempts as attempt_service
from tests.conftest import T0
from tests.helpers import POLICY

WORKERS = 20


def _race(app, action):
    """Run `action(session)` in WORKERS threads released together, each with its own session.

    The caller's own session must hold no transaction: on SQLite every transaction takes the write lock.
    """
    barrier = threading.Barrier(WORKERS)

    def run(_):
        with app.app_context():
            session = db.session
            try:
                barrier.wait(timeout=30)
                result = action(session)
                session.commit()
                return result
            except Exception as error:  # collected and asserted on by the test
                session.rollback()
                return error

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(run, range(WORKERS)))


def test_concurrent_starts_and_submits(app, db_session, make_contest, make_user):
    contest = make_contest()
    user_id, round_id = make_user(unit=contest.owner_unit).id, contest.rounds[0].id
    db_session.rollback()

    def start(session):
        return attempt_service.start_attempt(session, session.get(User, user_id), session.get(Round, round_id), T0, POLICY).id

    started = _race(app, start)
    assert all(isinstance(r, int) for r in started), [r for r in started if not isinstance(r, int)]
    assert len(set(started)) == 1
    assert db_session.scalar(select(func.count()).select_from(Attempt)) == 1
    db_session.rollback()

    attempt_id = started[0]
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        question = attempt.questions[0]
        attempt_service.save_answers(db.session, attempt, {question.id: question.correct_keys}, T0, POLICY)
        db.session.commit()

    def submit(session):
        return attempt_service.submit_attempt(session, session.get(Attempt, attempt_id), T0 + timedelta(minutes=3), POLICY)

    submitted = _race(app, submit)
    assert all(isinstance(r, bool) for r in submitted), [r for r in submitted if not isinstance(r, bool)]
    assert submitted.count(True) == 1
    db_session.expire_all()
    attempt = db_session.get(Attempt, attempt_id)
    assert (attempt.status, attempt.score, attempt.correct_count) == ("submitted", 1, 1)
    print(f"\nconcurrency: {WORKERS} starts -> 1 attempt; {WORKERS} submits -> {submitted.count(True)} scoring")


def _interleave(app, first, second):
    """`first(session)` runs and holds its transaction open; meanwhile `second(session)` starts in another
    thread. Returns (whether second was still waiting 0.7 s later, first's result, second's result or error)."""
    holding, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def run_first():
        with app.app_context():
            try:
                results["first"] = first(db.session)
                holding.set()
                release.wait(timeout=30)
                db.session.commit()
            except Exception as error:
                holding.set()
                db.session.rollback()
                results["first"] = error

    def run_second():
        holding.wait(timeout=30)
        with app.app_context():
            try:
                results["second"] = second(db.session)
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                results["second"] = error

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for t in threads:
        t.start()
    holding.wait(timeout=30)
    threads[1].join(timeout=0.7)
    waited = threads[1].is_alive()
    release.set()
    for t in threads:
        t.join(timeout=60)
    return waited, results.get("first"), results.get("second")


def _started(app, db_session, make_contest, make_user):
    contest = make_contest()
    user = make_user(unit=contest.owner_unit)
    attempt = attempt_service.start_attempt(db_session, user, contest.rounds[0], T0, POLICY)
    db_session.commit()
    question = attempt.questions[0]
    ids = (user.id, attempt.id, question.id, list(question.correct_keys), question.points)
    db_session.rollback()  # no transaction of ours in the way (SQLite: every transaction holds the write lock)
    return ids


def test_a_finish_waits_for_a_save_in_flight_and_scores_it(app, db_session, make_contest, make_user):
    user_id, attempt_id, question_id, keys, points = _started(app, db_session, make_contest, make_user)
    later = T0 + timedelta(minutes=2)
    waited, saved, submitted = _interleave(
        app,
        lambda s: attempt_service.save_answer(s, user_id, attempt_id, question_id, keys, later, POLICY),
        lambda s: attempt_service.submit_attempt(s, s.get(Attempt, attempt_id), later, POLICY),
    )
    assert isinstance(saved, int) and submitted is True, (saved, submitted)
    assert waited, "the submit did not wait for the save holding the attempt"
    db_session.expire_all()
    attempt = db_session.get(Attempt, attempt_id)
    assert (attempt.status, attempt.score, attempt.correct_count) == ("submitted", points, 1)


def test_a_save_during_a_finish_waits_and_is_refused(app, db_session, make_contest, make_user):
    user_id, attempt_id, question_id, keys, _ = _started(app, db_session, make_contest, make_user)
    later = T0 + timedelta(minutes=2)
    waited, submitted, saved = _interleave(
        app,
        lambda s: attempt_service.submit_attempt(s, s.get(Attempt, attempt_id), later, POLICY),
        lambda s: attempt_service.save_answer(s, user_id, attempt_id, question_id, keys, later, POLICY),
    )
    assert submitted is True
    assert isinstance(saved, attempt_service.AttemptError), f"a save during the finish was accepted: {saved!r}"
    assert "đã được nộp" in str(saved)
    assert waited, "the save did not wait for the finish holding the attempt"
    db_session.expire_all()
    attempt = db_session.get(Attempt, attempt_id)
    assert (attempt.status, attempt.score) == ("submitted", 0)
    assert db_session.scalar(select(func.count()).select_from(Answer)) == 0


def test_a_save_during_expire_attempts_waits_and_is_refused(app, db_session, make_contest, make_user):
    user_id, attempt_id, question_id, keys, _ = _started(app, db_session, make_contest, make_user)
    in_grace = T0 + timedelta(minutes=20, seconds=5)  # the deadline passed, the grace has not
    after = T0 + timedelta(minutes=20, seconds=11)
    waited, expired, saved = _interleave(
        app,
        lambda s: attempt_service.expire_due_attempts(s, after, POLICY),
        lambda s: attempt_service.save_answer(s, user_id, attempt_id, question_id, keys, in_grace, POLICY),
    )
    assert expired == 1
    assert isinstance(saved, attempt_service.AttemptError), f"a save during the expiry was accepted: {saved!r}"
    assert waited
    db_session.expire_all()
    assert db_session.get(Attempt, attempt_id).status == "expired"
    assert db_session.scalar(select(func.count()).select_from(Answer)) == 0
