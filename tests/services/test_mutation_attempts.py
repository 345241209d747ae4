"""Scoring and deadlines (contest/services/attempts.py): the details `make mutation` found free to change.

Written to kill the mutants that survived `tests/services/test_attempts.py` (see TESTING.md): the
autosave's own rules, prediction bounds, snapshot fields, points per question, the round filter of
the expiry sweep, the number of a new attempt, and the ranking cache dropped on a finish.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from contest import cache
from contest.errors import NotFoundError, SessionEndedError
from contest.models import Answer, Attempt, AttemptQuestion, Question, UnitKind
from contest.services import attempts as svc
from contest.services.attempts import AttemptError
from contest.services import contests as contest_service
from question_bank.draw import LABELS, choice_order, draw_questions
from tests.conftest import T0
from tests.helpers import POLICY



@pytest.fixture
def province(make_unit):
    return make_unit("P", kind=UnitKind.province, name="UBND tỉnh")


@pytest.fixture
def contest(make_contest, make_bank, province):
    """Every question of a 3 + 3 bank is drawn (each kind present); two points a question, two attempts."""
    return make_contest(unit=province, bank=make_bank(owner=province, per_topic=3), per_topic=3,
                        points_per_question=2, attempts_allowed=2)


@pytest.fixture
def round_(contest):
    return contest.rounds[0]


@pytest.fixture
def player(make_user, province):
    return make_user(unit=province)


def start(db_session, player, round_, at=T0, **kw):
    attempt = svc.start_attempt(db_session, player, round_, at, POLICY, **kw)
    db_session.commit()
    return attempt


def wrong_keys(question):
    return [c["key"] for c in question.choices if c["key"] not in question.correct_keys][:1]


# ---------------------------------------------------------------- starting


def test_start_stores_ip_points_and_snapshot_fields(db_session, player, round_):
    for question in db_session.scalars(select(Question)):
        question.explanation = f"Giải thích {question.code}"
        question.legal_basis = f"Điều {question.id}"
    db_session.commit()
    attempt = start(db_session, player, round_, client_ip="203.0.113.7")
    db_session.expire_all()
    attempt = db_session.get(Attempt, attempt.id)
    assert attempt.client_ip == "203.0.113.7"
    assert attempt.max_score == 12 and attempt.started_at == T0
    assert [q.position for q in attempt.questions] == [1, 2, 3, 4, 5, 6]
    for snapshot in attempt.questions:
        source = db_session.get(Question, snapshot.question_id)
        assert snapshot.points == 2 and snapshot.kind == source.kind
        assert snapshot.explanation == f"Giải thích {source.code}" and snapshot.legal_basis == f"Điều {source.id}"
        by_label = {c.label: c for c in source.choices}
        assert [c["key"] for c in snapshot.choices] == ["A", "B", "C", "D"][: len(source.choices)]
        for shown in snapshot.choices:  # the shown key points back to the bank's label of the same text
            assert by_label[shown["source"]].text == shown["text"]
        assert sorted(by_label[c["source"]].label for c in snapshot.choices if c["key"] in snapshot.correct_keys) == \
            sorted(c.label for c in source.choices if c.is_correct)
        if source.kind == "true_false":  # Đúng / Sai keep their order even when choices are shuffled
            assert [c["text"] for c in snapshot.choices] == ["Đúng", "Sai"]


def test_without_shuffled_choices_the_bank_order_is_kept(db_session, make_contest, make_bank, province, player):
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=3), per_topic=3, shuffle_choices=False)
    attempt = start(db_session, player, contest.rounds[0])
    for snapshot in attempt.questions:
        assert [c["source"] for c in snapshot.choices] == [c["key"] for c in snapshot.choices]


def test_without_shuffled_questions_the_blueprint_order_is_kept(db_session, make_contest, make_bank, province, player):
    """Each blueprint line's questions come out in the order it drew them, line after line: what `draw_questions`
    gives for the attempt's seed without the final shuffle (which, for these seeds, would give another order)."""
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=6), per_topic=6, shuffle_questions=False,
                           attempts_allowed=2)
    round_ = contest.rounds[0]
    cells = contest_service.blueprint_cells(db_session, round_)
    for number in range(2):
        attempt = start(db_session, player, round_, at=T0 + timedelta(minutes=number))
        shown = [q.question_id for q in sorted(attempt.questions, key=lambda q: q.position)]
        assert shown == draw_questions(cells, attempt.seed, shuffle=False)
        assert shown != draw_questions(cells, attempt.seed, shuffle=True)
        svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=number, seconds=30), POLICY)
        db_session.commit()


