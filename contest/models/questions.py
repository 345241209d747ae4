"""Question banks, topics, questions and their choices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base
from contest.models.units import Unit
from contest.timeutil import UTCDateTime, utcnow


class QuestionBank(Base):
    __tablename__ = "question_banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    # Contests of units below the owner may draw from the bank only when its owner says so: their
    # organisers and participants then see its answer keys (reviews, statistics).
    shared_with_lower_units: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Open for practice ("Ôn tập"): every topic of the bank, now and later; else only topics with their own flag.
    practice_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner_unit: Mapped[Unit | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(back_populates="bank", order_by="Topic.name")


class Topic(Base):
    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("bank_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # This topic open for practice while its bank as a whole is not.
    practice_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    bank: Mapped[QuestionBank] = relationship(back_populates="topics")

    @property
    def open_for_practice(self) -> bool:
        return self.practice_open or self.bank.practice_open


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("bank_id", "code"),
        CheckConstraint("kind IN ('single', 'multiple', 'true_false')", name="kind_valid"),
        CheckConstraint("difficulty IN (1, 2, 3)", name="difficulty_valid"),
        CheckConstraint("status IN ('active', 'retired')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="RESTRICT"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    difficulty: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    # Text without diacritics, lower case: accent-insensitive search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Hash of the normalised text and choices: duplicate detection across imports.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    bank: Mapped[QuestionBank] = relationship()
    topic: Mapped[Topic] = relationship()
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan"
    )


class Choice(Base):
    __tablename__ = "choices"
    __table_args__ = (UniqueConstraint("question_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(1))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[Question] = relationship(back_populates="choices")


class PendingImport(Base):
    """An uploaded file between its preview and the organiser's confirmation.

    Kept in the database, not in process memory, so that the confirmation may
    reach any app server.
    """

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(16))
    default_topic: Mapped[str] = mapped_column(String(255), default="")
    default_difficulty: Mapped[int] = mapped_column(Integer, default=2)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
