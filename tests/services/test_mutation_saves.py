"""Saving answers (contest/services/attempts.py: save_answers, _answer_row, _upsert_statement) and two counts.

Written to kill the mutants `make mutation` found alive (see TESTING.md): the saving time, blank keys
among the chosen ones, the message for a question of another attempt, choices without a source, the
upsert built once per dialect, the number of attempts the expiry sweep reports, and attempt numbers
counted per round.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import Answer
from contest.services import attempts as svc
from contest.services.attempts import AttemptError
from tests.conftest import T0
from tests.services.test_mutation_attempts import POLICY, contest, player, province, round_, start  # noqa: F401  (fixtures)

LATER = T0 + timedelta(minutes=4, seconds=7)


def test_save_answers_stores_the_keys_and_the_time_and_skips_blank_keys(db_session, player, round_):
    attempt = start(db_session, player, round_)
    single = next(q for q in attempt.questions if q.kind == "single")
    svc.save_answers(db_session, attempt, {single.id: ["  ", "", " b "]}, LATER, POLICY)
    db_session.commit()
    answer = db_session.scalars(select(Answer).where(Answer.attempt_question_id == single.id)).one()
    assert (answer.selected, answer.saved_at) == ("B", LATER)


def test_save_answers_names_a_question_of_another_attempt(db_session, player, round_, make_user, province):  # noqa: F811
    attempt = start(db_session, player, round_)
    other = start(db_session, make_user(unit=province), round_)
    with pytest.raises(AttemptError) as refused:
        svc.save_answers(db_session, attempt, {other.questions[0].id: ["A"]}, LATER, POLICY)
    assert str(refused.value) == "Câu hỏi không thuộc bài thi này."


def test_the_upsert_is_built_once_per_dialect(db_session, player, round_, monkeypatch):
    monkeypatch.setattr(svc, "_UPSERTS", {})  # as in a new process: nothing built yet
    attempt = start(db_session, player, round_)
    first, second = attempt.questions[:2]
    svc.save_answers(db_session, attempt, {first.id: first.correct_keys}, LATER, POLICY)
    built = svc._UPSERTS[db_session.get_bind().dialect.name]
    assert list(svc._UPSERTS) == [db_session.get_bind().dialect.name]
    svc.save_answers(db_session, attempt, {second.id: second.correct_keys}, LATER, POLICY)
    assert svc._upsert_statement(db_session) is built
    db_session.commit()
    assert len(db_session.scalars(select(Answer)).all()) == 2


def test_the_expiry_sweep_counts_every_attempt_it_finishes(db_session, make_user, province, round_):  # noqa: F811
    attempts = [start(db_session, make_user(unit=province), round_) for _ in range(3)]
    after = attempts[0].deadline + POLICY.grace + timedelta(seconds=1)
    assert svc.expire_due_attempts(db_session, after, POLICY) == 3
    assert [a.status for a in attempts] == ["expired"] * 3


def test_a_choice_without_a_source_is_stored_under_its_own_key():
    choices = [{"key": "A", "text": "Một"}, {"key": "B", "text": "Hai"}, {"key": "C", "text": "Ba", "source": "A"}]
    row = svc._answer_row(7, 9, "multiple", choices, ["b", "c"], LATER)
    assert row == {"attempt_id": 7, "attempt_question_id": 9, "selected": "B,C", "selected_original": "A,B", "saved_at": LATER}


def test_attempt_numbers_start_again_in_each_round(db_session, player, make_contest, make_bank, province):  # noqa: F811
    two = make_contest(unit=province, bank=make_bank(owner=province, per_topic=2), per_topic=2, rounds=2)
    first_round, second_round = two.rounds
    svc.submit_attempt(db_session, start(db_session, player, first_round), T0 + timedelta(minutes=1), POLICY)
    db_session.commit()
    later = start(db_session, player, second_round, at=second_round.opens_at)
    assert later.number == 1