def test_shuffled_choices_follow_the_attempts_seed_and_true_false_keeps_its_order(db_session, player, round_):
    """The shown order is the one `choice_order` gives for (the attempt's seed, the question): an attempt can be
    read again from its seed. True/false questions are never shuffled (Đúng stays before Sai)."""
    attempt = start(db_session, player, round_)
    assert round_.contest.shuffle_choices
    kinds = set()
    for snapshot in attempt.questions:
        source = db_session.get(Question, snapshot.question_id)
        kinds.add(snapshot.kind)
        if snapshot.kind == "true_false":
            assert [c["source"] for c in snapshot.choices] == ["A", "B"]
            continue
        order = choice_order(len(source.choices), attempt.seed, source.id)
        assert [c["source"] for c in snapshot.choices] == [LABELS[i] for i in order]
    assert kinds == {"single", "multiple", "true_false"}


def test_true_false_questions_are_never_shuffled(db_session, make_contest, make_bank, province, player):
    """With 20 of them drawn, a shuffle would leave them all in order once in a million attempts."""
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=30), per_topic=30)
    assert contest.shuffle_choices
    attempt = start(db_session, player, contest.rounds[0])
    orders = [[c["source"] for c in q.choices] for q in attempt.questions if q.kind == "true_false"]
    assert len(orders) == 20 and all(order == ["A", "B"] for order in orders)


def test_a_second_attempt_gets_the_next_number_and_the_first_stays(db_session, player, round_):
    first = start(db_session, player, round_)
    svc.submit_attempt(db_session, first, T0 + timedelta(minutes=1), POLICY)
    db_session.commit()
    second = start(db_session, player, round_, T0 + timedelta(minutes=2))
    assert (first.number, second.number) == (1, 2) and second.id != first.id
    assert svc.used_attempts(db_session, player, round_) == 1
    assert svc.in_progress_attempt(db_session, player, round_).id == second.id


def test_another_persons_attempt_is_not_resumed(db_session, make_user, province, round_, contest, make_contest):
    mine = start(db_session, make_user(unit=province), round_)
    other = make_user(unit=province)
    assert svc.in_progress_attempt(db_session, other, round_) is None
    theirs = start(db_session, other, round_)
    assert theirs.id != mine.id and theirs.number == 1
    later_round_contest = make_contest(unit=province, audience="public")
    assert svc.in_progress_attempt(db_session, other, later_round_contest.rounds[0]) is None
    assert svc.used_attempts(db_session, other, later_round_contest.rounds[0]) == 0


def test_resuming_an_overdue_attempt_expires_it_and_says_so(db_session, player, round_):
    attempt = start(db_session, player, round_)
    with pytest.raises(AttemptError, match="^Bài thi trước của bạn đã hết giờ và đã được nộp tự động.$"):
        svc.start_attempt(db_session, player, round_, attempt.deadline + timedelta(seconds=11), POLICY)
    db_session.commit()
    assert attempt.status == "expired" and attempt.finished_at == attempt.deadline
    # Within the grace it is simply resumed.
    again = start(db_session, player, round_, T0 + timedelta(hours=1))
    assert again.number == 2
    assert start(db_session, player, round_, again.deadline + timedelta(seconds=10)).id == again.id


def test_a_bank_too_small_for_the_blueprint_is_refused_with_a_message(db_session, player, round_):
    for question in db_session.scalars(select(Question)).all()[:2]:
        question.status = "retired"
    db_session.commit()
    with pytest.raises(AttemptError, match="^Ngân hàng câu hỏi hiện không đủ câu theo cấu trúc đề; vui lòng báo ban tổ chức.$"):
        svc.start_attempt(db_session, player, round_, T0, POLICY)


# ---------------------------------------------------------------- the autosave (save_answer)


