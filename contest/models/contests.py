"""Contests, their eligible units, rounds and round blueprints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base
from contest.models.questions import QuestionBank, Topic
from contest.models.units import Unit
from contest.models.users import ParticipantGroup, User
from contest.timeutil import UTCDateTime, utcnow
from question_bank.labels import LabelledEnum

class ContestStatus(LabelledEnum):
    draft = "draft", "Bản nháp"
    published = "published", "Đã công bố"
    archived = "archived", "Lưu trữ"


class OverdueHandling(LabelledEnum):
    """What happens to an attempt still open when its deadline (+ grace) passes (Moodle's `overduehandling`)."""

    # finished with the answers saved until then, and scored (status expired)
    autosubmit = "autosubmit", "Tự động nộp bài với các câu trả lời đã lưu"
    # not counted: only an attempt the participant submitted in time scores
    autoabandon = "autoabandon", "Hủy bài thi chưa nộp (không tính điểm, vẫn tính là đã dùng lượt)"


class Audience(LabelledEnum):
    units = "units", "Cán bộ, công chức, viên chức các đơn vị được chọn"
    public = "public", "Mọi người (đăng ký tài khoản)"


class Grading(LabelledEnum):
    """Which of a person's finished attempts of a round counts."""

    best = "best", "Lượt cao điểm nhất"
    first = "first", "Lượt đầu tiên"
    last = "last", "Lượt cuối cùng"


class ReviewPolicy(LabelledEnum):
    """When a participant may see the answers of a finished attempt."""

    score_only = "score_only", "Chỉ xem điểm"
    after_close = "after_close", "Xem đáp án sau khi vòng thi kết thúc"
    immediate = "immediate", "Xem đáp án ngay sau khi nộp bài"


class LeaderboardVisibility(LabelledEnum):
    hidden = "hidden", "Chỉ ban tổ chức xem"
    participants = "participants", "Người dự thi đã đăng nhập"
    public = "public", "Công khai"


class PredictionResolver(LabelledEnum):
    """What gives the answer of the contest's prediction question."""

    participants = "participants", "Số người tham gia vòng thi"
    full_scores = "full_scores", "Số bài thi đạt điểm tối đa"


class RoundState(LabelledEnum):
    """Where a round stands at a moment: derived from its times, not stored."""

    upcoming = "upcoming", "Sắp diễn ra"
    open = "open", "Đang diễn ra"
    closed = "closed", "Đã kết thúc"


contest_units = Table(
    "contest_units",
    Base.metadata,
    Column("contest_id", ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True),
)


class Contest(Base):
    __tablename__ = "contests"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status_valid"),
        CheckConstraint("audience IN ('units', 'public')", name="audience_valid"),
        CheckConstraint("grading IN ('best', 'first', 'last')", name="grading_valid"),
        CheckConstraint(
            "review_policy IN ('score_only', 'after_close', 'immediate')", name="review_policy_valid"
        ),
        CheckConstraint(
            "leaderboard_visibility IN ('hidden', 'participants', 'public')",
            name="leaderboard_visibility_valid",
        ),
        CheckConstraint(
            "prediction_resolver IS NULL OR prediction_resolver IN ('participants', 'full_scores')",
            name="prediction_resolver_valid",
        ),
        CheckConstraint("attempts_allowed >= 1", name="attempts_allowed_positive"),
        CheckConstraint("points_per_question > 0", name="points_positive"),
        CheckConstraint("grace_seconds IS NULL OR grace_seconds >= 0", name="grace_not_negative"),
        CheckConstraint(
            "overdue_handling IS NULL OR overdue_handling IN ('autosubmit', 'autoabandon')", name="overdue_handling_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    # The rules as the organiser wrote them (Markdown; older contests: HTML), and as pages show them: sanitised
    # HTML rendered from it on save (contest.rules_markdown). Every page shows rules_html, sanitised again.
    rules_markdown: Mapped[str] = mapped_column(Text, default="", server_default="")
    rules_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ContestStatus.draft.value)
    audience: Mapped[str] = mapped_column(String(16), default=Audience.units.value)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_choices: Mapped[bool] = mapped_column(Boolean, default=True)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    grading: Mapped[str] = mapped_column(String(16), default=Grading.best.value)
    points_per_question: Mapped[int] = mapped_column(Integer, default=1)
    review_policy: Mapped[str] = mapped_column(String(16), default=ReviewPolicy.after_close.value)
    leaderboard_visibility: Mapped[str] = mapped_column(String(16), default=LeaderboardVisibility.public.value)
    leaderboard_freeze_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    prediction_question: Mapped[str | None] = mapped_column(Text)
    prediction_resolver: Mapped[str | None] = mapped_column(String(16))
    # The overdue rule; NULL = the platform default (ATTEMPT_GRACE_SECONDS, ATTEMPT_OVERDUE_HANDLING).
    grace_seconds: Mapped[int | None] = mapped_column(Integer)
    overdue_handling: Mapped[str | None] = mapped_column(String(16))
    # The participant groups admitted, comma-separated values of ParticipantGroup, in its order.
    admitted_groups: Mapped[str] = mapped_column(
        String(64), default=ParticipantGroup.civil_servant.value, server_default=ParticipantGroup.civil_servant.value
    )
    # A citizen without a CCCD number may take part (civil servants always need one).
    citizen_cccd_optional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    owner_unit: Mapped[Unit] = relationship()
    eligible_units: Mapped[list[Unit]] = relationship(secondary=contest_units)
    rounds: Mapped[list[Round]] = relationship(
        back_populates="contest", order_by="Round.number", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == ContestStatus.published

    @property
    def groups(self) -> list[ParticipantGroup]:
        """The admitted groups in ParticipantGroup's order (civil servants when nothing is stored)."""
        stored = set((self.admitted_groups or ParticipantGroup.civil_servant.value).split(","))
        return [group for group in ParticipantGroup if group.value in stored] or [ParticipantGroup.civil_servant]

    def admits(self, group: ParticipantGroup | str) -> bool:
        return ParticipantGroup(group) in self.groups

    @property
    def ranks_by_group(self) -> bool:
        """Rankings, prize lists and exports are per group when more than one group takes part."""
        return len(self.groups) > 1

    @property
    def status_label(self) -> str:
        return ContestStatus(self.status).label

    @property
    def max_score(self) -> int:
        """The highest total a person can reach over every round (each round's best, first or last attempt summed)."""
        return sum(r.question_count for r in self.rounds) * self.points_per_question


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("contest_id", "number"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        CheckConstraint("time_limit_minutes > 0", name="time_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    time_limit_minutes: Mapped[int] = mapped_column(Integer)
    # The resolved answer to the prediction question, fixed once the round closes.
    prediction_actual: Mapped[int | None] = mapped_column(Integer)

    contest: Mapped[Contest] = relationship(back_populates="rounds")
    blueprint: Mapped[list[BlueprintItem]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="BlueprintItem.id"
    )

    def state(self, now: datetime) -> RoundState:
        if now < self.opens_at:
            return RoundState.upcoming
        if now < self.closes_at:
            return RoundState.open
        return RoundState.closed

    @property
    def question_count(self) -> int:
        """Questions an attempt of this round draws (the blueprint's lines summed)."""
        return sum(item.question_count for item in self.blueprint)


class BlueprintItem(Base):
    """How many questions a round draws from one cell (bank, topic, difficulty)."""

    __tablename__ = "blueprint_items"
    __table_args__ = (
        CheckConstraint("question_count > 0", name="count_positive"),
        CheckConstraint("difficulty IS NULL OR difficulty IN (1, 2, 3)", name="difficulty_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="RESTRICT"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="RESTRICT"))
    difficulty: Mapped[int | None] = mapped_column(Integer)
    question_count: Mapped[int] = mapped_column(Integer)

    round: Mapped[Round] = relationship(back_populates="blueprint")
    bank: Mapped[QuestionBank] = relationship()
    topic: Mapped[Topic | None] = relationship()


class Override(Base):
    """More time, more attempts or a later close for one person, or for every person of a unit's subtree, in one
    round or (round_id NULL) every round of a contest. Overrides only ever extend: see services/overrides.py."""

    __tablename__ = "overrides"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (unit_id IS NULL)", name="one_subject"),
        CheckConstraint("extra_minutes >= 0", name="extra_minutes_not_negative"),
        CheckConstraint("extra_attempts >= 0", name="extra_attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    contest: Mapped[Contest] = relationship()
    round: Mapped[Round | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    unit: Mapped[Unit | None] = relationship()
