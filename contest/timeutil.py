"""UTC storage and Asia/Ho_Chi_Minh display of times."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from contest.formats import LOCAL_TZ, format_datetime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and always returns aware UTC datetimes.

    SQLite has no time zone support, so the database sees the same naive UTC
    value on every backend and Python never meets a naive datetime.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(LOCAL_TZ) if value is not None else None


def format_local(value: datetime | None) -> str:
    """A UTC datetime in Vietnamese local time, dd/mm/yyyy HH:mm (contest/formats.py); empty for None."""
    return format_datetime(value)


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive datetime typed by a person in Vietnam (formats.parse_local_datetime) as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def format_duration(milliseconds: int | None) -> str:
    """12 phút 05 giây"""
    if milliseconds is None:
        return "—"
    seconds = int(milliseconds // 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} giờ {minutes:02d} phút {seconds:02d} giây"
    return f"{minutes} phút {seconds:02d} giây"
