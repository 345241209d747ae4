"""Export jobs: a large export written in the background, its progress, and the finished file (kept a day)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from contest.db import Base
from contest.models.users import User
from contest.timeutil import UTCDateTime, utcnow
from question_bank.labels import LabelledEnum

# Shown for a job whose process died (a restarted server, a killed worker): its heartbeat stopped.
ORPHANED = "Việc xuất tệp đã dừng giữa chừng (máy chủ khởi động lại hoặc tiến trình bị dừng). Hãy xuất lại."
NEVER_STARTED = "Chưa có tiến trình nào nhận việc xuất tệp này (máy chạy nền chưa bật?). Hãy xuất lại hoặc báo quản trị."


class JobStatus(LabelledEnum):
    queued = "queued", "Đang chờ"
    running = "running", "Đang xuất"
    done = "done", "Đã xong"
    failed = "failed", "Không thành công"


class ExportJob(Base):
    """One export run in the background for the person who asked for it. The finished workbook is stored here, in
    the database every app server shares (a deferred column: lists of jobs never load it), until `expires_at`."""

    __tablename__ = "export_jobs"
    __table_args__ = (CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON)
    title: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.queued.value)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    user: Mapped[User] = relationship()

    def state(self, now: datetime, stale: timedelta, queued_limit: timedelta) -> JobStatus:
        """The status as shown: a running job whose heartbeat is older than `stale`, or a job nobody picked up within
        `queued_limit`, has failed even though no process was left to say so."""
        status = JobStatus(self.status)
        if status is JobStatus.running and (self.heartbeat_at or self.created_at) < now - stale:
            return JobStatus.failed
        if status is JobStatus.queued and self.created_at < now - queued_limit:
            return JobStatus.failed
        return status

    def problem(self, now: datetime, stale: timedelta, queued_limit: timedelta) -> str | None:
        """Why the job failed, in Vietnamese (None unless it did)."""
        if self.state(now, stale, queued_limit) is not JobStatus.failed:
            return None
        if self.status == JobStatus.running.value:
            return ORPHANED
        if self.status == JobStatus.queued.value:
            return NEVER_STARTED
        return self.error

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now
