"""State derived on the models: a round's state at a moment, its question count, an attempt's review rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.models import AttemptStatus, ContestStatus, RoundState, UnitKind
from contest.services import attempts as attempt_service
from tests.conftest import T0
from tests.helpers import POLICY, play


@pytest.fixture
def contest(make_contest, make_unit):
    return make_contest(unit=make_unit(kind=UnitKind.province), per_topic=2)


def test_a_round_is_upcoming_open_then_closed(contest):
    round_ = contest.rounds[0]
    assert round_.state(T0 - timedelta(seconds=1)) == RoundState.upcoming
    assert round_.state(T0) == RoundState.open
    assert round_.state(round_.closes_at - timedelta(seconds=1)) == RoundState.open
    assert round_.state(round_.closes_at) == RoundState.closed
    assert [s.label for s in RoundState] == ["Sắp diễn ra", "Đang diễn ra", "Đã kết thúc"]


def test_a_round_counts_the_questions_of_its_blueprint(contest):
    assert contest.rounds[0].question_count == 4  # 2 topics × 2


def test_contest_status(contest):
    assert contest.is_published and contest.status_label == "Đã công bố"
    contest.status = ContestStatus.draft.value
    assert not contest.is_published and contest.status_label == "Bản nháp"


@pytest.mark.parametrize("policy, during, after_close", [("immediate", True, True), ("after_close", False, True), ("score_only", False, False)])
def test_answers_are_visible_by_the_review_policy_and_never_while_running(db_session, contest, make_user, policy, during, after_close):
    contest.review_policy = policy
    round_ = contest.rounds[0]
    user = make_user(unit=contest.owner_unit)
    running = attempt_service.start_attempt(db_session, user, round_, T0, POLICY)
    assert running.in_progress and not running.finished and not running.answers_visible(T0 + timedelta(days=30))
    attempt_service.submit_attempt(db_session, running, T0 + timedelta(minutes=1), POLICY)
    assert running.status == AttemptStatus.submitted and running.finished
    assert running.answers_visible(T0 + timedelta(hours=1)) is during
    assert running.answers_visible(round_.closes_at) is after_close
    assert play(db_session, make_user(unit=contest.owner_unit), round_, T0, 1).answers_visible(round_.closes_at) is after_close


def test_a_post_of_the_attempt_page_saves_asks_to_confirm_then_submits(db_session, contest, make_user):
    from contest.services.attempts import FormOutcome, apply_attempt_form, saved_answers

    attempt = attempt_service.start_attempt(db_session, make_user(unit=contest.owner_unit), contest.rounds[0], T0, POLICY)
    first = attempt.questions[0]
    kwargs = dict(now=T0 + timedelta(minutes=1), policy=POLICY)
    assert apply_attempt_form(db_session, attempt, {first.id: ["A"]}, None, submit=False, confirmed=False, **kwargs) is FormOutcome.saved
    assert saved_answers(db_session, attempt)[first.id] == ["A"]
    # An autosaving page posts no answers: what the server holds stays (a stale page overwrites nothing).
    assert apply_attempt_form(db_session, attempt, None, None, submit=True, confirmed=False, **kwargs) is FormOutcome.confirm
    assert attempt.in_progress and saved_answers(db_session, attempt)[first.id] == ["A"]
    assert apply_attempt_form(db_session, attempt, None, None, submit=True, confirmed=True, **kwargs) is FormOutcome.submitted
    assert attempt.status == AttemptStatus.submitted
