"""Regrading a contest after a wrong key or a bad question (Moodle's `regrade_attempt($attempt, $dryrun)`).

Attempts keep snapshots of their questions (DESIGN: question snapshots), so correcting the bank changes no
score by itself. A regrade changes the snapshots of one question in the attempts of one contest: the bank's
current key (re-lettered to each attempt's shown order), or a void ("credit": everyone gets its points;
"drop": it leaves the maximum), then rescores every finished attempt that drew it. The dry run does all of
it inside a savepoint and rolls back, so the preview is computed by the very code that confirms it.

Finishing an attempt scores it from its snapshots under the attempt's row lock (the conditional UPDATE of
`attempts._finish`); a regrade takes the same row locks first (SELECT … FOR UPDATE, in id order), so an attempt
finishing meanwhile is scored either before the regrade (and then rescored by it) or after it, with the new
snapshot — never with the old key once the regrade has committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from contest import cache
from contest.errors import ValidationError
from contest.formats import format_number
from contest.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    Certificate,
    Contest,
    PrizeAward,
    Question,
    Regrade,
    RegradeAction,
    Round,
    User,
    WinnersPublication,
)
from contest.models.contests import PredictionResolver
from contest.services import ranking
from contest.services.attempts import AttemptPolicy, chosen_keys, expire_due_attempts, question_score


@dataclass
class AttemptChange:
    """A finished attempt whose score the regrade changes."""

    attempt_id: int
    full_name: str
    round_title: str
    number: int
    old_score: int
    old_max: int
    new_score: int
    new_max: int


@dataclass
class RankChange:
    user_id: int
    full_name: str
    unit_name: str
    rank_before: int | None
    rank_after: int | None
    score_before: int | None
    score_after: int | None
    max_before: int | None
    max_after: int | None


@dataclass
class BoardChange:
    """One leaderboard (a round, or the whole contest) before and after: the people whose rank or score moves."""

    title: str
    changes: list[RankChange]
    leader_before: str | None
    leader_after: str | None

    @property
    def leader_changed(self) -> bool:
        return self.leader_before != self.leader_after


@dataclass
class AwardReview:
    """A confirmed prize whose holder's rank or score on its leaderboard the regrade changes: to be reviewed."""

    full_name: str
    prize: str
    scope: str  # the board's title: a round's, or "Toàn cuộc thi"
    rank_before: int | None
    rank_after: int | None
    score_before: str  # "6/15", or "—" off the board
    score_after: str
    certificate_issued: bool
    published: bool  # the winners' list of that round (or of the contest) is public


CONTEST_BOARD = "Toàn cuộc thi"


@dataclass
class RegradeOutcome:
    question: Question
    action: RegradeAction
    old_keys: list[str]  # bank labels the snapshots scored by (the first snapshot's), for the page
    new_keys: list[str]
    snapshots: int  # snapshots of the question in the contest (attempts in progress too)
    finished: int  # finished attempts that drew it
    attempts: list[AttemptChange] = field(default_factory=list)
    boards: list[BoardChange] = field(default_factory=list)
    snapshots_changed: bool = False
    awards: list[AwardReview] = field(default_factory=list)
    published_lists: list[str] = field(default_factory=list)  # titles of the public winners' lists whose board moves

    @property
    def changes_anything(self) -> bool:
        return bool(self.attempts) or self.snapshots_changed

    @property
    def leader_changed(self) -> bool:
        return any(b.leader_changed for b in self.boards)

    def summary(self) -> str:
        text = (f"Chấm lại câu {self.question.code} ({self.action.label.lower()}): {format_number(len(self.attempts))} bài thi đổi điểm "
                f"trong {format_number(self.finished)} bài thi đã nộp có câu này.")
        leaders = [b for b in self.boards if b.leader_changed]
        if leaders:
            text += " Người đứng đầu thay đổi: " + "; ".join(
                f"{b.title}: {b.leader_before or '—'} → {b.leader_after or '—'}" for b in leaders) + "."
        if self.awards:
            text += " Giải đã xác nhận cần xem lại: " + "; ".join(
                f"{a.full_name} ({a.prize}, {a.scope}: hạng {format_number(a.rank_before)} → {format_number(a.rank_after)}, "
                f"điểm {a.score_before} → {a.score_after}"
                + (", đã cấp giấy chứng nhận" if a.certificate_issued else "") + ")" for a in self.awards) + "."
        if self.published_lists:
            text += " Danh sách đạt giải đã công bố thay đổi: " + ", ".join(self.published_lists) + "."
        return text


