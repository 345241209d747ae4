"""Reminder-letter templates (công văn đôn đốc) uploaded by organisers and unit managers: kept in the database
because the app servers keep nothing on disk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base
from contest.models.units import Unit
from contest.models.users import User
from contest.timeutil import UTCDateTime, utcnow


class LetterTemplate(Base):
    """A unit's own .docx template for the reminder letters it issues; a unit without one uses the nearest one
    above it, and the shipped default when none has."""

    __tablename__ = "letter_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
