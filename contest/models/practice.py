"""Practice ("Ôn tập"): each person's last answer to each question they practised.

Kept apart from attempts on purpose: no ranking, statistic or report reads this table (see
services/practice.py), so practising never counts towards a contest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base
from contest.models.questions import Question
from contest.models.users import User
from contest.timeutil import UTCDateTime, utcnow


class PracticeAnswer(Base):
    """The last answer of `user` to `question` in practice: what was chosen, whether it was right, and when."""

    __tablename__ = "practice_answers"
    __table_args__ = (UniqueConstraint("user_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    # The labels chosen, sorted and joined ("A,C"): the feedback page shows them again.
    chosen: Mapped[str] = mapped_column(String(64))
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    question: Mapped[Question] = relationship()
