"""Login rate limiting with Flask-Limiter; counters in Redis when REDIS_URL is set, else in the database.

Never in process memory: every app server must count the same attempts.
Limits are per account identifier (guessing one person's password) and,
much higher, per client address (a whole office often shares one address).
"""

from __future__ import annotations

import time

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from sqlalchemy import case, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from contest import db
from contest.db import make_engine
from contest.models import RateLimitCounter
from contest.services.users import login_key

LOGIN_PER_ACCOUNT = "5 per minute;20 per hour"
LOGIN_PER_ADDRESS = "200 per minute"
REGISTER_PER_ADDRESS = "30 per minute"
# "Forgotten password": a few e-mails an hour to one account (whoever asks), more from one office's address.
RESET_REQUEST_PER_ACCOUNT = "3 per hour"
RESET_REQUEST_PER_ADDRESS = "10 per minute;60 per hour"


class DatabaseStorage(Storage):
    """A `limits` storage on the application's database (fixed windows)."""

    STORAGE_SCHEME = ["contestdb"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, database_url: str = "", **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # On SQLite, reads of the counters must not wait for the request's own write lock.
        self.engine = make_engine(database_url, sqlite_immediate=False)
        self._insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        expired = table.c.expires_at <= now
        statement = (
            self._insert(table)
            .values(key=key, count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "count": case((expired, amount), else_=table.c.count + amount),
                    "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
                },
            )
            .returning(table.c.count)
        )
        with self.engine.begin() as connection:
            return int(connection.execute(statement).scalar_one())

    def get(self, key: str) -> int:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(RateLimitCounter.count).where(RateLimitCounter.key == key, RateLimitCounter.expires_at > time.time())
            ).first()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as connection:
            value = connection.execute(select(RateLimitCounter.expires_at).where(RateLimitCounter.key == key)).scalar()
        return float(value) if value is not None else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))


limiter = Limiter(key_func=get_remote_address, strategy="fixed-window", headers_enabled=True)


def login_identifier() -> str:
    """The account a login names, as login resolves it, so that guesses against one account are counted
    together however it is spelled."""
    key = login_key(db.session, request.form.get("identifier", ""))
    db.session.rollback()  # the lookup's read transaction ends here; the view starts its own
    return "login:" + key


def reset_request_identifier() -> str:
    """The account a "forgotten password" request names, resolved like a login's (unknown names count too,
    so the limit answers the same whether or not the account exists)."""
    key = login_key(db.session, request.form.get("identifier", ""))
    db.session.rollback()
    return "reset:" + key


def failed_login(response) -> bool:
    return response.status_code != 302


def init_app(app: Flask) -> None:
    # One limiter per process; an earlier app's database storage (tests create many apps) is closed first.
    previous = getattr(limiter, "_storage", None)
    if isinstance(previous, DatabaseStorage):
        previous.engine.dispose()
    limiter._storage_options = {}  # Flask-Limiter merges options across init_app calls; each app brings its own
    if app.config.get("REDIS_URL"):
        app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    else:
        app.config.setdefault("RATELIMIT_STORAGE_URI", "contestdb://")
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"database_url": app.config["DATABASE_URL"]})
    limiter.init_app(app)
