"""Rankings: grading policies, the four tie-breaks, prediction resolution, freeze, contest totals, cache."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.models import Attempt, UnitKind
from contest.services import attempts as attempt_service
from contest.services import ranking
from tests.conftest import T0
from tests.helpers import POLICY, play



@pytest.fixture
def contest(make_contest, make_bank, make_unit):
    unit = make_unit(kind=UnitKind.province)
    return make_contest(unit=unit, bank=make_bank(owner=unit, per_topic=2), per_topic=2, attempts_allowed=3,
                        prediction_question="Có bao nhiêu người tham gia vòng này?", prediction_resolver="participants")




@pytest.fixture
def people(make_user, contest):
    def factory(n):
        return [make_user(unit=contest.owner_unit, full_name=f"Người {i}") for i in range(n)]
    return factory


def names(board):
    return [s.full_name for s in board.standings]


def test_score_first(db_session, contest, people):
    a, b = people(2)
    round_ = contest.rounds[0]
    play(db_session, a, round_, start=T0, minutes=1, correct=2)
    play(db_session, b, round_, start=T0, minutes=9, correct=4)
    board = ranking.round_leaderboard(db_session, round_, T0 + timedelta(hours=1), POLICY, frozen=False)
    assert names(board) == ["Người 1", "Người 0"] and [s.rank for s in board.standings] == [1, 2]


def test_prediction_breaks_a_tie_once_the_round_has_closed(db_session, contest, people):
    a, b, c = people(3)
    round_ = contest.rounds[0]
    play(db_session, a, round_, start=T0, minutes=1, correct=4, prediction=10)  # faster, but predicts worse
    play(db_session, b, round_, start=T0, minutes=5, correct=4, prediction=3)  # exact: 3 people took part
    play(db_session, c, round_, start=T0, minutes=2, correct=4)  # no prediction: after every prediction
    before = ranking.round_leaderboard(db_session, round_, T0 + timedelta(hours=1), POLICY, frozen=False)
    assert before.prediction_pending and names(before) == ["Người 0", "Người 2", "Người 1"]
    after = ranking.round_leaderboard(db_session, round_, round_.closes_at + timedelta(minutes=1), POLICY, frozen=False)
    assert after.prediction_actual == 3 and not after.prediction_pending
    assert names(after) == ["Người 1", "Người 0", "Người 2"]
    assert [s.prediction_error for s in after.standings] == [0, 7, None]


def test_full_scores_resolver(db_session, make_contest, make_bank, make_unit, make_user):
    unit = make_unit(kind=UnitKind.province)
    contest = make_contest(unit=unit, bank=make_bank(owner=unit, per_topic=2), per_topic=2,
                           prediction_question="Bao nhiêu bài đạt điểm tối đa?", prediction_resolver="full_scores")
    round_ = contest.rounds[0]
    for i, correct in enumerate([4, 4, 3]):
        play(db_session, make_user(unit=unit), round_, start=T0 + timedelta(minutes=i), minutes=1, correct=correct)
    board = ranking.round_leaderboard(db_session, round_, round_.closes_at + timedelta(seconds=11), POLICY, frozen=False)
    assert board.prediction_actual == 2


def test_time_used_then_submission_time(db_session, contest, people):
    a, b, c = people(3)
    round_ = contest.rounds[0]
    play(db_session, a, round_, start=T0 + timedelta(minutes=10), minutes=3, correct=4)  # same time as c, submitted later
    play(db_session, b, round_, start=T0 + timedelta(minutes=30), minutes=2, correct=4)  # least time used
    play(db_session, c, round_, start=T0, minutes=3, correct=4)
    board = ranking.round_leaderboard(db_session, round_, T0 + timedelta(hours=1), POLICY, frozen=False)
    assert names(board) == ["Người 1", "Người 2", "Người 0"]
    assert [s.rank for s in board.standings] == [1, 2, 3]


@pytest.mark.parametrize("grading, expected_score", [("best", 4), ("first", 2), ("last", 3)])
def test_grading_policy_picks_the_counted_attempt(db_session, contest, people, grading, expected_score):
    contest.grading = grading
    db_session.commit()
    (a,) = people(1)
    round_ = contest.rounds[0]
    for hour, correct in enumerate([2, 4, 3]):
        play(db_session, a, round_, start=T0 + timedelta(hours=hour), minutes=1, correct=correct)
    board = ranking.round_leaderboard(db_session, round_, T0 + timedelta(hours=5), POLICY, frozen=False)
    assert [s.score for s in board.standings] == [expected_score]


def test_freeze_hides_later_results_except_from_organisers(db_session, contest, people):
    a, b = people(2)
    contest.leaderboard_freeze_at = T0 + timedelta(hours=2)
    db_session.commit()
    round_ = contest.rounds[0]
    play(db_session, a, round_, start=T0, minutes=5, correct=2)
    play(db_session, b, round_, start=T0 + timedelta(hours=3), minutes=5, correct=4)
    now = T0 + timedelta(hours=4)
    frozen = ranking.round_leaderboard(db_session, round_, now, POLICY, frozen=True)
    live = ranking.round_leaderboard(db_session, round_, now, POLICY, frozen=False)
    assert names(frozen) == ["Người 0"] and frozen.frozen_at == contest.leaderboard_freeze_at
    assert names(live) == ["Người 1", "Người 0"] and live.frozen_at is None
    before_freeze = ranking.round_leaderboard(db_session, round_, T0 + timedelta(hours=1), POLICY, frozen=True)
    assert before_freeze.frozen_at is None


def test_ranking_first_expires_overdue_attempts(db_session, contest, people):
    (a,) = people(1)
    round_ = contest.rounds[0]
    attempt = attempt_service.start_attempt(db_session, a, round_, T0, POLICY)
    q = attempt.questions[0]
    attempt_service.save_answers(db_session, attempt, {q.id: q.correct_keys}, T0, POLICY)
    db_session.commit()
    board = ranking.round_leaderboard(db_session, round_, T0 + timedelta(hours=1), POLICY, frozen=False)
    assert [(s.full_name, s.score) for s in board.standings] == [("Người 0", 1)]
    assert db_session.get(Attempt, attempt.id).status == "expired"


def test_contest_ranking_sums_rounds(db_session, make_contest, make_bank, make_unit, make_user):
    unit = make_unit(kind=UnitKind.province)
    contest = make_contest(unit=unit, bank=make_bank(owner=unit, per_topic=2), per_topic=2, rounds=2)
    a, b = make_user(unit=unit, full_name="An"), make_user(unit=unit, full_name="Bình")
    r1, r2 = contest.rounds
    play(db_session, a, r1, start=T0, minutes=5, correct=4)
    play(db_session, b, r1, start=T0, minutes=5, correct=3)
    play(db_session, b, r2, start=r2.opens_at, minutes=5, correct=4)
    board = ranking.contest_leaderboard(db_session, contest, r2.opens_at + timedelta(hours=1), POLICY, frozen=False)
    assert [(s.full_name, s.score, s.rounds, s.time_used_ms) for s in board.standings] == [
        ("Bình", 7, 2, 600_000),
        ("An", 4, 1, 300_000),
    ]


def test_leaderboard_cache_is_invalidated_by_a_submission(db_session, contest, people):
    a, b = people(2)
    round_ = contest.rounds[0]
    play(db_session, a, round_, start=T0, minutes=1, correct=2)
    now = T0 + timedelta(hours=1)
    first = ranking.cached_leaderboard(db_session, contest, round_, now, POLICY, frozen=False, seconds=300)
    db_session.commit()
    assert names(first) == ["Người 0"]
    assert names(ranking.cached_leaderboard(db_session, contest, round_, now, POLICY, False, 300)) == ["Người 0"]
    play(db_session, b, round_, start=T0, minutes=1, correct=4)
    assert names(ranking.cached_leaderboard(db_session, contest, round_, now, POLICY, False, 300)) == ["Người 1", "Người 0"]
