"""A contest's banner picture, kept in the database (the app servers share nothing but the database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from contest.db import Base
from contest.timeutil import UTCDateTime, utcnow


class ContestBanner(Base):
    """The picture shown on the home card, the contest page and shared links: always an image the server
    encoded itself (contest.services.banners), never the bytes an organiser uploaded."""

    __tablename__ = "contest_banners"
    __table_args__ = (
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
        CheckConstraint("mime_type IN ('image/jpeg', 'image/png', 'image/webp')", name="mime_type_valid"),
    )

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    # Read only to serve the picture; listing banners (the home page) loads the rest of the row.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    mime_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of `content`: the ETag, and the version in the picture's URL
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def version(self) -> str:
        """A short token of the content for the picture's URL (?v=…): a replaced banner gets a new address."""
        return self.sha256[:12]
