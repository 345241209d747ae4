"""Practice ("Ôn tập"): opening and closing, the running-contest rule, answers and progress, the next question,
reset, and practice never reaching a ranking or statistic."""

from __future__ import annotations

import ast
import pathlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.errors import NotFoundError, ValidationError
from contest.models import PracticeAnswer, Question, Role, Topic, UnitKind
from contest.services import attempts as attempt_service
from contest.services import contests as contest_service
from contest.services import practice
from contest.services import ranking, statistics
from contest.services.attempts import AttemptPolicy
from contest.services.practice import PracticeInUseError, PracticeScope
from tests.conftest import T0

WHOLE = PracticeScope(True, frozenset())
CLOSED = PracticeScope(False, frozenset())


def topics_of(bank) -> dict[str, Topic]:
    return {t.name: t for t in bank.topics}


def questions_of(session, topic) -> list[Question]:
    return list(session.scalars(select(Question).where(Question.topic_id == topic.id).order_by(Question.code)))


def key_of(question) -> list[str]:
    return [c.label for c in question.choices if c.is_correct]


def wrong_of(question) -> list[str]:
    return [next(c.label for c in question.choices if not c.is_correct)]


@pytest.fixture
def province(make_unit):
    return make_unit("T", kind=UnitKind.province)


@pytest.fixture
def bank(make_bank, province):
    return make_bank(name="Ôn tập", per_topic=3, owner=province)


def test_a_bank_is_opened_whole_or_by_topic_and_closed(db_session, bank, make_user):
    user = make_user(Role.participant)
    assert practice.progress(db_session, user) == [] and not practice.any_open(db_session)
    topic = topics_of(bank)["Thể chế"]
    message = practice.set_practice(db_session, bank, PracticeScope(False, frozenset({topic.id})), confirm_in_use=False, now=T0)
    assert "1 chủ đề" in message and "Thể chế" in message
    assert [p.topic_name for p in practice.progress(db_session, user)] == ["Thể chế"] and practice.any_open(db_session)
    with pytest.raises(NotFoundError):
        practice.open_topic(db_session, topics_of(bank)["Chính quyền số"].id)
    practice.set_practice(db_session, bank, WHOLE, confirm_in_use=False, now=T0)
    assert [p.topic_name for p in practice.progress(db_session, user)] == ["Chính quyền số", "Thể chế"]
    assert practice.open_topic(db_session, topics_of(bank)["Chính quyền số"].id)
    practice.set_practice(db_session, bank, CLOSED, confirm_in_use=False, now=T0)
    assert practice.progress(db_session, user) == [] and not practice.any_open(db_session)
    with pytest.raises(NotFoundError):
        practice.open_topic(db_session, topic.id)


def test_a_topic_of_another_bank_is_refused(db_session, bank, make_bank):
    other = make_bank(name="Khác", per_topic=1)
    with pytest.raises(ValidationError, match="không thuộc ngân hàng"):
        practice.set_practice(db_session, bank, PracticeScope(False, frozenset({other.topics[0].id})), confirm_in_use=False, now=T0)


@pytest.mark.parametrize("moment", ["open", "upcoming"])
def test_a_bank_of_a_running_contest_opens_only_when_confirmed(db_session, bank, province, make_contest, moment):
    contest = make_contest(unit=province, bank=bank, per_topic=1, title="Cuộc thi đang chạy")
    now = T0 + timedelta(days=1) if moment == "open" else T0 - timedelta(days=1)
    with pytest.raises(PracticeInUseError, match="Cuộc thi đang chạy"):
        practice.set_practice(db_session, bank, WHOLE, confirm_in_use=False, now=now)
    with pytest.raises(PracticeInUseError):  # a topic the round draws from
        practice.set_practice(db_session, bank, PracticeScope(False, frozenset({bank.topics[0].id})), confirm_in_use=False, now=now)
    db_session.rollback()
    assert not db_session.get(type(bank), bank.id).practice_open
    practice.set_practice(db_session, bank, WHOLE, confirm_in_use=True, now=now)
    assert bank.practice_open
    assert [r.contest_title for r in practice.rounds_drawing_from(db_session, bank, None, now)] == [contest.title]


