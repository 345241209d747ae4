"""Shared cache: Redis when REDIS_URL is set, otherwise a database table.

Never process memory: every app server must see the same entries and the
same invalidations.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from contest import db
from contest.models import CacheEntry
from contest.timeutil import utcnow


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("redis")
    if client is None:
        import redis

        client = current_app.extensions["redis"] = redis.Redis.from_url(url)
    return client


def get(key: str) -> Any | None:
    client = _redis()
    if client is not None:
        raw = client.get(key)
        return json.loads(raw) if raw is not None else None
    entry = db.session.scalar(select(CacheEntry).where(CacheEntry.key == key, CacheEntry.expires_at > utcnow()))
    return json.loads(entry.value) if entry is not None else None


def set(key: str, value: Any, seconds: int) -> None:  # noqa: A001 (the cache's own vocabulary)
    payload = json.dumps(value, ensure_ascii=False, default=str)
    client = _redis()
    if client is not None:
        client.set(key, payload, ex=max(1, seconds))
        return
    session = db.session
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    expires_at = utcnow() + timedelta(seconds=seconds)
    statement = insert(CacheEntry).values(key=key, value=payload, expires_at=expires_at)
    session.execute(
        statement.on_conflict_do_update(index_elements=["key"], set_={"value": payload, "expires_at": expires_at})
    )


def delete_prefix(prefix: str) -> None:
    """Invalidate every entry whose key starts with `prefix`."""
    client = _redis()
    if client is not None:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        return
    db.session.execute(delete(CacheEntry).where(CacheEntry.key.startswith(prefix, autoescape=True)))
