"""Attempts: start (draw and snapshot), save answers, submit, expire, score.

States and rules follow DESIGN.md: in_progress -> submitted | expired, each
final and scored exactly once through a conditional UPDATE.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Boolean, bindparam, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from contest import cache
from contest.errors import SESSION_ENDED_MESSAGE, ContestError, NotFoundError, SessionEndedError
from contest.models import (
    FINISHED,
    USED,
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Contest,
    OverdueHandling,
    Question,
    Round,
    RoundState,
    User,
)
from contest.services import contests as contest_service
from contest.services import overrides as override_service
from contest.timeutil import UTCDateTime
from question_bank.draw import NotEnoughQuestionsError, choice_order, draw_questions, relabel
from question_bank.model import LABELS



class AttemptError(ContestError):
    """An attempt cannot be started, saved or submitted; the message says why."""


@dataclass(frozen=True)
class AttemptPolicy:
    """The overdue rule: saves are accepted until deadline + grace; then an open attempt is submitted with what was
    saved (autosubmit) or abandoned (autoabandon). Built from the configuration as the platform default; a contest
    may set its own (`for_contest`)."""

    grace: timedelta = timedelta(seconds=10)
    overdue: OverdueHandling = OverdueHandling.autosubmit

    def for_contest(self, contest: Contest) -> AttemptPolicy:
        """The rule an attempt of `contest` follows: the contest's own settings where it has them, else this default."""
        grace = self.grace if contest.grace_seconds is None else timedelta(seconds=contest.grace_seconds)
        overdue = self.overdue if contest.overdue_handling is None else OverdueHandling(contest.overdue_handling)
        return AttemptPolicy(grace=grace, overdue=overdue)


def remaining_seconds(attempt: Attempt, now: datetime) -> int:
    return max(0, int((attempt.deadline - now).total_seconds()))


def used_attempts(session: Session, user: User, round_: Round) -> int:
    """Attempts of the round the user has used up: finished ones and abandoned ones."""
    return session.scalar(
        select(func.count()).where(Attempt.user_id == user.id, Attempt.round_id == round_.id, Attempt.status.in_(USED))
    )


def get_attempt(session: Session, attempt_id: int) -> Attempt | None:
    return session.get(Attempt, attempt_id)


def in_progress_attempt(session: Session, user: User, round_: Round) -> Attempt | None:
    return session.scalar(
        select(Attempt).where(Attempt.user_id == user.id, Attempt.round_id == round_.id, Attempt.status == AttemptStatus.in_progress.value)
    )


def home_unit_id(user: User) -> int | None:
    """The unit an attempt is taken in (User.home_unit): a civil servant's workplace, a citizen's commune of
    residence. Kept on the attempt, so a later move or correction of the unit leaves it where it was taken."""
    return user.residence_unit_id if user.is_citizen else user.unit_id