def test_autosave_stores_the_shown_and_the_bank_keys_and_returns_the_seconds_left(db_session, player, round_):
    attempt = start(db_session, player, round_)
    multiple = next(q for q in attempt.questions if q.kind == "multiple")
    keys = [" c ", "", "a", "A"]
    left = svc.save_answer(db_session, player.id, attempt.id, multiple.id, keys, T0 + timedelta(minutes=5, seconds=30), POLICY)
    db_session.commit()
    assert left == 14 * 60 + 30
    answer = db_session.scalar(select(Answer).where(Answer.attempt_question_id == multiple.id))
    source = {c["key"]: c["source"] for c in multiple.choices}
    assert answer.selected == "A,C"
    assert answer.selected_original == ",".join(sorted([source["A"], source["C"]]))
    assert answer.saved_at == T0 + timedelta(minutes=5, seconds=30)
    # Saved again: the same row, the new choice and time.
    svc.save_answer(db_session, player.id, attempt.id, multiple.id, ["B"], T0 + timedelta(minutes=6), POLICY)
    db_session.commit()
    db_session.expire_all()
    rows = db_session.execute(select(Answer.selected, Answer.selected_original, Answer.saved_at)).all()
    assert rows == [("B", source["B"], T0 + timedelta(minutes=6))]


def test_autosave_within_the_grace_is_kept_after_it_refused_and_expired(db_session, player, round_):
    attempt = start(db_session, player, round_)
    question = next(q for q in attempt.questions if q.kind == "single")
    at_grace = attempt.deadline + timedelta(seconds=10)
    assert svc.save_answer(db_session, player.id, attempt.id, question.id, question.correct_keys, at_grace, POLICY) == 0
    db_session.commit()
    with pytest.raises(AttemptError, match="^Đã hết thời gian làm bài"):
        svc.save_answer(db_session, player.id, attempt.id, question.id, wrong_keys(question), at_grace + timedelta(seconds=1), POLICY)
    db_session.commit()
    db_session.expire_all()
    attempt = db_session.get(Attempt, attempt.id)
    assert (attempt.status, attempt.finished_at, attempt.score, attempt.correct_count) == ("expired", attempt.deadline, 2, 1)
    assert svc.saved_answers(db_session, attempt) == {question.id: question.correct_keys}


def test_autosave_after_submit_is_refused_and_changes_nothing(db_session, player, round_):
    attempt = start(db_session, player, round_)
    question = attempt.questions[0]
    svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=1), POLICY)
    db_session.commit()
    with pytest.raises(AttemptError, match="^Bài thi đã được nộp; không thể thay đổi câu trả lời.$"):
        svc.save_answer(db_session, player.id, attempt.id, question.id, ["A"], T0 + timedelta(minutes=2), POLICY)
    assert db_session.scalar(select(Answer.id)) is None
    assert attempt.status == "submitted" and attempt.finished_at == T0 + timedelta(minutes=1)


def test_autosave_checks_who_and_which_question(db_session, player, make_user, province, round_):
    attempt = start(db_session, player, round_)
    question = attempt.questions[0]
    other = make_user(unit=province)
    theirs = start(db_session, other, round_)
    with pytest.raises(NotFoundError, match="^Không tìm thấy bài thi.$"):
        svc.save_answer(db_session, other.id, attempt.id, question.id, ["A"], T0, POLICY)
    with pytest.raises(NotFoundError):
        svc.save_answer(db_session, player.id, 10**6, question.id, ["A"], T0, POLICY)
    # Own attempt, someone else's question.
    with pytest.raises(AttemptError, match="^Câu hỏi không thuộc bài thi này.$"):
        svc.save_answer(db_session, player.id, attempt.id, theirs.questions[0].id, ["A"], T0, POLICY)
    with pytest.raises(AttemptError, match="^Phương án đã chọn không có trong câu hỏi.$"):
        svc.save_answer(db_session, player.id, attempt.id, question.id, ["Z"], T0, POLICY)
    single = next(q for q in attempt.questions if q.kind == "single")
    with pytest.raises(AttemptError, match="^Câu hỏi này chỉ được chọn một phương án.$"):
        svc.save_answer(db_session, player.id, attempt.id, single.id, ["A", "B"], T0, POLICY)
    player.active = False
    db_session.commit()
    # A locked account's session has ended, whatever the question.
    with pytest.raises(SessionEndedError, match="^Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại.$"):
        svc.save_answer(db_session, player.id, attempt.id, question.id, ["A"], T0, POLICY)
    with pytest.raises(SessionEndedError, match="^Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại.$"):
        svc.save_answer(db_session, player.id, attempt.id, theirs.questions[0].id, ["A"], T0, POLICY)
    assert db_session.scalar(select(Answer.id)) is None


