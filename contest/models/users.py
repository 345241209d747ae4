"""Accounts and roles."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base
from contest.models.units import Unit
from contest.timeutil import UTCDateTime, utcnow
from question_bank.labels import LabelledEnum


class Role(LabelledEnum):
    admin = "admin", "Quản trị hệ thống"
    organizer = "organizer", "Ban tổ chức"
    unit_manager = "unit_manager", "Quản lý đơn vị"
    participant = "participant", "Người dự thi"


class ParticipantGroup(LabelledEnum):
    """Who a person takes part as (DESIGN.md "Groups and periods"): a civil servant counts towards their workplace
    unit's participation rate; a citizen gives a commune/ward of residence and is counted there, outside every rate."""

    civil_servant = "civil_servant", "Cán bộ, công chức, viên chức"
    citizen = "citizen", "Người dân"


GROUP_VALUES = ", ".join(f"'{group.value}'" for group in ParticipantGroup)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'organizer', 'unit_manager', 'participant')", name="role_valid"
        ),
        CheckConstraint("length(cccd) = 12", name="cccd_length"),
        CheckConstraint(f"participant_group IN ({GROUP_VALUES})", name="participant_group_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(255))
    # Folded (no diacritics, lower case) name, so that "nguyen van an" finds "Nguyễn Văn An".
    search_name: Mapped[str] = mapped_column(String(255), index=True, default="")
    cccd: Mapped[str | None] = mapped_column(String(12), unique=True)
    phone: Mapped[str] = mapped_column(String(15), unique=True)
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    position: Mapped[str | None] = mapped_column(String(255))
    participant_group: Mapped[str] = mapped_column(
        String(16), default=ParticipantGroup.civil_servant.value, server_default=ParticipantGroup.civil_servant.value
    )
    # A citizen's commune/ward of residence: a unit of the tree, or (outside it) as they wrote it.
    residence_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    residence_text: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.participant.value)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the id kept in session and remember cookies: bumping it (log out, password change, lock)
    # makes every cookie issued before unusable, on every device.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    residence_unit: Mapped[Unit | None] = relationship(foreign_keys=[residence_unit_id])

    @property
    def group(self) -> ParticipantGroup:
        return ParticipantGroup(self.participant_group or ParticipantGroup.civil_servant.value)

    @property
    def is_citizen(self) -> bool:
        return self.group == ParticipantGroup.citizen

    @property
    def home_unit(self) -> Unit | None:
        """The unit that places this person in the tree: the workplace of a civil servant, a citizen's commune."""
        return self.residence_unit if self.is_citizen else self.unit

    @property
    def place_name(self) -> str:
        """Where the person is from, as lists of names show it: a civil servant's unit, a citizen's residence."""
        if self.is_citizen:
            return self.residence_name
        return self.unit.display_name if self.unit is not None else ""

    @property
    def residence_name(self) -> str:
        """A citizen's place of residence as pages show it ("" for a civil servant)."""
        if not self.is_citizen:
            return ""
        return self.residence_unit.display_name if self.residence_unit is not None else (self.residence_text or "")

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Make every session and remember cookie of this account unusable."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {Role(r).value for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class MoveStatus(LabelledEnum):
    pending = "pending", "Chờ duyệt"
    approved = "approved", "Đã duyệt"
    rejected = "rejected", "Bị từ chối"
    # replaced by a newer request, or settled by an admin's correction
    cancelled = "cancelled", "Đã hủy"


class UnitChangeRequest(Base):
    """A participant's request to move to another unit, decided by that unit's manager or an admin."""

    __tablename__ = "unit_change_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'cancelled')", name="status_valid"),
        # One request waiting per person.
        Index("uq_unit_change_requests_one_pending", "user_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        Index("ix_unit_change_requests_to_unit_status", "to_unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=MoveStatus.pending.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    from_unit: Mapped[Unit | None] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit] = relationship(foreign_keys=[to_unit_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return MoveStatus(self.status).label