def start_attempt(session: Session, user: User, round_: Round, now: datetime, policy: AttemptPolicy, client_ip: str | None = None) -> Attempt:
    """Return the attempt in progress for (user, round), or draw a new one.

    The person's overrides apply (services/overrides.py): a later close lets them start after the round's
    close, extra attempts raise the limit, and deadline = min(start + time limit + extra minutes, their close).
    Concurrent starts are safe: the partial unique index lets one insert win;
    the others roll back their savepoint and resume the winner's attempt.
    """
    contest = round_.contest
    refusal = contest_service.admission_refusal(user, contest)
    if refusal:
        raise AttemptError(refusal)
    current = in_progress_attempt(session, user, round_)
    if current is not None:
        if finalize_if_due(session, current, now, policy):
            raise AttemptError(_finalized_message(current))
        return current
    allowance = override_service.allowance(session, user, round_)
    state = allowance.state(round_, now)
    if state == RoundState.upcoming:
        raise AttemptError("Vòng thi chưa bắt đầu.")
    if state == RoundState.closed:
        raise AttemptError("Vòng thi đã kết thúc.")
    allowed = allowance.attempts_allowed(contest)
    if used_attempts(session, user, round_) >= allowed:
        raise AttemptError(f"Bạn đã dùng hết {allowed} lượt thi của vòng này.")
    refusal = contest_service.draw_refusal(session, round_)
    if refusal:
        raise AttemptError(refusal)
    seed = secrets.randbits(62)
    try:
        question_ids = draw_questions(contest_service.blueprint_cells(session, round_), seed, contest.shuffle_questions)
    except NotEnoughQuestionsError:
        raise AttemptError("Ngân hàng câu hỏi hiện không đủ câu theo cấu trúc đề; vui lòng báo ban tổ chức.") from None
    drawn = select(Question).where(Question.id.in_(question_ids)).options(selectinload(Question.choices))  # one query, not one a question
    questions = {q.id: q for q in session.scalars(drawn)}
    attempt = Attempt(
        round_id=round_.id,
        user_id=user.id,
        unit_id=home_unit_id(user),
        number=_next_number(session, user, round_),
        status=AttemptStatus.in_progress.value,
        seed=seed,
        started_at=now,
        deadline=min(now + timedelta(minutes=round_.time_limit_minutes + allowance.extra_minutes), allowance.closes(round_)),
        max_score=contest.points_per_question * len(question_ids),
        client_ip=client_ip,
    )
    attempt.questions = [
        _snapshot(questions[qid], position, seed, contest.shuffle_choices, contest.points_per_question)
        for position, qid in enumerate(question_ids, start=1)
    ]
    savepoint = session.begin_nested()
    try:
        session.add(attempt)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        winner = in_progress_attempt(session, user, round_)
        if winner is None:
            raise AttemptError("Không bắt đầu được bài thi, vui lòng thử lại.") from None
        return winner
    savepoint.commit()
    return attempt


def _next_number(session: Session, user: User, round_: Round) -> int:
    highest = session.scalar(select(func.max(Attempt.number)).where(Attempt.user_id == user.id, Attempt.round_id == round_.id))
    return (highest or 0) + 1


def _snapshot(question: Question, position: int, seed: int, shuffle: bool, points: int) -> AttemptQuestion:
    choices = sorted(question.choices, key=lambda c: c.position)
    order = choice_order(len(choices), seed, question.id, shuffle and question.kind != "true_false")
    correct = [c.label for c in choices if c.is_correct]
    return AttemptQuestion(
        question_id=question.id,
        position=position,
        kind=question.kind,
        text=question.text,
        choices=[
            {"key": LABELS[shown], "text": choices[original].text, "source": choices[original].label}
            for shown, original in enumerate(order)
        ],
        correct_keys=relabel(order, correct),
        points=points,
        explanation=question.explanation,
        legal_basis=question.legal_basis,
    )


# ---------------------------------------------------------------- saving


def accepts_saves(attempt: Attempt, now: datetime, policy: AttemptPolicy) -> bool:
    return attempt.in_progress and now <= attempt.deadline + policy.for_contest(attempt.round.contest).grace


def _closed_message(attempt: Attempt) -> str:
    if attempt.status == AttemptStatus.submitted:
        return "Bài thi đã được nộp; không thể thay đổi câu trả lời."
    if attempt.status == AttemptStatus.abandoned:
        return ("Đã hết thời gian làm bài; câu trả lời này không được ghi nhận. Bài thi chưa được nộp trước khi hết giờ "
                "nên đã bị hủy và không được tính điểm (theo thể lệ cuộc thi).")
    return "Đã hết thời gian làm bài; câu trả lời này không được ghi nhận. Bài thi đã được nộp tự động với các câu đã lưu."


def _finalized_message(attempt: Attempt) -> str:
    """Why a start resumed nothing: the attempt in progress has just been finalised by the clock."""
    if attempt.status == AttemptStatus.abandoned:
        return "Bài thi trước của bạn đã hết giờ mà chưa được nộp nên đã bị hủy (không tính điểm)."
    return "Bài thi trước của bạn đã hết giờ và đã được nộp tự động."


def lock_attempt(session: Session, attempt: Attempt) -> Attempt:
    """Reload the attempt under its row lock (SELECT … FOR UPDATE on PostgreSQL; on SQLite every
    transaction already holds the write lock, BEGIN IMMEDIATE). Saves and finishes take this lock
    before they look at the status, so they serialise (DESIGN: saving and finishing)."""
    session.refresh(attempt, with_for_update=True)
    return attempt


