"""Regrades: a question's key corrected, or the question voided, in the attempts of one contest afterwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base
from contest.models.contests import Contest
from contest.models.questions import Question
from contest.models.users import User
from contest.timeutil import UTCDateTime, utcnow
from question_bank.labels import LabelledEnum


class RegradeAction(LabelledEnum):
    """What a regrade does to the snapshots of one question (Moodle's regrade after a wrong key or a bad question)."""

    # apply the bank's current key (and undo a void)
    key = "key", "Chấm lại theo đáp án hiện tại trong ngân hàng"
    # void: every attempt that drew it gets its points, whatever was answered
    credit = "credit", "Hủy câu hỏi: mọi người làm câu này đều được điểm"
    # void: it counts for nobody, and leaves every maximum
    drop = "drop", "Hủy câu hỏi: bỏ câu này khỏi điểm tối đa"


class Regrade(Base):
    """One confirmed regrade of a contest: kept for the prize verification page until an organiser has reviewed the
    winners again (results changed after they may have been announced)."""

    __tablename__ = "regrades"
    __table_args__ = (CheckConstraint("action IN ('key', 'credit', 'drop')", name="action_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(16))
    attempts_changed: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    contest: Mapped[Contest] = relationship()
    question: Mapped[Question] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def action_label(self) -> str:
        return RegradeAction(self.action).label