def test_an_accepted_autosave_is_one_statement_on_postgresql(db_session, player, round_):
    """The surge's hot path (BENCHMARKS.md): on PostgreSQL the checks and the upsert are one statement, which
    applies the contest's own grace and stores the bank's keys in order, as the two-step path does."""
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the one-statement autosave is PostgreSQL's; SQLite reads, then upserts")
    round_.contest.grace_seconds = 60
    attempt = start(db_session, player, round_)
    # A question whose shown order is not the bank's (shuffled choices), all of its keys chosen.
    multiple = max((q for q in attempt.questions if q.kind == "multiple"),
                   key=lambda q: [c["source"] for c in q.choices] != sorted(c["source"] for c in q.choices))
    keys = [c["key"] for c in multiple.choices]
    sent: list[str] = []
    listener = lambda _c, _cursor, statement, *_a: sent.append(statement)  # noqa: E731
    event.listen(db_session.get_bind(), "before_cursor_execute", listener)
    try:
        at = attempt.deadline + timedelta(seconds=30)  # past the platform's grace, inside the contest's
        left = svc.save_answer(db_session, player.id, attempt.id, multiple.id, keys, at, POLICY, session_version=player.session_version)
    finally:
        event.remove(db_session.get_bind(), "before_cursor_execute", listener)
    db_session.commit()
    assert len(sent) == 1 and sent[0].lstrip().startswith("WITH"), sent
    assert left == 0
    assert db_session.execute(select(Answer.selected, Answer.selected_original)).all() == [
        (",".join(sorted(keys)), ",".join(sorted(c["source"] for c in multiple.choices)))]
    round_.contest.grace_seconds = 0  # shorter than the platform's: one second late is refused
    db_session.commit()
    with pytest.raises(AttemptError, match="^Đã hết thời gian làm bài"):
        svc.save_answer(db_session, player.id, attempt.id, multiple.id, ["A"], attempt.deadline + timedelta(seconds=1), POLICY)


def test_autosave_with_an_ended_session_version_is_refused(db_session, player, round_):
    attempt = start(db_session, player, round_)
    question = attempt.questions[0]
    with pytest.raises(SessionEndedError):
        svc.save_answer(db_session, player.id, attempt.id, question.id, ["A"], T0, POLICY, session_version=player.session_version + 1)
    assert svc.save_answer(db_session, player.id, attempt.id, question.id, ["A"], T0, POLICY, session_version=player.session_version)
    db_session.commit()
    assert db_session.scalar(select(Answer.selected)) == "A"


# ---------------------------------------------------------------- predictions and save_answers


def test_prediction_bounds_and_deadline(db_session, player, round_):
    attempt = start(db_session, player, round_)
    for value in (0, 10_000_000, None, 7):
        svc.save_prediction(db_session, attempt, value, T0, POLICY)
        db_session.commit()
        db_session.expire_all()
        assert db_session.get(Attempt, attempt.id).prediction == value
    for value in (-1, 10_000_001):
        with pytest.raises(AttemptError, match="^Số dự đoán phải là số nguyên không âm.$"):
            svc.save_prediction(db_session, attempt, value, T0, POLICY)
    svc.save_prediction(db_session, attempt, 8, attempt.deadline + timedelta(seconds=10), POLICY)
    with pytest.raises(AttemptError, match="^Đã hết thời gian làm bài"):
        svc.save_prediction(db_session, attempt, 9, attempt.deadline + timedelta(seconds=11), POLICY)
    db_session.commit()
    db_session.expire_all()
    attempt = db_session.get(Attempt, attempt.id)
    assert (attempt.prediction, attempt.status, attempt.finished_at) == (8, "expired", attempt.deadline)
    with pytest.raises(AttemptError, match="^Đã hết thời gian làm bài"):
        svc.save_prediction(db_session, attempt, 9, attempt.deadline, POLICY)


def test_save_answers_refused_after_the_grace_expires_and_scores(db_session, player, round_):
    attempt = start(db_session, player, round_)
    question = attempt.questions[0]
    svc.save_answers(db_session, attempt, {question.id: question.correct_keys}, T0, POLICY)
    db_session.commit()
    with pytest.raises(AttemptError, match="^Đã hết thời gian làm bài"):
        svc.save_answers(db_session, attempt, {question.id: wrong_keys(question)}, attempt.deadline + timedelta(seconds=11), POLICY)
    db_session.commit()
    db_session.expire_all()
    attempt = db_session.get(Attempt, attempt.id)
    assert (attempt.status, attempt.score, attempt.correct_count) == ("expired", 2, 1)
    answer = db_session.scalar(select(Answer))
    assert answer.is_correct is True and answer.selected == ",".join(question.correct_keys)