def save_answers(session: Session, attempt: Attempt, answers: dict[int, list[str]], now: datetime, policy: AttemptPolicy) -> None:
    """Upsert the chosen keys of some questions (by attempt question id). Idempotent."""
    lock_attempt(session, attempt)
    if not accepts_saves(attempt, now, policy):
        finalize_if_due(session, attempt, now, policy)
        raise AttemptError(_closed_message(attempt))
    questions = {q.id: q for q in attempt.questions}
    rows = []
    for question_id, keys in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise AttemptError("Câu hỏi không thuộc bài thi này.")
        rows.append(_answer_row(attempt.id, question_id, question.kind, question.choices, keys, now))
    if rows:
        session.execute(_upsert_statement(session), rows)


def _chosen(keys: list[str]) -> list[str]:
    """The keys of a save as stored: trimmed, upper case, each once, in order ("A,C")."""
    return sorted({k.strip().upper() for k in keys if k and k.strip()})


def _answer_row(attempt_id: int, question_id: int, kind: str, choices: list[dict], keys: list[str], now: datetime) -> dict:
    valid = {c["key"]: c.get("source", c["key"]) for c in choices}
    chosen = _chosen(keys)
    if any(k not in valid for k in chosen):
        raise AttemptError("Phương án đã chọn không có trong câu hỏi.")
    if kind != "multiple" and len(chosen) > 1:
        raise AttemptError("Câu hỏi này chỉ được chọn một phương án.")
    return {
        "attempt_id": attempt_id,
        "attempt_question_id": question_id,
        "selected": ",".join(chosen),
        "selected_original": ",".join(sorted(valid[k] for k in chosen)),
        "saved_at": now,
    }


_UPSERTS: dict[str, object] = {}


def _upsert_statement(session: Session):
    """INSERT … ON CONFLICT DO UPDATE of one answer, built once per dialect (the hot path of a contest)."""
    dialect = session.get_bind().dialect.name
    if dialect not in _UPSERTS:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(Answer)
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=["attempt_id", "attempt_question_id"],
            set_={name: getattr(statement.excluded, name) for name in ("selected", "selected_original", "saved_at")},
        )
    return _UPSERTS[dialect]


_SAVE_CONTEXT = (
    select(Attempt.user_id, User.active, User.session_version, Attempt.status, Attempt.deadline, AttemptQuestion.kind,
           AttemptQuestion.choices, Contest.grace_seconds)
    .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
    .join(User, User.id == Attempt.user_id)
    .join(Round, Round.id == Attempt.round_id)
    .join(Contest, Contest.id == Round.contest_id)
    .where(Attempt.id == bindparam("attempt_id"), AttemptQuestion.id == bindparam("question_id"))
    # The attempt row is locked for the rest of the request: a finish (its conditional UPDATE) waits
    # for this save to commit and scores with it, or this read waits for the finish and sees it.
    .with_for_update(of=Attempt)
)