@dataclass
class UsedQuestion:
    """A question drawn in the contest's attempts, for the regrade page's list."""

    question: Question
    attempts: int
    voided: str | None
    edited_after_draw: bool  # the bank question changed after its first draw in the contest: its key may differ


def used_questions(session: Session, contest: Contest) -> list[UsedQuestion]:
    """Every question drawn in the contest, with how many attempts drew it: one grouped query and one load."""
    rows = session.execute(
        select(AttemptQuestion.question_id, func.count(), func.max(AttemptQuestion.void), func.min(Attempt.started_at))
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(Round, Round.id == Attempt.round_id)
        .where(Round.contest_id == contest.id)
        .group_by(AttemptQuestion.question_id)
    ).all()
    questions = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_([r[0] for r in rows])))} if rows else {}
    used = [UsedQuestion(questions[qid], count, void, questions[qid].updated_at > first) for qid, count, void, first in rows]
    return sorted(used, key=lambda u: (not u.edited_after_draw, u.question.code))


def is_used_in(session: Session, contest: Contest, question: Question) -> bool:
    return session.scalar(
        select(func.count()).select_from(AttemptQuestion)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id).join(Round, Round.id == Attempt.round_id)
        .where(Round.contest_id == contest.id, AttemptQuestion.question_id == question.id)
    ) > 0


def preview(session: Session, contest: Contest, question: Question, action: RegradeAction, now: datetime,
            policy: AttemptPolicy) -> RegradeOutcome:
    """The dry run: what confirming would change, with nothing changed (everything happens in a rolled-back savepoint)."""
    savepoint = session.begin_nested()
    try:
        return _regrade(session, contest, question, action, now, policy)
    finally:
        savepoint.rollback()


def regrade(session: Session, contest: Contest, question: Question, action: RegradeAction, now: datetime,
            policy: AttemptPolicy, user: User | None) -> RegradeOutcome:
    """Confirm: change the snapshots, rescore, drop the cached leaderboards and keep a record for the prize page
    (the caller logs and commits: one transaction)."""
    outcome = _regrade(session, contest, question, action, now, policy)
    if not outcome.changes_anything:
        raise ValidationError("Chấm lại không thay đổi gì: các bài thi đã được chấm theo đúng cách này.")
    session.add(Regrade(contest_id=contest.id, question_id=question.id, action=action.value, attempts_changed=len(outcome.attempts),
                        summary=outcome.summary(), created_by_id=user.id if user else None, created_at=now))
    cache.clear_leaderboards(session, contest.id)
    session.flush()
    return outcome


def _bank_key(question: Question) -> tuple[dict[str, str], list[str]]:
    choices = sorted(question.choices, key=lambda c: c.position)
    return {c.label: c.text for c in choices}, [c.label for c in choices if c.is_correct]


def _source_keys(snapshot: AttemptQuestion) -> list[str]:
    return sorted(c.get("source", c["key"]) for c in snapshot.choices if c["key"] in snapshot.correct_keys)