def test_a_closed_or_archived_contest_or_an_undrawn_topic_does_not_block(db_session, bank, province, make_contest):
    contest = make_contest(unit=province, bank=bank, per_topic=1)
    after = contest.rounds[0].closes_at
    practice.set_practice(db_session, bank, WHOLE, confirm_in_use=False, now=after)  # the round has closed
    practice.set_practice(db_session, bank, CLOSED, confirm_in_use=False, now=T0)  # closing is never refused
    contest_service.set_status(db_session, contest, "archived")
    practice.set_practice(db_session, bank, WHOLE, confirm_in_use=False, now=T0)
    practice.set_practice(db_session, bank, CLOSED, confirm_in_use=False, now=T0)
    contest_service.set_status(db_session, contest, "published")
    # A round drawing only from "Thể chế": opening "Chính quyền số" reveals nothing it draws.
    drawn, other = topics_of(bank)["Thể chế"], topics_of(bank)["Chính quyền số"]
    round_ = contest.rounds[0]
    contest_service.save_round(db_session, contest, round_, contest_service.RoundSettings(
        round_.title, round_.opens_at, round_.closes_at, round_.time_limit_minutes,
        [contest_service.BlueprintLine(bank.id, drawn.id, None, 1)]))
    practice.set_practice(db_session, bank, PracticeScope(False, frozenset({other.id})), confirm_in_use=False, now=T0)
    with pytest.raises(PracticeInUseError):
        practice.set_practice(db_session, bank, PracticeScope(False, frozenset({other.id, drawn.id})), confirm_in_use=False, now=T0)


def test_what_is_already_open_stays_open_without_asking_again(db_session, bank, province, make_contest):
    practice.set_practice(db_session, bank, WHOLE, confirm_in_use=False, now=T0)
    make_contest(unit=province, bank=bank, per_topic=1)
    practice.set_practice(db_session, bank, WHOLE, confirm_in_use=False, now=T0)  # nothing newly opened
    practice.set_practice(db_session, bank, CLOSED, confirm_in_use=False, now=T0)
    with pytest.raises(PracticeInUseError):  # once closed, opening again asks again
        practice.set_practice(db_session, bank, WHOLE, confirm_in_use=False, now=T0)


def test_answers_progress_next_question_and_reset(db_session, bank, make_user, clock):
    practice.set_practice(db_session, bank, WHOLE, confirm_in_use=False, now=T0)
    user, other = make_user(Role.participant), make_user(Role.participant)
    topic = topics_of(bank)["Thể chế"]
    first, second, third = questions_of(db_session, topic)
    assert practice.next_question(db_session, user, topic).id == first.id
    practice.answer(db_session, user, first, wrong_of(first), T0)
    assert practice.next_question(db_session, user, topic).id == second.id  # unanswered before wrong
    row = practice.answer(db_session, user, second, key_of(second), T0 + timedelta(minutes=1))
    assert row.correct and row.chosen == ",".join(key_of(second))
    practice.answer(db_session, user, third, wrong_of(third), T0 + timedelta(minutes=2))
    (counts,) = practice.progress(db_session, user, topic.id)
    assert (counts.total, counts.answered, counts.correct) == (3, 3, 1)
    assert practice.next_question(db_session, user, topic).id == first.id  # the wrong one answered longest ago
    practice.answer(db_session, user, first, key_of(first), T0 + timedelta(minutes=3))  # replaces the wrong answer
    assert practice.next_question(db_session, user, topic).id == third.id
    practice.answer(db_session, user, third, key_of(third), T0 + timedelta(minutes=4))
    assert practice.next_question(db_session, user, topic) is None
    (counts,) = practice.progress(db_session, user, topic.id)
    assert (counts.answered, counts.correct, counts.done) == (3, 3, True)
    assert db_session.scalar(select(PracticeAnswer.id).where(PracticeAnswer.user_id == user.id).limit(1)) is not None
    # Another person's progress and another topic are their own.
    assert [(p.answered, p.correct) for p in practice.progress(db_session, other)] == [(0, 0), (0, 0)]
    assert practice.reset_topic(db_session, user, topic) == 3
    (counts,) = practice.progress(db_session, user, topic.id)
    assert (counts.answered, counts.correct) == (0, 0) and practice.next_question(db_session, user, topic).id == first.id