# The whole autosave in one statement on PostgreSQL: lock the attempt (FOR UPDATE, as _SAVE_CONTEXT), and
# upsert only when every rule of `save_answer` below holds — the attempt is the user's, the account active
# with the cookie's session version, the attempt in progress, `now` within deadline + the contest's grace
# (else the platform's), the question one of the attempt's, every chosen key one of its choices and at most
# one for a single-choice question; selected_original maps the keys through the snapshot's choices as
# `_answer_row` does (sorted by byte value, as Python sorts). The row lock is held until the request's
# commit, so saving and finishing still serialise. No row, or saved false: `save_answer` runs its checks.
_SAVE_IN_ONE = text("""
WITH ctx AS (
    SELECT a.user_id, a.status, a.deadline, u.active, u.session_version, q.kind, q.choices, c.grace_seconds
    FROM attempts a
    JOIN attempt_questions q ON q.attempt_id = a.id
    JOIN users u ON u.id = a.user_id
    JOIN rounds r ON r.id = a.round_id
    JOIN contests c ON c.id = r.contest_id
    WHERE a.id = :attempt_id AND q.id = :question_id
    FOR UPDATE OF a
), picked AS (
    SELECT count(*) AS n,
           coalesce(string_agg(coalesce(e ->> 'source', e ->> 'key'), ','
                               ORDER BY coalesce(e ->> 'source', e ->> 'key') COLLATE "C"), '') AS original
    FROM ctx, json_array_elements(CAST(ctx.choices AS json)) AS e
    WHERE e ->> 'key' = ANY (CAST(:keys AS text[]))
), saved AS (
    INSERT INTO answers (attempt_id, attempt_question_id, selected, selected_original, saved_at)
    SELECT :attempt_id, :question_id, :selected, picked.original, :now
    FROM ctx, picked
    WHERE ctx.user_id = :user_id AND ctx.active
      AND (CAST(:session_version AS integer) IS NULL OR ctx.session_version = :session_version)
      AND ctx.status = :in_progress
      AND :now <= ctx.deadline + coalesce(ctx.grace_seconds, CAST(:grace_seconds AS double precision)) * interval '1 second'
      AND picked.n = :key_count AND (ctx.kind = 'multiple' OR :key_count <= 1)
    ON CONFLICT (attempt_id, attempt_question_id) DO UPDATE
        SET selected = excluded.selected, selected_original = excluded.selected_original, saved_at = excluded.saved_at
    RETURNING 1
)
SELECT ctx.deadline, EXISTS (SELECT FROM saved) AS saved FROM ctx
""").bindparams(bindparam("now", type_=UTCDateTime())).columns(deadline=UTCDateTime(), saved=Boolean())


def save_in_one(
    connection: Connection, user_id: int, attempt_id: int, question_id: int, keys: list[str], now: datetime,
    grace: timedelta, session_version: int | None,
) -> int | None:
    """PostgreSQL: the autosave of `save_answer` as one statement (_SAVE_IN_ONE) on `connection`, in its transaction
    (or as its own on an autocommit connection: the attempt's row lock then lasts as long as the statement).

    Returns the seconds left when the answer is saved; None when any rule refused it or nothing was found (the
    attempt row, if any, is then locked in the caller's transaction: `save_answer`'s checks say why)."""
    chosen = _chosen(keys)
    saved = connection.execute(_SAVE_IN_ONE, {
        "attempt_id": attempt_id, "question_id": question_id, "user_id": user_id, "session_version": session_version,
        "in_progress": AttemptStatus.in_progress.value, "now": now, "grace_seconds": grace.total_seconds(),
        "keys": chosen, "key_count": len(chosen), "selected": ",".join(chosen),
    }).first()
    if saved is None or not saved.saved:
        return None
    return max(0, int((saved.deadline - now).total_seconds()))


def save_answer(
    session: Session, user_id: int, attempt_id: int, question_id: int, keys: list[str], now: datetime, policy: AttemptPolicy,
    session_version: int | None = None,
) -> int:
    """Autosave of one answer with one read and one upsert; returns the seconds left.

    The same rules as `save_answers`, written for the request that a contest
    sends thousands of times a minute. Raises NotFoundError for an attempt that
    is not the user's, and SessionEndedError when the account is locked or
    `session_version` (the cookie's) is no longer the account's.
    """
    connection = session.connection()  # Core statements: no ORM bookkeeping on the hottest path
    if connection.dialect.name == "postgresql":
        remaining = save_in_one(connection, user_id, attempt_id, question_id, keys, now, policy.grace, session_version)
        if remaining is not None:
            return remaining
        # Refused (or nothing found): the attempt is locked by now; the checks below say why, in the same transaction.
    row = connection.execute(_SAVE_CONTEXT, {"attempt_id": attempt_id, "question_id": question_id}).first()
    if row is None or row.user_id != user_id:
        owner = session.execute(
            select(Attempt.user_id, User.active).join(User, User.id == Attempt.user_id).where(Attempt.id == attempt_id)
        ).first()
        if owner is None or owner.user_id != user_id:
            raise NotFoundError("Không tìm thấy bài thi.")
        if not owner.active:
            raise SessionEndedError(SESSION_ENDED_MESSAGE)
        raise AttemptError("Câu hỏi không thuộc bài thi này.")
    if not row.active or (session_version is not None and row.session_version != session_version):
        raise SessionEndedError(SESSION_ENDED_MESSAGE)
    grace = policy.grace if row.grace_seconds is None else timedelta(seconds=row.grace_seconds)  # AttemptPolicy.for_contest
    if row.status != AttemptStatus.in_progress or now > row.deadline + grace:
        attempt = session.get(Attempt, attempt_id)
        finalize_if_due(session, attempt, now, policy)
        raise AttemptError(_closed_message(attempt))
    connection.execute(_upsert_statement(session), [_answer_row(attempt_id, question_id, row.kind, row.choices, keys, now)])
    return max(0, int((row.deadline - now).total_seconds()))


