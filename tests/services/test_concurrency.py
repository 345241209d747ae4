"""Twenty concurrent starts and twenty concurrent submits for one participant: one attempt, one scoring."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from contest import db
from contest.models import Attempt, Round, User
from contest.services import attempts as attempt_service
from contest.services.attempts import AttemptPolicy
from tests.conftest import T0

POLICY = AttemptPolicy(grace=timedelta(seconds=10))
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
