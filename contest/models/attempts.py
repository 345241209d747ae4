"""Attempts, the questions drawn for them (snapshots) and saved answers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base
from contest.models.contests import ReviewPolicy, Round
from contest.models.users import User
from contest.timeutil import UTCDateTime, utcnow


class AttemptStatus(str, enum.Enum):
    in_progress = "in_progress"
    submitted = "submitted"  # by the participant
    expired = "expired"  # finished by the clock: at the deadline, with what was saved
    abandoned = "abandoned"  # not submitted in time under the contest's "abandon" rule: not scored, not counted


# Scored attempts: rankings, statistics and reports count these and nothing else.
FINISHED = (AttemptStatus.submitted.value, AttemptStatus.expired.value)
# Attempts that used up one of the person's attempts of a round.
USED = (*FINISHED, AttemptStatus.abandoned.value)


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "round_id", "number"),
        CheckConstraint("status IN ('in_progress', 'submitted', 'expired', 'abandoned')", name="status_valid"),
        CheckConstraint("deadline >= started_at", name="deadline_after_start"),
        # At most one attempt in progress per (user, round), enforced by the database.
        Index(
            "uq_attempts_one_in_progress",
            "user_id",
            "round_id",
            unique=True,
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
        # A round's attempts by status; with the score and id, item statistics count the levels and find the 27 %
        # cuts from the index alone.
        Index("ix_attempts_round_status_score", "round_id", "status", "score", "id"),
        # The period report's contests, per unit and round (SQLite otherwise read every attempt of a unit once per round).
        Index("ix_attempts_unit_round", "unit_id", "round_id"),
        # Period reports: the attempts finished in a date range (a period without attempts, such as the one before
        # the first, otherwise read every attempt to find none).
        Index("ix_attempts_finished_at", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The participant's unit when the attempt started (a citizen's commune of residence): a later move or correction
    # leaves past attempts where they were taken.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.in_progress.value)
    seed: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[int | None] = mapped_column(Integer)
    max_score: Mapped[int] = mapped_column(Integer, default=0)
    correct_count: Mapped[int | None] = mapped_column(Integer)
    time_used_ms: Mapped[int | None] = mapped_column(BigInteger)
    prediction: Mapped[int | None] = mapped_column(Integer)
    # The position of the question the participant was on in one-question mode (saved with the autosave), so a reload
    # or another device reopens it; NULL: the first.
    current_position: Mapped[int | None] = mapped_column(Integer)
    client_ip: Mapped[str | None] = mapped_column(String(64))

    round: Mapped[Round] = relationship()
    user: Mapped[User] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def in_progress(self) -> bool:
        return self.status == AttemptStatus.in_progress

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def abandoned(self) -> bool:
        return self.status == AttemptStatus.abandoned

    def answers_visible(self, now: datetime, last_close: datetime | None = None) -> bool:
        """Whether its participant may see the keys and explanations now (the contest's review policy);
        never while the attempt runs. "After close" waits for `last_close` when given: the round's close for
        everyone, later than its own when an override lets someone take it later (services.overrides.last_close),
        so nobody reads the keys while another person may still answer."""
        policy = self.round.contest.review_policy
        if not self.finished or policy == ReviewPolicy.score_only:
            return False
        return policy == ReviewPolicy.immediate or (policy == ReviewPolicy.after_close and now >= max(self.round.closes_at, last_close or self.round.closes_at))


# Each person's latest finished attempt (participation and the period report: row_number() over the person's attempts,
# latest first) read in index order; on PostgreSQL with the columns those reports take, so no table row is visited.
Index(
    "ix_attempts_user_latest", Attempt.user_id, Attempt.finished_at.desc(), Attempt.id.desc(),
    postgresql_include=["unit_id", "round_id", "status", "score", "max_score"],
)


class AttemptQuestion(Base):
    """A question as it was drawn for one attempt: text, shown choices and key are copied."""

    __tablename__ = "attempt_questions"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        UniqueConstraint("attempt_id", "question_id"),
        CheckConstraint("void IS NULL OR void IN ('credit', 'drop')", name="void_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    # [{"key": "A", "text": "...", "source": "C"}] in the order shown; keys are re-lettered after
    # shuffling, "source" is the choice's label in the bank question.
    choices: Mapped[list] = mapped_column(JSON)
    correct_keys: Mapped[list] = mapped_column(JSON)
    points: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    # Set by a regrade (services/regrade.py): "credit" scores it for everyone, "drop" takes it out of the maximum.
    void: Mapped[str | None] = mapped_column(String(8))

    attempt: Mapped[Attempt] = relationship(back_populates="questions")


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "attempt_question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    attempt_question_id: Mapped[int] = mapped_column(
        ForeignKey("attempt_questions.id", ondelete="CASCADE"), index=True
    )
    # Chosen keys as shown, sorted and joined: "B" or "A,C"; empty when cleared.
    selected: Mapped[str] = mapped_column(String(32), default="")
    # The same choices by their label in the bank question (before shuffling): item statistics.
    selected_original: Mapped[str] = mapped_column(String(32), default="", server_default="")
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_correct: Mapped[bool | None] = mapped_column()
