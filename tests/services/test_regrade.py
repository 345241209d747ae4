"""Regrading a contest after a wrong key or a bad question: the dry run, the confirmation, voids both ways,
the winner changing, and the regrade serialising with attempts being finished."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest import cache
from contest.errors import ValidationError
from contest.models import Attempt, AttemptQuestion, Question, Regrade, RegradeAction, Role
from contest.services import attempts as attempt_service
from contest.services import awards as award_service
from contest.services import questions as question_service
from contest.services import ranking
from contest.services import regrade as regrade_service
from tests.blueprints.test_security import database_fingerprint
from tests.conftest import T0
from tests.helpers import POLICY
from tests.services.test_concurrency import _interleave


def _question(db_session, bank, code_suffix: str) -> Question:
    return db_session.scalar(select(Question).where(Question.bank_id == bank.id, Question.code.endswith(code_suffix)))


def _take(db_session, user, round_, start, *, right: bool, question: Question, on_question: str | None = None, minutes: float = 2):
    """An attempt answering every question by its snapshot key (or wrongly, with `right=False`), except `question`,
    answered with the shown choice whose bank label is `on_question` (None: by the snapshot key too)."""
    attempt = attempt_service.start_attempt(db_session, user, round_, start, POLICY)
    answers = {}
    for q in attempt.questions:
        if q.question_id == question.id and on_question is not None:
            answers[q.id] = [c["key"] for c in q.choices if c["source"] == on_question]
        elif right or q.question_id == question.id:
            answers[q.id] = list(q.correct_keys)
        else:
            answers[q.id] = [c["key"] for c in q.choices if c["key"] not in q.correct_keys][:1]
    attempt_service.save_answers(db_session, attempt, answers, start, POLICY)
    attempt_service.submit_attempt(db_session, attempt, start + timedelta(minutes=minutes), POLICY)
    db_session.commit()
    return attempt


def _correct_the_key(db_session, question: Question, labels: list[str]) -> None:
    data = question_service.question_as_data(question)
    question_service.update_question(db_session, question, replace(data, correct=labels))
    db_session.commit()


@pytest.fixture
def wrong_key(db_session, make_unit, make_user, make_bank, make_contest):
    """A one-round contest drawing all four questions of its bank; the single-answer question "Thể-0" is keyed B
    in the bank but should be C. Ann answered it B (by the wrong key) and everything else right, quickly: she
    leads with 4/4. Binh answered it C and everything else right, more slowly: 3/4, second."""
    unit = make_unit("P")
    bank = make_bank(owner=unit, per_topic=2)
    contest = make_contest(unit=unit, bank=bank, per_topic=2)
    question = _question(db_session, bank, "Thể-0")
    ann = make_user(Role.participant, unit=unit, full_name="Nguyễn Thị Ân")
    binh = make_user(Role.participant, unit=unit, full_name="Trần Văn Bình")
    round_ = contest.rounds[0]
    first = _take(db_session, ann, round_, T0, right=True, question=question, minutes=2)
    second = _take(db_session, binh, round_, T0, right=True, question=question, on_question="C", minutes=5)
    return contest, question, ann, binh, first, second


def _scores(db_session, *attempts):
    db_session.expire_all()
    return [(db_session.get(Attempt, a.id).score, db_session.get(Attempt, a.id).max_score) for a in attempts]


def _agrees_with_a_full_rescoring(db_session, *attempts):
    """The regrade moves each score by the one question's difference: scoring the attempt again from scratch
    (attempts.score_attempt over every snapshot) gives the same score, maximum and correct count."""
    db_session.expire_all()
    for attempt in (db_session.get(Attempt, a.id) for a in attempts):
        stored = (attempt.score, attempt.max_score, attempt.correct_count)
        attempt_service.score_attempt(db_session, attempt)
        assert (attempt.score, attempt.max_score, attempt.correct_count) == stored
    db_session.rollback()


def _leader(db_session, contest):
    board = ranking.round_leaderboard(db_session, contest.rounds[0], T0 + timedelta(hours=1), POLICY, frozen=False, limit=None)
    return board.standings[0].full_name


def test_the_dry_run_changes_nothing_and_shows_the_winner_changing(app, db_session, wrong_key):
    contest, question, ann, binh, first, second = wrong_key
    assert _scores(db_session, first, second) == [(4, 4), (3, 4)]
    _correct_the_key(db_session, question, ["C"])
    assert _scores(db_session, first, second) == [(4, 4), (3, 4)]  # the snapshots still hold B
    db_session.commit()
    before = database_fingerprint(app)

    outcome = regrade_service.preview(db_session, contest, question, RegradeAction.key, T0 + timedelta(hours=1), POLICY)
    db_session.commit()
    assert database_fingerprint(app) == before, "the dry run wrote something"
    assert (outcome.old_keys, outcome.new_keys, outcome.finished) == (["B"], ["C"], 2)
    assert sorted((c.full_name, c.old_score, c.new_score) for c in outcome.attempts) == [
        ("Nguyễn Thị Ân", 4, 3), ("Trần Văn Bình", 3, 4)]
    [board] = outcome.boards
    assert (board.leader_before, board.leader_after) == ("Nguyễn Thị Ân", "Trần Văn Bình") and outcome.leader_changed
    assert sorted((c.full_name, c.rank_before, c.rank_after) for c in board.changes) == [
        ("Nguyễn Thị Ân", 1, 2), ("Trần Văn Bình", 2, 1)]
    assert _leader(db_session, contest) == "Nguyễn Thị Ân"


def test_a_regrade_that_changes_a_winner_flags_the_confirmed_prizes_their_certificates_and_the_published_list(app, db_session, wrong_key):
    """Ann won (confirmed "Giải Nhất" of the round and of the contest, her certificate issued, the round's list
    published); the corrected key makes Binh the winner: the dry run and the record name what to review."""
    contest, question, ann, binh, first, second = wrong_key
    round_ = contest.rounds[0]
    now = T0 + timedelta(hours=1)
    prize = award_service.confirm_prize(db_session, contest, round_, ann, "Giải Nhất", None)
    award_service.confirm_prize(db_session, contest, None, ann, "Giải Nhất toàn cuộc thi", None)
    award_service.confirm_prize(db_session, contest, round_, binh, "Giải Nhì", None)
    award_service.prize_certificate(db_session, prize, now)
    award_service.set_published(db_session, contest, round_, True, None)
    db_session.commit()
    _correct_the_key(db_session, question, ["C"])

    outcome = regrade_service.preview(db_session, contest, question, RegradeAction.key, now, POLICY)
    db_session.rollback()
    assert [(a.full_name, a.prize, a.scope, a.rank_before, a.rank_after, a.score_before, a.score_after, a.certificate_issued, a.published)
            for a in outcome.awards] == [
        ("Nguyễn Thị Ân", "Giải Nhất", round_.title, 1, 2, "4/4", "3/4", True, True),  # board by board, in the order confirmed
        ("Trần Văn Bình", "Giải Nhì", round_.title, 2, 1, "3/4", "4/4", False, True),
        ("Nguyễn Thị Ân", "Giải Nhất toàn cuộc thi", "Toàn cuộc thi", 1, 2, "4/4", "3/4", False, False),
    ]
    assert outcome.published_lists == [round_.title]
    confirmed = regrade_service.regrade(db_session, contest, question, RegradeAction.key, now, POLICY, None)
    db_session.commit()
    [record] = db_session.scalars(select(Regrade)).all()
    assert record.summary == confirmed.summary()
    assert f"Giải đã xác nhận cần xem lại: Nguyễn Thị Ân (Giải Nhất, {round_.title}: hạng 1 → 2, điểm 4/4 → 3/4, đã cấp giấy chứng nhận)" in record.summary and "đã cấp giấy chứng nhận" in record.summary
    assert f"Danh sách đạt giải đã công bố thay đổi: {round_.title}." in record.summary


def test_a_regrade_moving_no_winner_flags_no_prize(db_session, wrong_key, make_user):
    contest, question, ann, binh, *_ = wrong_key
    award_service.confirm_prize(db_session, contest, contest.rounds[0], ann, "Giải Nhất", None)
    db_session.commit()
    outcome = regrade_service.preview(db_session, contest, question, RegradeAction.credit, T0 + timedelta(hours=1), POLICY)
    assert outcome.attempts and outcome.awards == [] and outcome.published_lists == []  # Ann keeps 4/4 and her rank
    assert "cần xem lại" not in outcome.summary()


def test_confirming_rescores_updates_that_question_only_and_clears_the_leaderboards(app, db_session, wrong_key, make_user):
    contest, question, ann, binh, first, second = wrong_key
    organiser = make_user(Role.organizer, unit=contest.owner_unit)
    _correct_the_key(db_session, question, ["C"])
    now = T0 + timedelta(hours=1)
    ranking.cached_leaderboard(db_session, contest, contest.rounds[0], now, POLICY, False, 60)
    key = cache.leaderboard_key(contest.id, f"round{contest.rounds[0].id}", False)
    db_session.commit()
    assert cache.get(db_session, key) is not None
    others = {(s.attempt_id, s.question_id): list(s.correct_keys)
              for s in db_session.scalars(select(AttemptQuestion).where(AttemptQuestion.question_id != question.id))}

    outcome = regrade_service.regrade(db_session, contest, question, RegradeAction.key, now, POLICY, organiser)
    db_session.commit()
    assert len(outcome.attempts) == 2
    assert _scores(db_session, first, second) == [(3, 4), (4, 4)]
    _agrees_with_a_full_rescoring(db_session, first, second)
    assert _leader(db_session, contest) == "Trần Văn Bình"
    assert cache.get(db_session, key) is None
    for snapshot in db_session.scalars(select(AttemptQuestion)):
        if snapshot.question_id == question.id:
            assert [c["source"] for c in snapshot.choices if c["key"] in snapshot.correct_keys] == ["C"]
        else:
            assert snapshot.correct_keys == others[(snapshot.attempt_id, snapshot.question_id)]
    [record] = db_session.scalars(select(Regrade)).all()
    assert (record.action, record.attempts_changed, record.created_by_id) == ("key", 2, organiser.id)
    assert "Người đứng đầu thay đổi" in record.summary and regrade_service.unreviewed(db_session, contest) == [record]

    with pytest.raises(ValidationError, match="không thay đổi gì"):
        regrade_service.regrade(db_session, contest, question, RegradeAction.key, now, POLICY, organiser)
    db_session.rollback()
    regrade_service.mark_reviewed(db_session, contest, organiser, now)
    db_session.commit()
    assert regrade_service.unreviewed(db_session, contest) == []


@pytest.mark.parametrize("action, ann, binh", [
    # credit: everyone who drew it gets its point, Binh's "wrong" C too; the maximum stays 4.
    (RegradeAction.credit, (4, 4), (4, 4)),
    # drop: it counts for no one and leaves the maximum: both 3 of 3.
    (RegradeAction.drop, (3, 3), (3, 3)),
])
def test_a_void_question_both_ways_and_back(db_session, wrong_key, action, ann, binh):
    contest, question, _, _, first, second = wrong_key
    now = T0 + timedelta(hours=1)
    regrade_service.regrade(db_session, contest, question, action, now, POLICY, None)
    db_session.commit()
    assert _scores(db_session, first, second) == [ann, binh]
    _agrees_with_a_full_rescoring(db_session, first, second)
    assert {s.void for s in db_session.scalars(select(AttemptQuestion).where(AttemptQuestion.question_id == question.id))} == {action.value}
    # Un-voiding (the bank key, unchanged here) restores the original scores.
    regrade_service.regrade(db_session, contest, question, RegradeAction.key, now, POLICY, None)
    db_session.commit()
    assert _scores(db_session, first, second) == [(4, 4), (3, 4)]
    _agrees_with_a_full_rescoring(db_session, first, second)


def test_a_key_corrected_after_the_draw_is_flagged_on_the_regrade_list(db_session, wrong_key):
    """Correcting only the key changes a choice, not the question's own row: the list still says it was edited
    after the draw (and puts it first), or the organiser has to guess which question to regrade."""
    contest, question, *_ = wrong_key
    for q in db_session.scalars(select(Question).where(Question.bank_id == question.bank_id)):
        q.updated_at = T0 - timedelta(days=1)  # a bank written before the contest
    db_session.commit()
    assert not any(u.edited_after_draw for u in regrade_service.used_questions(db_session, contest))
    _correct_the_key(db_session, question, ["C"])
    first, *others = regrade_service.used_questions(db_session, contest)
    assert first.question.id == question.id and first.edited_after_draw
    assert not any(u.edited_after_draw for u in others)
    # Saving the question again unchanged is not an edit.
    db_session.get(Question, question.id).updated_at = T0 - timedelta(days=1)
    db_session.commit()
    _correct_the_key(db_session, question, ["C"])
    assert not any(u.edited_after_draw for u in regrade_service.used_questions(db_session, contest))


def test_a_key_regrade_is_refused_once_the_bank_choices_changed(db_session, wrong_key):
    contest, question, *_ = wrong_key
    data = question_service.question_as_data(question)
    question_service.update_question(db_session, question, replace(data, choices=[*data.choices[:3], "Một phương án khác"]))
    db_session.commit()
    with pytest.raises(ValidationError, match="đã khác lúc rút vào bài thi"):
        regrade_service.preview(db_session, contest, question, RegradeAction.key, T0, POLICY)
    db_session.rollback()
    assert regrade_service.preview(db_session, contest, question, RegradeAction.drop, T0, POLICY).attempts


def test_a_question_not_drawn_in_the_contest_cannot_be_regraded(db_session, wrong_key, make_bank, make_unit):
    contest, *_ = wrong_key
    other = make_bank(name="Ngân hàng khác", owner=contest.owner_unit, per_topic=1)
    stranger = db_session.scalars(select(Question).where(Question.bank_id == other.id)).first()
    assert not regrade_service.is_used_in(db_session, contest, stranger)
    with pytest.raises(ValidationError, match="chưa được rút"):
        regrade_service.preview(db_session, contest, stranger, RegradeAction.credit, T0, POLICY)


def _in_progress(app, db_session, make_contest, make_user):
    """An attempt in progress whose first question is answered wrongly; its ids, with no transaction of ours open."""
    contest = make_contest()
    user = make_user(unit=contest.owner_unit)
    attempt = attempt_service.start_attempt(db_session, user, contest.rounds[0], T0, POLICY)
    first = attempt.questions[0]
    wrong = [c["key"] for c in first.choices if c["key"] not in first.correct_keys][:1]
    attempt_service.save_answers(db_session, attempt, {first.id: wrong}, T0, POLICY)
    db_session.commit()
    ids = contest.id, first.question_id, attempt.id
    db_session.rollback()
    return ids


def _regrade_credit(contest_id, question_id):
    from contest.models import Contest

    def run(session):
        return regrade_service.regrade(session, session.get(Contest, contest_id), session.get(Question, question_id), RegradeAction.credit,
                                       T0 + timedelta(minutes=2), POLICY, None)
    return run


def test_a_submit_during_a_regrade_waits_and_scores_with_the_new_snapshot(app, db_session, make_contest, make_user):
    contest_id, question_id, attempt_id = _in_progress(app, db_session, make_contest, make_user)
    waited, regraded, submitted = _interleave(
        app,
        _regrade_credit(contest_id, question_id),
        lambda s: attempt_service.submit_attempt(s, s.get(Attempt, attempt_id), T0 + timedelta(minutes=2), POLICY),
    )
    assert not isinstance(regraded, Exception) and submitted is True, (regraded, submitted)
    assert waited, "the submit did not wait for the regrade holding the attempt"
    db_session.expire_all()
    assert db_session.get(Attempt, attempt_id).score == 1  # the wrong answer, credited


def test_a_regrade_during_a_submit_waits_and_rescores_it(app, db_session, make_contest, make_user):
    contest_id, question_id, attempt_id = _in_progress(app, db_session, make_contest, make_user)
    waited, submitted, regraded = _interleave(
        app,
        lambda s: attempt_service.submit_attempt(s, s.get(Attempt, attempt_id), T0 + timedelta(minutes=2), POLICY),
        _regrade_credit(contest_id, question_id),
    )
    assert submitted is True and not isinstance(regraded, Exception), (submitted, regraded)
    assert waited, "the regrade did not wait for the submit holding the attempt"
    assert [c.attempt_id for c in regraded.attempts] == [attempt_id]
    db_session.expire_all()
    assert db_session.get(Attempt, attempt_id).score == 1