class FormOutcome(enum.Enum):
    """What a post of the attempt page did."""

    saved = "saved"
    confirm = "confirm"  # a submit not yet confirmed: the page asks first
    submitted = "submitted"


def apply_attempt_form(
    session: Session, attempt: Attempt, answers: dict[int, list[str]] | None, prediction: int | None, *,
    submit: bool, confirmed: bool, now: datetime, policy: AttemptPolicy,
) -> FormOutcome:
    """A post of the whole attempt page: save its answers and prediction, then submit when asked and confirmed.

    `answers` is None when the page autosaved every choice one by one (JavaScript, maybe from another
    device too): the form is then not applied again, so a stale page can never overwrite a newer answer.
    Without JavaScript the form is the full state of the answers. Raises AttemptError as the saves do.
    """
    if answers is not None:
        save_answers(session, attempt, answers, now, policy)
        if attempt.round.contest.prediction_question:
            save_prediction(session, attempt, prediction, now, policy)
    if not submit:
        return FormOutcome.saved
    if not confirmed:
        return FormOutcome.confirm
    submit_attempt(session, attempt, now, policy)
    return FormOutcome.submitted


def save_prediction(session: Session, attempt: Attempt, prediction: int | None, now: datetime, policy: AttemptPolicy) -> None:
    lock_attempt(session, attempt)
    if not accepts_saves(attempt, now, policy):
        finalize_if_due(session, attempt, now, policy)
        raise AttemptError(_closed_message(attempt))
    if prediction is not None and not 0 <= prediction <= 10_000_000:
        raise AttemptError("Số dự đoán phải là số nguyên không âm.")
    attempt.prediction = prediction
    session.flush()


def save_position(session: Session, attempt: Attempt, position: int, now: datetime, policy: AttemptPolicy) -> None:
    """Remember the question (its 1-based position) the participant is on in one-question mode, so that a reload or
    another device reopens it. Accepted while answers are, like them."""
    lock_attempt(session, attempt)
    if not accepts_saves(attempt, now, policy):
        finalize_if_due(session, attempt, now, policy)
        raise AttemptError(_closed_message(attempt))
    if not 1 <= position <= len(attempt.questions):
        raise AttemptError(f"Bài thi có {len(attempt.questions)} câu hỏi; không có câu {position}.")
    attempt.current_position = position
    session.flush()


def saved_answers(session: Session, attempt: Attempt) -> dict[int, list[str]]:
    rows = session.execute(select(Answer.attempt_question_id, Answer.selected).where(Answer.attempt_id == attempt.id))
    return {qid: chosen_keys(selected) for qid, selected in rows}


# ---------------------------------------------------------------- finishing and scoring


def _finish(session: Session, attempt: Attempt, status: AttemptStatus, finished_at: datetime) -> bool:
    """Move the attempt out of in_progress and score it (an abandoned one is not scored), exactly once (conditional
    UPDATE)."""
    result = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.in_progress.value)
        .values(status=status.value, finished_at=finished_at)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(attempt)
        return False
    session.refresh(attempt)
    if status != AttemptStatus.abandoned:
        score_attempt(session, attempt)
        cache.clear_leaderboards(session, attempt.round.contest_id)
    return True


def submit_attempt(session: Session, attempt: Attempt, now: datetime, policy: AttemptPolicy) -> bool:
    """Submit by the participant. Past deadline + grace the contest's overdue rule applies instead. True if this call
    finished it."""
    if not attempt.in_progress:
        return False
    if finalize_if_due(session, attempt, now, policy):
        return True
    return _finish(session, attempt, AttemptStatus.submitted, now)


