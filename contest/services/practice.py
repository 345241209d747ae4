"""Practice ("Ôn tập"): organisers open banks or topics; anyone logged in answers their questions one by one and
sees at once whether they were right, the key, the explanation and the legal reference.

Practice writes only `practice_answers` (the last answer per person and question) and the banks' and topics'
`practice_open` flags. No ranking, statistic, report or export reads them: practising never counts towards a
contest (tests/services/test_practice.py checks the modules that compute those).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from contest.errors import NotFoundError, ValidationError
from contest.models import BlueprintItem, Contest, ContestStatus, PracticeAnswer, Question, QuestionBank, Round, Topic, User

ACTIVE = "active"


class PracticeInUseError(ValidationError):
    """Opening for practice what a running contest draws from, without the organiser's explicit confirmation."""


# ---------------------------------------------------------------- organisers


@dataclass(frozen=True)
class RoundInUse:
    contest_title: str
    round_title: str
    closes_at: datetime


def rounds_drawing_from(session: Session, bank: QuestionBank, topic_ids: set[int] | None, now: datetime) -> list[RoundInUse]:
    """Rounds open now or still to come, of contests not archived, whose blueprint draws from `bank` — from the
    whole bank, or (topic_ids given) from one of those topics or from the bank without a topic."""
    drawn = BlueprintItem.bank_id == bank.id
    if topic_ids is not None:
        drawn = drawn & or_(BlueprintItem.topic_id.is_(None), BlueprintItem.topic_id.in_(topic_ids))
    rows = session.execute(
        select(Contest.title, Round.title, Round.closes_at)
        .join(Round, Round.contest_id == Contest.id)
        .where(Round.closes_at > now, Contest.status != ContestStatus.archived.value,
               exists().where(BlueprintItem.round_id == Round.id, drawn))
        .order_by(Round.opens_at, Round.id)
    ).all()
    return [RoundInUse(*row) for row in rows]


def in_use_message(rounds: list[RoundInUse]) -> str:
    names = "; ".join(f"“{r.contest_title}” — {r.round_title}" for r in rounds)
    return (f"Ngân hàng đang được dùng trong cuộc thi chưa kết thúc ({names}): người ôn tập sẽ xem được đáp án của các câu hỏi "
            "mà cuộc thi có thể rút. Nếu vẫn muốn mở, hãy đánh dấu “Cho phép ôn tập dù đang dùng trong cuộc thi” rồi lưu lại.")


@dataclass(frozen=True)
class PracticeScope:
    """What a bank opens for practice: the whole bank, or these topics (none: closed)."""

    whole_bank: bool
    topic_ids: frozenset[int]

    @property
    def closed(self) -> bool:
        return not self.whole_bank and not self.topic_ids


def set_practice(session: Session, bank: QuestionBank, scope: PracticeScope, *, confirm_in_use: bool, now: datetime) -> str:
    """Open (or close) the bank or some of its topics for practice; a sentence saying what is open now.

    Newly opening what a running contest draws from is refused unless `confirm_in_use` (PracticeInUseError)."""
    topics = {t.id: t for t in session.scalars(select(Topic).where(Topic.bank_id == bank.id))}
    unknown = scope.topic_ids - set(topics)
    if unknown:
        raise ValidationError("Chủ đề đã chọn không thuộc ngân hàng này; vui lòng tải lại trang và chọn lại.")
    if scope.whole_bank:
        newly = None if not bank.practice_open else set()
    else:
        newly = {tid for tid in scope.topic_ids if not (bank.practice_open or topics[tid].practice_open)}
    if newly is None or newly:
        rounds = rounds_drawing_from(session, bank, newly, now)
        if rounds and not confirm_in_use:
            raise PracticeInUseError(in_use_message(rounds))
    bank.practice_open = scope.whole_bank
    for topic in topics.values():
        topic.practice_open = not scope.whole_bank and topic.id in scope.topic_ids
    session.flush()
    if scope.whole_bank:
        return f"Đã mở toàn bộ ngân hàng “{bank.name}” cho ôn tập."
    if scope.closed:
        return f"Đã đóng ôn tập của ngân hàng “{bank.name}”."
    names = ", ".join(sorted(topics[tid].name for tid in scope.topic_ids))
    return f"Đã mở cho ôn tập {len(scope.topic_ids)} chủ đề của ngân hàng “{bank.name}”: {names}."


# ---------------------------------------------------------------- participants

_open_topic = or_(QuestionBank.practice_open, Topic.practice_open)


@dataclass(frozen=True)
class TopicProgress:
    topic_id: int
    topic_name: str
    bank_name: str
    total: int  # active questions of the topic
    answered: int  # of them, answered at least once by the person
    correct: int  # of them, last answered correctly

    @property
    def done(self) -> bool:
        return self.total > 0 and self.correct == self.total


def any_open(session: Session) -> bool:
    """Whether some topic with an active question is open for practice (the home page links to it then)."""
    return bool(session.scalar(select(exists().where(
        Question.topic_id == Topic.id, Question.status == ACTIVE, Topic.bank_id == QuestionBank.id, _open_topic))))


