"""Shared cache: Redis when the session carries a Redis client, otherwise a database table.

Never process memory: every app server must see the same entries and the
same invalidations. Functions take the session they are given: the app's
sessions carry the client of REDIS_URL in `session.info["redis"]` (set by
`contest.db`); any other session keeps entries in its database's
`cache_entries` table. Nothing here imports Flask or a service, so any module
may invalidate (leaderboards: `clear_leaderboards`).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from contest.models import CacheEntry
from contest.timeutil import utcnow


def _redis(session: Session):
    return session.info.get("redis")


def get(session: Session, key: str) -> Any | None:
    client = _redis(session)
    if client is not None:
        raw = client.get(key)
        return json.loads(raw) if raw is not None else None
    entry = session.scalar(select(CacheEntry).where(CacheEntry.key == key, CacheEntry.expires_at > utcnow()))
    return json.loads(entry.value) if entry is not None else None


def set(session: Session, key: str, value: Any, seconds: int) -> None:  # noqa: A001 (the cache's own vocabulary)
    payload = json.dumps(value, ensure_ascii=False, default=str)
    client = _redis(session)
    if client is not None:
        client.set(key, payload, ex=max(1, seconds))
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    expires_at = utcnow() + timedelta(seconds=seconds)
    statement = insert(CacheEntry).values(key=key, value=payload, expires_at=expires_at)
    session.execute(
        statement.on_conflict_do_update(index_elements=["key"], set_={"value": payload, "expires_at": expires_at})
    )


def delete_prefix(session: Session, prefix: str) -> None:
    """Invalidate every entry whose key starts with `prefix`."""
    client = _redis(session)
    if client is not None:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        return
    session.execute(delete(CacheEntry).where(CacheEntry.key.startswith(prefix, autoescape=True)))


def leaderboard_key(contest_id: int, scope: str, frozen: bool) -> str:
    return f"leaderboard:{contest_id}:{scope}:{'frozen' if frozen else 'live'}"


def participants_key(contest_id: int) -> str:
    """The home page's count of the people who have taken part in a contest (kept a few seconds, never invalidated)."""
    return f"participants:{contest_id}"


def clear_leaderboards(session: Session, contest_id: int) -> None:
    """Drop every cached leaderboard of a contest (a submission, a disqualification changed it)."""
    delete_prefix(session, f"leaderboard:{contest_id}:")