def test_a_retired_question_leaves_the_counts(db_session, bank, make_user):
    practice.set_practice(db_session, bank, WHOLE, confirm_in_use=False, now=T0)
    user = make_user(Role.participant)
    topic = topics_of(bank)["Thể chế"]
    first = questions_of(db_session, topic)[0]
    practice.answer(db_session, user, first, key_of(first), T0)
    first.status = "retired"
    db_session.flush()
    (counts,) = practice.progress(db_session, user, topic.id)
    assert (counts.total, counts.answered, counts.correct) == (2, 0, 0)
    with pytest.raises(NotFoundError):
        practice.practice_question(db_session, topic, first.id)


@pytest.mark.parametrize("index, keys, message", [
    (0, [], "chọn phương án"),  # single
    (1, [], "ít nhất một"),  # multiple
    (0, ["A", "B"], "chỉ có một đáp án"),
    (0, ["Z"], "không có trong câu hỏi"),
])
def test_a_bad_answer_is_refused_with_a_reason(db_session, bank, make_user, index, keys, message):
    practice.set_practice(db_session, bank, WHOLE, confirm_in_use=False, now=T0)
    question = questions_of(db_session, topics_of(bank)["Thể chế"])[index]
    with pytest.raises(ValidationError, match=message):
        practice.answer(db_session, make_user(Role.participant), question, keys, T0)


def test_multiple_choice_is_right_only_with_the_whole_key(db_session, bank, make_user):
    user = make_user(Role.participant)
    multiple = questions_of(db_session, topics_of(bank)["Thể chế"])[1]
    assert multiple.kind == "multiple" and key_of(multiple) == ["A", "C"]
    assert not practice.answer(db_session, user, multiple, ["A"], T0).correct
    assert practice.answer(db_session, user, multiple, ["C", "A"], T0).correct


def test_practice_counts_towards_no_ranking_or_statistic(db_session, bank, province, make_contest, make_user):
    contest = make_contest(unit=province, bank=bank, per_topic=1)
    round_ = contest.rounds[0]
    player = make_user(Role.participant, unit=contest.owner_unit)
    policy = AttemptPolicy()
    attempt = attempt_service.start_attempt(db_session, player, round_, T0, policy)
    attempt_service.submit_attempt(db_session, attempt, T0 + timedelta(minutes=1), policy)
    db_session.commit()
    scope = statistics.Scope(contest, round_)

    def figures():
        board = ranking.round_leaderboard(db_session, round_, T0 + timedelta(minutes=2), policy, frozen=False)
        total, items = statistics.item_statistics(db_session, scope)
        rows = statistics.participation_by_unit(db_session, scope, contest.owner_unit)
        return ([(s.user_id, s.score) for s in board.standings], total, [(i.question_id, i.facility) for i in items],
                [(r.code, r.participants) for r in rows], contest_service.participant_counts(db_session, [contest]))

    before = figures()
    practice.set_practice(db_session, bank, WHOLE, confirm_in_use=True, now=T0)
    for person in (player, make_user(Role.participant, unit=contest.owner_unit)):
        for question in db_session.scalars(select(Question).where(Question.bank_id == bank.id)):
            practice.answer(db_session, person, question, key_of(question), T0)
    db_session.commit()
    assert db_session.scalar(select(PracticeAnswer.id).limit(1)) is not None
    assert figures() == before


def test_only_the_practice_service_reads_practice_answers():
    """No ranking, statistic, report or export module names the practice table: a static guard on top of the
    figures test above, for code added later."""
    root = pathlib.Path(__file__).resolve().parents[2] / "contest"
    readers = sorted(
        str(path.relative_to(root)) for path in root.rglob("*.py")
        if "PracticeAnswer" in path.read_text(encoding="utf-8") or "practice_answers" in path.read_text(encoding="utf-8")
    )
    assert readers == ["models/__init__.py", "models/practice.py", "services/practice.py"]
    ast.parse((root / "services" / "practice.py").read_text(encoding="utf-8"))