def finalize_if_due(session: Session, attempt: Attempt, now: datetime, policy: AttemptPolicy) -> bool:
    """Apply the contest's overdue rule to an attempt whose deadline + grace has passed (when it is touched): expire
    it with the answers saved (autosubmit) or abandon it (autoabandon)."""
    rule = policy.for_contest(attempt.round.contest)
    if attempt.in_progress and now > attempt.deadline + rule.grace:
        status = AttemptStatus.abandoned if rule.overdue == OverdueHandling.autoabandon else AttemptStatus.expired
        return _finish(session, attempt, status, attempt.deadline)
    return False


def expire_due_attempts(session: Session, now: datetime, policy: AttemptPolicy, round_id: int | None = None) -> int:
    """Finalise every overdue attempt (CLI `expire-attempts`, and before rankings and reports).

    The grace is a contest setting, so the query takes every attempt past its deadline and `finalize_if_due`
    applies each contest's grace (an attempt still inside its grace is left running)."""
    query = select(Attempt).where(Attempt.status == AttemptStatus.in_progress.value, Attempt.deadline < now)
    if round_id is not None:
        query = query.where(Attempt.round_id == round_id)
    count = 0
    for attempt in session.scalars(query).all():
        count += finalize_if_due(session, attempt, now, policy)
    return count


class QuestionScore(NamedTuple):
    points: int  # what the question adds to the score
    maximum: int  # what it adds to the maximum (0 once a regrade dropped it)
    counted: bool  # counted as a correct answer
    key_matched: bool  # the answer equals the key (Answer.is_correct, item statistics)


def question_score(question: AttemptQuestion, keys: list[str] | None) -> QuestionScore:
    """The scoring rule for one drawn question (DESIGN: scoring): full points when the chosen set equals the key
    set; a question a regrade voided scores for everyone ("credit") or for no one, outside the maximum ("drop")."""
    matched = bool(keys) and sorted(keys) == sorted(question.correct_keys)
    if question.void == "drop":
        return QuestionScore(0, 0, False, matched)
    counted = matched or question.void == "credit"
    return QuestionScore(question.points if counted else 0, question.points, counted, matched)


def chosen_keys(selected: str) -> list[str]:
    """An Answer's stored choice ("A,C") as its keys."""
    return [k for k in selected.split(",") if k]


def score_attempt(session: Session, attempt: Attempt) -> None:
    """Score from the saved answers, question by question (`question_score`)."""
    chosen = saved_answers(session, attempt)
    score = correct = maximum = 0
    verdicts = {}
    for question in attempt.questions:
        result = question_score(question, chosen.get(question.id))
        verdicts[question.id] = result.key_matched
        score, correct, maximum = score + result.points, correct + result.counted, maximum + result.maximum
    attempt.max_score = maximum
    if verdicts:
        for answer in session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)):
            answer.is_correct = verdicts.get(answer.attempt_question_id, False)
    attempt.score = score
    attempt.correct_count = correct
    end = min(attempt.finished_at, attempt.deadline)
    attempt.time_used_ms = max(0, int((end - attempt.started_at).total_seconds() * 1000))
    session.flush()


def own_attempts(session: Session, user: User, rounds: list[Round], now: datetime, policy: AttemptPolicy) -> dict[int, list[Attempt]]:
    """The user's attempts of `rounds` by round id, in order, each finalised first when its time is up."""
    mine: dict[int, list[Attempt]] = {}
    if not rounds:
        return mine
    statement = select(Attempt).where(Attempt.user_id == user.id, Attempt.round_id.in_([r.id for r in rounds])).order_by(Attempt.number)
    for attempt in session.scalars(statement):
        finalize_if_due(session, attempt, now, policy)
        mine.setdefault(attempt.round_id, []).append(attempt)
    return mine


def saved_times_ms(session: Session, attempt: Attempt) -> dict[int, int]:
    """When each answer of the attempt reached the server (epoch ms), by question; a cleared answer has none."""
    rows = session.execute(
        select(Answer.attempt_question_id, Answer.saved_at).where(Answer.attempt_id == attempt.id, Answer.selected != "")
    )
    return {qid: int(at.timestamp() * 1000) for qid, at in rows}