# ---------------------------------------------------------------- finishing, scoring, expiry


def test_scoring_counts_points_and_time_and_marks_each_answer(db_session, player, round_):
    attempt = start(db_session, player, round_)
    right, wrong, *_ = attempt.questions
    svc.save_answers(db_session, attempt, {right.id: right.correct_keys, wrong.id: wrong_keys(wrong)}, T0, POLICY)
    assert svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=3, seconds=2, milliseconds=500), POLICY) is True
    db_session.commit()
    db_session.expire_all()
    attempt = db_session.get(Attempt, attempt.id)
    assert (attempt.status, attempt.score, attempt.correct_count, attempt.max_score) == ("submitted", 2, 1, 12)
    assert attempt.time_used_ms == 182_500
    assert attempt.finished_at == T0 + timedelta(minutes=3, seconds=2, milliseconds=500)
    verdicts = dict(db_session.execute(select(Answer.attempt_question_id, Answer.is_correct)).all())
    assert verdicts == {right.id: True, wrong.id: False}


def test_an_empty_attempt_scores_zero(db_session, player, round_):
    attempt = start(db_session, player, round_)
    svc.save_answers(db_session, attempt, {attempt.questions[0].id: []}, T0, POLICY)
    assert svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=1), POLICY) is True
    assert (attempt.score, attempt.correct_count, attempt.time_used_ms) == (0, 0, 60_000)
    assert db_session.scalar(select(Answer.is_correct)) is False


def test_submit_within_the_grace_is_a_submit_and_time_is_capped_at_the_deadline(db_session, player, round_):
    attempt = start(db_session, player, round_)
    at = attempt.deadline + timedelta(seconds=10)
    assert svc.submit_attempt(db_session, attempt, at, POLICY) is True
    assert (attempt.status, attempt.finished_at, attempt.time_used_ms) == ("submitted", at, 20 * 60 * 1000)
    assert svc.finalize_if_due(db_session, attempt, at + timedelta(hours=1), POLICY) is False


def test_finalize_if_due_only_after_the_grace(db_session, player, round_):
    attempt = start(db_session, player, round_)
    assert svc.finalize_if_due(db_session, attempt, attempt.deadline + timedelta(seconds=10), POLICY) is False
    assert attempt.status == "in_progress"
    assert svc.finalize_if_due(db_session, attempt, attempt.deadline + timedelta(seconds=11), POLICY) is True
    assert (attempt.status, attempt.finished_at, attempt.score) == ("expired", attempt.deadline, 0)
    assert svc.finalize_if_due(db_session, attempt, attempt.deadline + timedelta(seconds=12), POLICY) is False


def test_a_finish_drops_the_contests_cached_boards_only(db_session, player, round_, make_contest, province):
    other = make_contest(unit=province, audience="public")
    cache.set(db_session, f"leaderboard:{round_.contest_id}:round:{round_.id}", {"x": 1}, 600)
    cache.set(db_session, f"leaderboard:{other.id}:contest", {"x": 2}, 600)
    db_session.commit()
    attempt = start(db_session, player, round_)
    assert svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=1), POLICY) is True
    db_session.commit()
    assert cache.get(db_session, f"leaderboard:{round_.contest_id}:round:{round_.id}") is None
    assert cache.get(db_session, f"leaderboard:{other.id}:contest") == {"x": 2}


def test_expire_due_attempts_respects_the_round_and_the_grace(db_session, make_user, province, round_, make_contest):
    other_contest = make_contest(unit=province, audience="public")
    here = start(db_session, make_user(unit=province), round_)
    there = start(db_session, make_user(unit=province), other_contest.rounds[0])
    at_grace = here.deadline + timedelta(seconds=10)
    assert svc.expire_due_attempts(db_session, at_grace, POLICY) == 0
    after = at_grace + timedelta(seconds=1)
    assert svc.expire_due_attempts(db_session, after, POLICY, round_id=round_.id) == 1
    db_session.commit()
    assert (here.status, there.status) == ("expired", "in_progress")
    assert svc.expire_due_attempts(db_session, after, POLICY, round_id=round_.id) == 0
    assert svc.expire_due_attempts(db_session, after, POLICY) == 1
    assert there.status == "expired" and there.finished_at == there.deadline


