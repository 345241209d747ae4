"""Contest-wide ranking, its cache and the cache's serialisation (contest/services/ranking.py).

Written to kill the mutants `make mutation` found alive (see TESTING.md): the whole-contest
board's tie-breaks and prediction averages, the freeze, `limit`/`total`, and the cache keys.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest import cache
from contest.models import CacheEntry, ParticipantGroup, Role, UnitKind
from contest.services import attempts as attempt_service
from contest.services import prizes, ranking
from contest.services import users as user_service
from contest.services.ranking import Leaderboard, Standing
from tests.conftest import T0, TEST_PASSWORD
from tests.services.test_ranking import POLICY, play


@pytest.fixture
def province(make_unit):
    return make_unit("P", kind=UnitKind.province, name="UBND tỉnh")


@pytest.fixture
def two_rounds(make_contest, make_bank, province):
    """Two rounds (T0 to T0+7d, T0+7d to T0+14d); the prediction is the number of participants."""
    return make_contest(unit=province, bank=make_bank(owner=province, per_topic=2), per_topic=2, rounds=2,
                        prediction_question="Có bao nhiêu người tham gia vòng này?", prediction_resolver="participants")


def test_contest_board_breaks_equal_totals_by_mean_prediction_error(db_session, two_rounds, make_user, province):
    r1, r2 = two_rounds.rounds
    exact, off, silent = (make_user(unit=province, full_name=n) for n in ("Chính xác", "Lệch", "Không đoán"))
    for round_ in (r1, r2):
        play(db_session, exact, round_, start=round_.opens_at, minutes=5, correct=4, prediction=3)
        play(db_session, off, round_, start=round_.opens_at, minutes=2, correct=4, prediction=1)  # faster, predicts worse
        play(db_session, silent, round_, start=round_.opens_at, minutes=1, correct=4)  # fastest, no prediction
    during_first = ranking.contest_leaderboard(db_session, two_rounds, T0 + timedelta(hours=1), POLICY, frozen=False)
    assert during_first.prediction_pending
    assert [s.full_name for s in during_first.standings] == ["Không đoán", "Lệch", "Chính xác"]  # time decides
    assert [s.prediction_error for s in during_first.standings] == [None, None, None]
    during_second = ranking.contest_leaderboard(db_session, two_rounds, r2.opens_at + timedelta(hours=1), POLICY, frozen=False)
    assert during_second.prediction_pending and [r.prediction_actual for r in two_rounds.rounds] == [3, None]
    assert [s.prediction_error for s in during_second.standings] == [0.0, 2.0, None]  # the first round's only

    board = ranking.contest_leaderboard(db_session, two_rounds, r2.closes_at + timedelta(minutes=1), POLICY, frozen=False)
    assert not board.prediction_pending and board.prediction_actual is None
    assert [r.prediction_actual for r in two_rounds.rounds] == [3, 3]
    assert [(s.full_name, s.score, s.max_score, s.rounds) for s in board.standings] == [
        ("Chính xác", 8, 8, 2), ("Lệch", 8, 8, 2), ("Không đoán", 8, 8, 2)]
    assert [s.prediction for s in board.standings] == [3.0, 1.0, None]
    assert [s.prediction_error for s in board.standings] == [0.0, 2.0, None]
    assert [s.rank for s in board.standings] == [1, 2, 3]


@pytest.fixture
def one_round(make_contest, make_bank, province):
    return make_contest(unit=province, bank=make_bank(owner=province, per_topic=2), per_topic=2, audience="public")


@pytest.fixture
def field(db_session, one_round, make_user, make_unit, province):
    """Four people: two identical (same time used, same finish), one finishing later, one scoring less."""
    round_ = one_round.rounds[0]
    office = make_unit("P-VP", parent=province, name="Văn phòng")
    first = make_user(unit=office, full_name="An")
    later = make_user(unit=office, full_name="Bình")
    twin = make_user(unit=office, full_name="Cúc")
    nobody = user_service.create_user(db_session, role=Role.participant, unit=None, full_name="Dũng",
                                      phone="0912345678", cccd="001234567890", password=TEST_PASSWORD)
    db_session.commit()
    play(db_session, first, round_, start=T0, minutes=3, correct=4)
    play(db_session, later, round_, start=T0 + timedelta(minutes=10), minutes=3, correct=4)
    play(db_session, twin, round_, start=T0, minutes=3, correct=4)
    play(db_session, nobody, round_, start=T0 + timedelta(minutes=20), minutes=1, correct=2)
    return {"first": first, "later": later, "twin": twin, "nobody": nobody}


NOW = T0 + timedelta(hours=1)


def test_contest_board_orders_by_time_then_last_submission_then_person(db_session, one_round, field):
    board = ranking.contest_leaderboard(db_session, one_round, NOW, POLICY, frozen=False)
    assert [(s.full_name, s.rank, s.unit_name) for s in board.standings] == [
        ("An", 1, "Văn phòng"), ("Cúc", 1, "Văn phòng"), ("Bình", 3, "Văn phòng"), ("Dũng", 4, "")]
    assert board.total == 4 and board.frozen_at is None and not board.prediction_pending
    an = board.find(field["first"].id)
    assert an.full_name == "An" and an.time_used_ms == 180_000 and an.max_score == 4
    round_board = ranking.round_leaderboard(db_session, one_round.rounds[0], NOW, POLICY, frozen=False)
    assert an.finished_at == round_board.find(field["first"].id).finished_at is not None
    assert board.find(field["first"].id + 10_000) is None


def test_contest_board_limit_keeps_the_total(db_session, one_round, field):
    board = ranking.contest_leaderboard(db_session, one_round, NOW, POLICY, frozen=False, limit=2)
    assert [s.full_name for s in board.standings] == ["An", "Cúc"] and board.total == 4
    assert len(ranking.contest_leaderboard(db_session, one_round, NOW, POLICY, frozen=False, limit=None).standings) == 4


def test_contest_board_freeze(db_session, one_round, field):
    one_round.leaderboard_freeze_at = T0 + timedelta(minutes=5)
    db_session.commit()
    frozen = ranking.contest_leaderboard(db_session, one_round, NOW, POLICY, frozen=True)
    assert [s.full_name for s in frozen.standings] == ["An", "Cúc"] and frozen.total == 2
    assert frozen.frozen_at == one_round.leaderboard_freeze_at
    live = ranking.contest_leaderboard(db_session, one_round, NOW, POLICY, frozen=False)
    assert live.total == 4 and live.frozen_at is None


def test_cache_keys_separate_contest_scope_and_freeze():
    assert cache.leaderboard_key(7, "all", False) == "leaderboard:7:all:live"
    assert cache.leaderboard_key(7, "round3", True) == "leaderboard:7:round3:frozen"


def test_cached_boards_are_stored_under_their_own_key_and_reused(db_session, one_round, field):
    round_ = one_round.rounds[0]
    one_round.leaderboard_freeze_at = T0 + timedelta(minutes=5)
    db_session.commit()
    whole = ranking.cached_leaderboard(db_session, one_round, None, NOW, POLICY, frozen=False, seconds=300)
    assert whole == ranking.contest_leaderboard(db_session, one_round, NOW, POLICY, frozen=False)
    frozen_round = ranking.cached_leaderboard(db_session, one_round, round_, NOW, POLICY, frozen=True, seconds=300)
    assert [s.full_name for s in frozen_round.standings] == ["An", "Cúc"]
    assert frozen_round.frozen_at == one_round.leaderboard_freeze_at
    db_session.commit()
    assert cache.get(db_session, f"leaderboard:{one_round.id}:all:live")["total"] == 4
    assert cache.get(db_session, f"leaderboard:{one_round.id}:round{round_.id}:frozen")["total"] == 2
    assert cache.get(db_session, f"leaderboard:{one_round.id}:round{round_.id}:live") is None

    field["first"].full_name = "An (đổi tên)"  # not a submission: the cache is not invalidated
    db_session.commit()
    again = ranking.cached_leaderboard(db_session, one_round, None, NOW, POLICY, frozen=False, seconds=300)
    assert again == whole and again.standings[0].full_name == "An"
    frozen_contest = ranking.cached_leaderboard(db_session, one_round, None, NOW, POLICY, frozen=True, seconds=300)
    assert frozen_contest.total == 2 and frozen_contest.standings[0].full_name == "An (đổi tên)"


@pytest.mark.parametrize("frozen_at", [T0, None])
def test_cache_serialisation_round_trips_every_field(frozen_at):
    board = Leaderboard(
        standings=[Standing(rank=1, user_id=5, full_name="An", unit_name="Sở", score=7, max_score=8, prediction=3.5,
                            prediction_error=0.5, time_used_ms=1234, finished_at=T0 + timedelta(minutes=3), rounds=2)],
        total=9, prediction_actual=3, prediction_pending=True, frozen_at=frozen_at, computed_at=T0 + timedelta(hours=1),
    )
    stored = json.loads(json.dumps(ranking._to_cache(board), default=str))
    assert ranking._from_cache(stored) == board


def test_round_board_fields_total_and_limit(db_session, one_round, field, make_user):
    round_ = one_round.rounds[0]
    one_round.attempts_allowed = 2
    db_session.commit()
    play(db_session, field["later"], round_, start=T0 + timedelta(minutes=30), minutes=1, correct=1)  # a second, worse try
    board = ranking.round_leaderboard(db_session, round_, NOW, POLICY, frozen=False)
    assert [(s.full_name, s.rank, s.unit_name, s.score, s.max_score) for s in board.standings] == [
        ("An", 1, "Văn phòng", 4, 4), ("Cúc", 1, "Văn phòng", 4, 4), ("Bình", 3, "Văn phòng", 4, 4), ("Dũng", 4, "", 2, 4)]
    assert board.total == 4 and board.computed_at == NOW and board.prediction_actual is None
    an = board.find(field["first"].id)
    assert an.time_used_ms == 180_000 and an.prediction is None and an.prediction_error is None
    limited = ranking.round_leaderboard(db_session, round_, NOW, POLICY, frozen=False, limit=1)
    assert [s.full_name for s in limited.standings] == ["An"] and limited.total == 4
    assert len(ranking.round_leaderboard(db_session, round_, NOW, POLICY, frozen=False, limit=None).standings) == 4
    whole = ranking.contest_leaderboard(db_session, one_round, NOW, POLICY, frozen=False)
    assert whole.computed_at == NOW


def test_round_prediction_error_is_the_distance_to_the_actual_value(db_session, two_rounds, make_user, province):
    round_ = two_rounds.rounds[0]
    best, under, over, silent = (make_user(unit=province, full_name=n) for n in ("Giỏi", "Thấp", "Cao", "Im"))
    play(db_session, best, round_, start=T0, minutes=9, correct=4, prediction=9)  # top score, worst guess
    play(db_session, under, round_, start=T0, minutes=2, correct=3, prediction=1)  # 4 people took part: error 3
    play(db_session, over, round_, start=T0, minutes=5, correct=3, prediction=5)  # error 1
    play(db_session, silent, round_, start=T0, minutes=1, correct=3)
    board = ranking.round_leaderboard(db_session, round_, round_.closes_at + timedelta(minutes=1), POLICY, frozen=False)
    assert board.prediction_actual == 4
    assert [(s.full_name, s.prediction, s.prediction_error) for s in board.standings] == [
        ("Giỏi", 9, 5), ("Cao", 5, 1), ("Thấp", 1, 3), ("Im", None, None)]


def test_the_actual_value_is_fixed_only_after_the_grace_period(db_session, two_rounds, make_user, province):
    round_ = two_rounds.rounds[0]
    play(db_session, make_user(unit=province), round_, start=T0, minutes=1, correct=4, prediction=1)
    deadline = round_.closes_at + POLICY.grace
    assert ranking.resolve_prediction(db_session, round_, round_.closes_at + timedelta(seconds=1), POLICY) is None
    assert ranking.resolve_prediction(db_session, round_, deadline, POLICY) is None
    assert round_.prediction_actual is None
    assert ranking.resolve_prediction(db_session, round_, deadline + timedelta(microseconds=1), POLICY) == 1


def test_participants_are_counted_once_per_person_in_their_round_only(db_session, two_rounds, make_user, province):
    two_rounds.attempts_allowed = 3
    db_session.commit()
    r1, r2 = two_rounds.rounds
    twice, once, elsewhere = (make_user(unit=province) for _ in range(3))
    play(db_session, twice, r1, start=T0, minutes=1, correct=1)
    play(db_session, twice, r1, start=T0 + timedelta(hours=1), minutes=1, correct=2)
    play(db_session, once, r1, start=T0, minutes=1, correct=3)
    play(db_session, elsewhere, r2, start=r2.opens_at, minutes=1, correct=4)
    assert ranking.resolve_prediction(db_session, r1, r2.closes_at + timedelta(minutes=1), POLICY) == 2


@pytest.mark.parametrize(("scores", "expected"), [((4, 4, 3), 2), ((3, 2), 0)])
def test_full_scores_are_counted_in_their_round_only(db_session, make_contest, make_bank, province, make_user, scores, expected):
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=2), per_topic=2, rounds=2,
                           prediction_question="Bao nhiêu bài đạt điểm tối đa?", prediction_resolver="full_scores")
    r1, r2 = contest.rounds
    for correct in scores:
        play(db_session, make_user(unit=province), r1, start=T0, minutes=1, correct=correct)
    play(db_session, make_user(unit=province), r2, start=r2.opens_at, minutes=1, correct=4)  # another round's full score
    assert ranking.resolve_prediction(db_session, r1, r2.closes_at + timedelta(minutes=1), POLICY) == expected


def test_disqualified_people_leave_only_that_contests_ranking(db_session, one_round, make_contest, province, field):
    other = make_contest(unit=province, audience="public")
    play(db_session, field["later"], other.rounds[0], start=T0, minutes=1, correct=4)
    prizes.disqualify(db_session, one_round, field["first"], "Gian lận khi làm bài", None)
    prizes.disqualify(db_session, other, field["twin"], "Gian lận khi làm bài", None)
    db_session.commit()
    board = ranking.round_leaderboard(db_session, one_round.rounds[0], NOW, POLICY, frozen=False)
    assert [s.full_name for s in board.standings] == ["Cúc", "Bình", "Dũng"] and board.total == 3
    assert [s.full_name for s in ranking.round_leaderboard(db_session, other.rounds[0], NOW, POLICY, frozen=False).standings] == ["Bình"]


def test_freeze_includes_its_own_instant(db_session, one_round, field):
    one_round.leaderboard_freeze_at = T0 + timedelta(minutes=3)  # An and Cúc submitted exactly then
    db_session.commit()
    at_freeze = ranking.round_leaderboard(db_session, one_round.rounds[0], one_round.leaderboard_freeze_at, POLICY, frozen=True)
    assert at_freeze.frozen_at == one_round.leaderboard_freeze_at
    assert [s.full_name for s in at_freeze.standings] == ["An", "Cúc"]


def test_contest_board_prefers_less_time_used_over_an_earlier_submission(db_session, one_round, make_user, province):
    slow, quick = make_user(unit=province, full_name="Chậm"), make_user(unit=province, full_name="Nhanh")
    play(db_session, slow, one_round.rounds[0], start=T0, minutes=3, correct=4)
    play(db_session, quick, one_round.rounds[0], start=T0 + timedelta(minutes=30), minutes=1, correct=4)
    board = ranking.contest_leaderboard(db_session, one_round, NOW, POLICY, frozen=False)
    assert [(s.full_name, s.rank) for s in board.standings] == [("Nhanh", 1), ("Chậm", 2)]


@pytest.fixture
def mixed(db_session, make_contest, make_bank, make_user, make_unit, province):
    """A public contest of two rounds for both groups, its board frozen at T0+15min. Round 1: the citizens X (living
    in a commune, 4/4 at T0+3min), Y (outside the tree, 3/4 at T0+11min) and W (one right answer saved, never
    submitted: overdue from T0+20min); the civil servant A of the province itself (4/4 in 2 min). Round 2: X (4/4)."""
    commune = make_unit("P-X", parent=province, kind=UnitKind.commune, name="Xã Một")
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=2), per_topic=2, rounds=2,
                           audience="public", admitted_groups="civil_servant,citizen")
    contest.leaderboard_freeze_at = T0 + timedelta(minutes=15)
    db_session.commit()
    r1, r2 = contest.rounds
    x = make_user(participant_group="citizen", residence_unit=commune, full_name="Dân X")
    y = make_user(participant_group="citizen", residence_text=OUTSIDE, full_name="Dân Y")
    w = make_user(participant_group="citizen", residence_unit=commune, full_name="Dân W")
    play(db_session, x, r1, start=T0, minutes=3, correct=4)
    play(db_session, y, r1, start=T0 + timedelta(minutes=10), minutes=1, correct=3)
    play(db_session, make_user(unit=province, full_name="Cán bộ A"), r1, start=T0, minutes=2, correct=4)
    play(db_session, x, r2, start=r2.opens_at, minutes=3, correct=4)
    overdue = attempt_service.start_attempt(db_session, w, r1, T0, POLICY)
    question = overdue.questions[0]
    attempt_service.save_answers(db_session, overdue, {question.id: question.correct_keys}, T0, POLICY)
    db_session.commit()
    return contest


OUTSIDE = "Phường Bến Nghé, TP. Hồ Chí Minh"


def test_leaderboard_hands_every_argument_on_and_streams(db_session, mixed):
    r1 = mixed.rounds[0]
    now = mixed.rounds[1].opens_at + timedelta(hours=1)
    # The whole contest, citizens only, streamed: W's overdue attempt is expired first and counts with its answer.
    whole = ranking.leaderboard(db_session, mixed, None, now, POLICY, frozen=False, limit=None,
                                group=ParticipantGroup.citizen, stream=True)
    assert whole.total is None and iter(whole.standings) is whole.standings  # read once, not counted
    assert [(s.full_name, s.score, s.rounds) for s in whole.standings] == [("Dân X", 8, 2), ("Dân Y", 3, 1), ("Dân W", 1, 1)]
    # Round 1, frozen at T0+15min (W's attempt ends at its deadline, T0+20min), citizens only, the first one.
    first = ranking.leaderboard(db_session, mixed, r1, now, POLICY, frozen=True, limit=1, group=ParticipantGroup.citizen,
                                stream=True)
    assert first.total is None and iter(first.standings) is first.standings
    assert [(s.full_name, s.score) for s in first.standings] == [("Dân X", 4)]
    counted = ranking.leaderboard(db_session, mixed, r1, now, POLICY, frozen=True, limit=1, group=ParticipantGroup.citizen)
    assert [s.full_name for s in counted.standings] == ["Dân X"] and counted.total == 2


def test_round_and_contest_boards_stream_without_a_count(db_session, mixed):
    now = mixed.rounds[1].opens_at + timedelta(hours=1)
    round_one = ranking.round_leaderboard(db_session, mixed.rounds[0], now, POLICY, frozen=False, stream=True)
    whole = ranking.contest_leaderboard(db_session, mixed, now, POLICY, frozen=False, stream=True)
    for board, expected in ((round_one, ["Cán bộ A", "Dân X", "Dân Y", "Dân W"]), (whole, ["Dân X", "Cán bộ A", "Dân Y", "Dân W"])):
        assert board.total is None and iter(board.standings) is board.standings
        assert [s.full_name for s in board.standings] == expected


def test_a_citizen_outside_the_tree_and_a_top_unit_have_no_code_or_parent(db_session, mixed):
    board = ranking.round_leaderboard(db_session, mixed.rounds[0], T0 + timedelta(hours=1), POLICY, frozen=False)
    assert [(s.full_name, s.unit_name, s.unit_code, s.unit_parent, s.group) for s in board.standings] == [
        ("Cán bộ A", "UBND tỉnh", "P", "", "civil_servant"),
        ("Dân X", "Xã Một", "P-X", "UBND tỉnh", "citizen"),
        ("Dân Y", OUTSIDE, "", "", "citizen"),
        ("Dân W", "Xã Một", "P-X", "UBND tỉnh", "citizen"),
    ]


def test_nobody_ranked_is_an_empty_board_of_total_zero(db_session, make_contest, province):
    now = T0 + timedelta(hours=1)
    unplayed = make_contest(unit=province)
    empty = ranking.round_leaderboard(db_session, unplayed.rounds[0], now, POLICY, frozen=False)
    assert empty.standings == [] and empty.total == 0
    nobody = ranking.contest_leaderboard(db_session, unplayed, now, POLICY, frozen=False)
    assert nobody.standings == [] and nobody.total == 0


def test_cached_boards_keep_their_round_and_group(db_session, mixed):
    r1 = mixed.rounds[0]
    now = mixed.rounds[1].opens_at + timedelta(hours=1)
    citizens = ranking.cached_leaderboard(db_session, mixed, None, now, POLICY, frozen=False, seconds=300,
                                          group=ParticipantGroup.citizen)
    assert [(s.full_name, s.score) for s in citizens.standings] == [("Dân X", 8), ("Dân Y", 3), ("Dân W", 1)]
    round_one = ranking.cached_leaderboard(db_session, mixed, r1, now, POLICY, frozen=False, seconds=300)
    assert [(s.full_name, s.score) for s in round_one.standings] == [("Cán bộ A", 4), ("Dân X", 4), ("Dân Y", 3), ("Dân W", 1)]
    db_session.commit()
    assert cache.get(db_session, f"leaderboard:{mixed.id}:all:citizen:live")["total"] == 3
    assert cache.get(db_session, f"leaderboard:{mixed.id}:all:live") is None
    assert cache.get(db_session, f"leaderboard:{mixed.id}:round{r1.id}:live")["total"] == 4


def test_the_actual_value_counts_an_overdue_attempt_once_it_is_expired(db_session, make_contest, make_bank, make_user, province):
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=2), per_topic=2,
                           prediction_question="Có bao nhiêu người tham gia vòng này?", prediction_resolver="participants")
    round_ = contest.rounds[0]
    attempt = attempt_service.start_attempt(db_session, make_user(unit=province), round_, T0, POLICY)  # never submitted
    db_session.commit()
    assert ranking.resolve_prediction(db_session, round_, round_.closes_at + timedelta(minutes=1), POLICY) == 1
    assert attempt.status == "expired"


# ---------------------------------------------------------------- contest/cache.py


@pytest.fixture
def redis_client(db_session):
    """`db_session` carrying a Redis client (database 15), as the app's sessions do when REDIS_URL is set; yields the
    client and a key prefix of this test's own, whose keys are removed afterwards."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}:"
    db_session.info["redis"] = client
    yield client, prefix
    db_session.info.pop("redis")
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_with_redis_entries_live_in_redis_with_their_expiry(db_session, redis_client):
    client, prefix = redis_client
    cache.set(db_session, prefix + "a", {"text": "Đã lưu", "at": T0}, seconds=60)
    cache.set(db_session, prefix + "b", [1], seconds=0)  # Redis keeps an entry one second at least
    cache.set(db_session, prefix + "c", 2, seconds=1)
    cache.set(db_session, "other-" + prefix, 3, seconds=60)
    assert client.get(prefix + "a").decode() == '{"text": "Đã lưu", "at": "2026-11-23 01:00:00+00:00"}'
    assert 55 <= client.ttl(prefix + "a") <= 60 and client.ttl(prefix + "b") == 1 and client.ttl(prefix + "c") == 1
    assert db_session.scalar(select(func.count()).select_from(CacheEntry)) == 0  # nothing in the table
    assert cache.get(db_session, prefix + "a") == {"text": "Đã lưu", "at": "2026-11-23 01:00:00+00:00"}
    assert cache.get(db_session, prefix + "missing") is None
    cache.delete_prefix(db_session, prefix)
    assert [client.get(prefix + key) for key in "abc"] == [None, None, None]
    assert cache.get(db_session, "other-" + prefix) == 3
    cache.delete_prefix(db_session, prefix)  # nothing left to delete


def test_without_redis_a_prefix_is_literal_entries_expire_and_values_are_json(db_session):
    cache.set(db_session, "mut_a:1", {"at": T0}, seconds=60)
    cache.set(db_session, "mutXa:1", 1, seconds=60)
    cache.set(db_session, "mut%b:1", 2, seconds=60)
    cache.set(db_session, "mutYYb:1", 3, seconds=60)
    assert cache.get(db_session, "mut_a:1") == {"at": "2026-11-23 01:00:00+00:00"}
    cache.delete_prefix(db_session, "mut_a:")
    cache.delete_prefix(db_session, "mut%b:")
    assert [cache.get(db_session, key) for key in ("mut_a:1", "mutXa:1", "mut%b:1", "mutYYb:1")] == [None, 1, None, 3]
    cache.set(db_session, "mut:gone", 4, seconds=0)  # expired at once
    assert cache.get(db_session, "mut:gone") is None