def progress(session: Session, user: User, topic_id: int | None = None) -> list[TopicProgress]:
    """Every topic open for practice that has an active question (or only `topic_id`), with the person's counts."""
    answered = PracticeAnswer.id.is_not(None)
    query = (
        select(Topic.id, Topic.name, QuestionBank.name, func.count(Question.id), func.count(PracticeAnswer.id),
               func.coalesce(func.sum(case((answered & PracticeAnswer.correct, 1), else_=0)), 0))
        .join(QuestionBank, QuestionBank.id == Topic.bank_id)
        .join(Question, (Question.topic_id == Topic.id) & (Question.status == ACTIVE))
        .outerjoin(PracticeAnswer, (PracticeAnswer.question_id == Question.id) & (PracticeAnswer.user_id == user.id))
        .where(_open_topic)
        .group_by(Topic.id, Topic.name, QuestionBank.name)
        .order_by(QuestionBank.name, Topic.name)
    )
    if topic_id is not None:
        query = query.where(Topic.id == topic_id)
    return [TopicProgress(*row) for row in session.execute(query)]


def open_topic(session: Session, topic_id: int) -> Topic:
    """A topic open for practice (NotFoundError otherwise: a closed topic's questions are not shown)."""
    topic = session.get(Topic, topic_id)
    if topic is None or not topic.open_for_practice:
        raise NotFoundError("Chủ đề này không mở để ôn tập.")
    return topic


def practice_question(session: Session, topic: Topic, question_id: int) -> Question:
    """An active question of `topic` (NotFoundError otherwise)."""
    question = session.get(Question, question_id)
    if question is None or question.topic_id != topic.id or question.status != ACTIVE:
        raise NotFoundError("Câu hỏi này không có trong chủ đề ôn tập.")
    return question


def next_question(session: Session, user: User, topic: Topic) -> Question | None:
    """The question to practise next: one not answered yet, else the one answered wrongly longest ago; None when
    every active question of the topic was last answered correctly."""
    return session.scalar(
        select(Question)
        .outerjoin(PracticeAnswer, (PracticeAnswer.question_id == Question.id) & (PracticeAnswer.user_id == user.id))
        .where(Question.topic_id == topic.id, Question.status == ACTIVE,
               or_(PracticeAnswer.id.is_(None), PracticeAnswer.correct.is_(False)))
        .order_by(case((PracticeAnswer.id.is_(None), 0), else_=1), PracticeAnswer.answered_at, Question.code)
        .options(selectinload(Question.choices))
        .limit(1)
    )


def _check_keys(question: Question, keys: list[str]) -> list[str]:
    labels = {c.label for c in question.choices}
    chosen = sorted(set(keys))
    if not chosen:
        raise ValidationError("Vui lòng chọn phương án trả lời." if question.kind != "multiple"
                              else "Vui lòng chọn ít nhất một phương án trả lời.")
    if not set(chosen) <= labels:
        raise ValidationError("Phương án đã chọn không có trong câu hỏi; vui lòng chọn lại.")
    if question.kind != "multiple" and len(chosen) > 1:
        raise ValidationError("Câu hỏi này chỉ có một đáp án đúng: vui lòng chọn một phương án.")
    return chosen


def answer(session: Session, user: User, question: Question, keys: list[str], now: datetime) -> PracticeAnswer:
    """Record the person's answer to a practice question (replacing their previous one) and whether it is right."""
    chosen = _check_keys(question, keys)
    correct = chosen == sorted(c.label for c in question.choices if c.is_correct)
    values = {"chosen": ",".join(chosen), "correct": correct, "answered_at": now}
    row = session.scalar(select(PracticeAnswer).where(PracticeAnswer.user_id == user.id, PracticeAnswer.question_id == question.id))
    if row is None:
        try:
            with session.begin_nested():  # a double submit racing this one may insert first
                row = PracticeAnswer(user_id=user.id, question_id=question.id, **values)
                session.add(row)
        except IntegrityError:
            row = session.scalar(select(PracticeAnswer).where(PracticeAnswer.user_id == user.id,
                                                              PracticeAnswer.question_id == question.id))
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    return row


def last_answer(session: Session, user: User, question: Question) -> PracticeAnswer | None:
    """The person's last practice answer to `question`: the feedback page shows it (and only then the key)."""
    return session.scalar(select(PracticeAnswer).where(PracticeAnswer.user_id == user.id, PracticeAnswer.question_id == question.id))


def reset_topic(session: Session, user: User, topic: Topic) -> int:
    """Forget the person's practice answers in `topic` ("Làm lại từ đầu"); how many were forgotten."""
    result = session.execute(delete(PracticeAnswer).where(
        PracticeAnswer.user_id == user.id,
        PracticeAnswer.question_id.in_(select(Question.id).where(Question.topic_id == topic.id)),
    ).execution_options(synchronize_session=False))
    session.flush()
    return result.rowcount or 0