def test_remaining_seconds_never_negative(db_session, player, round_):
    attempt = start(db_session, player, round_)
    assert svc.remaining_seconds(attempt, attempt.deadline - timedelta(seconds=1, milliseconds=900)) == 1
    assert svc.remaining_seconds(attempt, attempt.deadline) == 0
    assert svc.remaining_seconds(attempt, attempt.deadline + timedelta(minutes=5)) == 0


def test_a_finish_that_lost_the_race_changes_nothing(db_session, player, round_):
    """Another request finished the attempt after this one loaded it (its copy still says in_progress):
    the conditional UPDATE matches no row, so this call reports False and neither re-times nor re-scores."""
    attempt = start(db_session, player, round_)
    question = attempt.questions[0]
    svc.save_answers(db_session, attempt, {question.id: question.correct_keys}, T0, POLICY)
    other_finish = T0 + timedelta(minutes=2)
    db_session.execute(
        update(Attempt).where(Attempt.id == attempt.id)
        .values(status="submitted", finished_at=other_finish, score=0, correct_count=0, time_used_ms=120_000)
        .execution_options(synchronize_session=False)
    )
    assert attempt.status == "in_progress"  # the stale copy this request holds
    assert svc.submit_attempt(db_session, attempt, T0 + timedelta(minutes=5), POLICY) is False
    assert (attempt.status, attempt.finished_at, attempt.score, attempt.time_used_ms) == ("submitted", other_finish, 0, 120_000)
    db_session.commit()
    assert db_session.scalar(select(Answer.is_correct)) is None  # not scored a second time


def test_a_submit_at_the_start_instant_used_no_time(db_session, player, round_):
    attempt = start(db_session, player, round_)
    assert svc.submit_attempt(db_session, attempt, T0, POLICY) is True
    assert (attempt.status, attempt.time_used_ms) == ("submitted", 0)


# ---------------------------------------------------------------- the overdue rule and the scoring rule, one by one


def test_resuming_an_overdue_attempt_under_autoabandon_abandons_it_and_says_so(db_session, player, round_):
    round_.contest.overdue_handling = "autoabandon"
    db_session.commit()
    attempt = start(db_session, player, round_)
    with pytest.raises(AttemptError, match=r"^Bài thi trước của bạn đã hết giờ mà chưa được nộp nên đã bị hủy \(không tính điểm\)\.$"):
        svc.start_attempt(db_session, player, round_, attempt.deadline + timedelta(seconds=11), POLICY)
    db_session.commit()
    assert attempt.status == "abandoned"


@pytest.mark.parametrize(("void", "keys", "expected"), [
    (None, ["C", "A"], (2, 2, True, True)),  # the chosen set equals the key set, in any order
    (None, ["A"], (0, 2, False, False)),
    (None, ["A", "C", "D"], (0, 2, False, False)),
    (None, [], (0, 2, False, False)),
    (None, None, (0, 2, False, False)),
    ("credit", ["B"], (2, 2, True, False)),  # scores for everyone; the answer still did not match the key
    ("credit", None, (2, 2, True, False)),
    ("credit", ["A", "C"], (2, 2, True, True)),
    ("drop", ["A", "C"], (0, 0, False, True)),  # outside the maximum; the match still counts for item statistics
    ("drop", ["B"], (0, 0, False, False)),
])
def test_question_score_is_the_scoring_rule(void, keys, expected):
    question = AttemptQuestion(points=2, correct_keys=["A", "C"], void=void)
    assert tuple(svc.question_score(question, keys)) == expected


def test_a_save_into_an_attempt_abandoned_by_the_clock_says_it_will_not_be_scored(db_session, player, round_):
    round_.contest.overdue_handling = "autoabandon"
    db_session.commit()
    attempt = start(db_session, player, round_)
    question = attempt.questions[0]
    with pytest.raises(AttemptError, match=(
            r"^Đã hết thời gian làm bài; câu trả lời này không được ghi nhận\. Bài thi chưa được nộp trước khi hết giờ "
            r"nên đã bị hủy và không được tính điểm \(theo thể lệ cuộc thi\)\.$")):
        svc.save_answers(db_session, attempt, {question.id: question.correct_keys}, attempt.deadline + timedelta(seconds=11), POLICY)
    assert attempt.status == "abandoned"