def _regrade(session: Session, contest: Contest, question: Question, action: RegradeAction, now: datetime,
             policy: AttemptPolicy) -> RegradeOutcome:
    round_ids = [r.id for r in contest.rounds]
    # The attempts' row locks first, in id order (no deadlock between two regrades): finishing waits for us.
    attempts = list(session.scalars(
        select(Attempt)
        .where(Attempt.round_id.in_(round_ids),
               Attempt.id.in_(select(AttemptQuestion.attempt_id).where(AttemptQuestion.question_id == question.id)))
        .order_by(Attempt.id)
        .with_for_update(of=Attempt)
        .options(selectinload(Attempt.user))
        .execution_options(populate_existing=True)
    ))
    if not attempts:
        raise ValidationError(f"Câu hỏi {question.code} chưa được rút vào bài thi nào của cuộc thi này.")
    in_contest = (AttemptQuestion.question_id == question.id, Attempt.round_id.in_(round_ids))
    snapshots = list(session.scalars(
        select(AttemptQuestion).join(Attempt, Attempt.id == AttemptQuestion.attempt_id).where(*in_contest)
        .execution_options(populate_existing=True)
    ))
    texts, bank_keys = _bank_key(question)
    if action == RegradeAction.key:
        for snapshot in snapshots:
            shown = {c.get("source", c["key"]): c["text"] for c in snapshot.choices}
            if shown != texts or snapshot.kind != question.kind:
                raise ValidationError(
                    f"Câu hỏi {question.code} trong ngân hàng đã khác lúc rút vào bài thi (phương án hoặc loại câu hỏi), nên không thể "
                    "chấm lại theo đáp án mới; hãy hủy câu hỏi (tính điểm cho mọi người hoặc bỏ khỏi điểm tối đa)."
                )
    for round_ in contest.rounds:  # an overdue attempt is finished (with the old key) now, so that it is rescored below
        expire_due_attempts(session, now, policy, round_.id)
    finished = [a for a in attempts if a.finished]
    outcome = RegradeOutcome(question=question, action=action, old_keys=_source_keys(snapshots[0]), new_keys=bank_keys,
                             snapshots=len(snapshots), finished=len(finished))
    rounds = [r for r in contest.rounds if any(a.round_id == r.id for a in finished)]
    before = _boards(session, contest, rounds, now, policy)
    answers = {a.attempt_question_id: a for a in session.scalars(
        select(Answer).join(AttemptQuestion, AttemptQuestion.id == Answer.attempt_question_id)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id).where(*in_contest)
    )}

    def scored(snapshot: AttemptQuestion):
        answer = answers.get(snapshot.id)
        return question_score(snapshot, chosen_keys(answer.selected) if answer is not None else None)

    was = {s.id: scored(s) for s in snapshots}
    for snapshot in snapshots:
        if action == RegradeAction.key:
            keys, void = sorted(c["key"] for c in snapshot.choices if c.get("source", c["key"]) in bank_keys), None
        else:
            keys, void = list(snapshot.correct_keys), action.value
        if keys != sorted(snapshot.correct_keys) or void != snapshot.void:
            outcome.snapshots_changed = True
            snapshot.correct_keys, snapshot.void = keys, void
    # Only this question changed, so each finished attempt moves by what it now gives minus what it gave
    # (the scoring rule of `question_score`, which score_attempt sums): no other snapshot is loaded.
    snapshot_of = {s.attempt_id: s for s in snapshots}
    for attempt in finished:
        snapshot = snapshot_of[attempt.id]
        before_q, after_q = was[snapshot.id], scored(snapshot)
        old_score, old_max = attempt.score, attempt.max_score
        attempt.score += after_q.points - before_q.points
        attempt.max_score += after_q.maximum - before_q.maximum
        attempt.correct_count += int(after_q.counted) - int(before_q.counted)
        if snapshot.id in answers:
            answers[snapshot.id].is_correct = after_q.key_matched
        if (attempt.score, attempt.max_score) != (old_score, old_max):
            outcome.attempts.append(AttemptChange(attempt.id, attempt.user.full_name, attempt.round.title, attempt.number,
                                                  old_score, old_max, attempt.score, attempt.max_score))
    if contest.prediction_resolver == PredictionResolver.full_scores:
        for round_ in rounds:  # how many full scores a round had may have changed: resolved again on the next ranking
            round_.prediction_actual = None
    session.flush()
    after = _boards(session, contest, rounds, now, policy)
    outcome.boards = [_compare(title, was, now_) for (title, was), (_, now_) in zip(before, after)]
    outcome.attempts.sort(key=lambda c: (c.round_title, c.full_name, c.number))
    _flag_winners(session, contest, rounds, outcome)
    return outcome


