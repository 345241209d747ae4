"""The shared cache: a database table by default, Redis when REDIS_URL is set. Never process memory.

Expiry, and the leaderboard really being read from the cache: tests/test_rules_cache.py."""

from __future__ import annotations

import socket

import pytest

from contest import cache, create_app, db
from contest.db import dispose_engines

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["database", "redis"])
def backend(request, app):
    if request.param == "redis":
        if not redis_available():
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        app.config["REDIS_URL"] = REDIS_URL
    with app.app_context():
        yield request.param
        cache.delete_prefix(db.session, "test:")
        db.session.commit()
        client = app.extensions.pop("redis", None)
        if client is not None:
            client.close()


def test_set_get_and_invalidate(app, backend, clock):
    cache.set(db.session, "test:a", {"n": 1, "text": "Đã lưu"}, seconds=60)
    cache.set(db.session, "test:b", [1, 2], seconds=60)
    cache.set(db.session, "other:c", 3, seconds=60)
    db.session.commit()
    assert cache.get(db.session, "test:a") == {"n": 1, "text": "Đã lưu"}
    cache.delete_prefix(db.session, "test:")
    db.session.commit()
    assert cache.get(db.session, "test:a") is None and cache.get(db.session, "test:b") is None and cache.get(db.session, "other:c") == 3
    cache.delete_prefix(db.session, "other:")
    db.session.commit()


def test_a_second_app_process_sees_the_same_entries(app, backend, tmp_path):
    """Two app instances (as two gunicorn servers would be) share entries and invalidations."""
    cache.set(db.session, "test:shared", "một", seconds=60)
    db.session.commit()
    other = create_app(dict(app.config), instance_path=tmp_path)
    with other.app_context():
        assert cache.get(db.session, "test:shared") == "một"
        cache.delete_prefix(db.session, "test:")
        db.session.commit()
    client = other.extensions.pop("redis", None)
    if client is not None:
        client.close()
    dispose_engines(other)
    assert cache.get(db.session, "test:shared") is None