def _flag_winners(session: Session, contest: Contest, rounds: list[Round], outcome: RegradeOutcome) -> None:
    """The confirmed prizes whose holder moves on their board, and the public winners' lists whose board moves.
    A contest of one round ranks as that round, so its contest-wide prizes are read on the round's board."""
    boards: dict[int | None, BoardChange] = {r.id: board for r, board in zip(rounds, outcome.boards)}
    if len(contest.rounds) > 1:
        if len(outcome.boards) > len(rounds):
            boards[None] = outcome.boards[-1]
    elif rounds:
        boards[None] = BoardChange(CONTEST_BOARD, outcome.boards[0].changes, outcome.boards[0].leader_before,
                                   outcome.boards[0].leader_after)
    moved = {key: board for key, board in boards.items() if board.changes}
    if not moved:
        return
    published = set(session.scalars(select(WinnersPublication.round_id).where(WinnersPublication.contest_id == contest.id)))
    certified = set(session.scalars(select(Certificate.award_id).where(Certificate.contest_id == contest.id,
                                                                       Certificate.award_id.is_not(None))))
    prizes = session.scalars(select(PrizeAward).where(PrizeAward.contest_id == contest.id).options(selectinload(PrizeAward.user))
                             .order_by(PrizeAward.created_at, PrizeAward.id))
    order = list(boards)
    for award in sorted(prizes, key=lambda a: order.index(a.round_id) if a.round_id in order else len(order)):
        board = moved.get(award.round_id)
        change = next((c for c in board.changes if c.user_id == award.user_id), None) if board is not None else None
        if change is not None:
            outcome.awards.append(AwardReview(
                award.user.full_name, award.prize, board.title, change.rank_before, change.rank_after,
                _score(change.score_before, change.max_before), _score(change.score_after, change.max_after),
                award.id in certified, award.round_id in published))
    outcome.published_lists = [board.title for key, board in moved.items() if key in published]


def _score(score: int | None, maximum: int | None) -> str:
    return "—" if score is None else f"{format_number(score)}/{format_number(maximum)}"


def _boards(session: Session, contest: Contest, rounds: list[Round], now: datetime,
            policy: AttemptPolicy) -> list[tuple[str, ranking.Leaderboard]]:
    """The full leaderboards the regrade may move: each round it touches, and the contest's when it has several rounds."""
    boards = [(r.title, ranking.round_leaderboard(session, r, now, policy, frozen=False, limit=None)) for r in rounds]
    if len(contest.rounds) > 1 and rounds:
        boards.append((CONTEST_BOARD, ranking.contest_leaderboard(session, contest, now, policy, frozen=False, limit=None)))
    return boards


def _leader(board: ranking.Leaderboard) -> str | None:
    first = [s.full_name for s in board.standings if s.rank == 1]
    return ", ".join(first) if first else None


def _compare(title: str, before: ranking.Leaderboard, after: ranking.Leaderboard) -> BoardChange:
    was = {s.user_id: s for s in before.standings}
    now = {s.user_id: s for s in after.standings}
    changes = []
    for user_id in was.keys() | now.keys():
        b, a = was.get(user_id), now.get(user_id)
        if b is not None and a is not None and (b.rank, b.score, b.max_score) == (a.rank, a.score, a.max_score):
            continue
        person = a or b
        changes.append(RankChange(
            user_id, person.full_name, person.unit_name,
            b.rank if b else None, a.rank if a else None, b.score if b else None, a.score if a else None,
            b.max_score if b else None, a.max_score if a else None,
        ))
    changes.sort(key=lambda c: (c.rank_after or 10**9, c.rank_before or 10**9))
    return BoardChange(title, changes, _leader(before), _leader(after))


# ---------------------------------------------------------------- review of the winners after a regrade


def unreviewed(session: Session, contest: Contest) -> list[Regrade]:
    """Regrades that changed results since the winners were last reviewed: the prize verification page flags them."""
    return list(session.scalars(
        select(Regrade)
        .where(Regrade.contest_id == contest.id, Regrade.reviewed_at.is_(None), Regrade.attempts_changed > 0)
        .order_by(Regrade.created_at)
    ))


def mark_reviewed(session: Session, contest: Contest, user: User, now: datetime) -> int:
    """The organiser has looked at the winners again after the regrades: the flag goes; returns how many were open."""
    pending = unreviewed(session, contest)
    if not pending:
        raise ValidationError("Không có lần chấm lại nào cần xem lại.")
    for entry in pending:
        entry.reviewed_at, entry.reviewed_by_id = now, user.id
    session.flush()
    return len(pending)
