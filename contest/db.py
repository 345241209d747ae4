"""Declarative base, engine and the request-scoped session."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, sqlite_immediate: bool = True, **options) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and (by default) BEGIN IMMEDIATE."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        if not sqlite_immediate:
            return engine

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # pysqlite's own transaction handling breaks SAVEPOINT; we emit BEGIN ourselves.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # IMMEDIATE takes the write lock at once: concurrent writers wait (busy timeout)
            # instead of failing when a read transaction tries to become a write one.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if "poolclass" not in options:
        options = {"pool_size": 10, "max_overflow": 10, **options}
    # No JIT compilation: PostgreSQL compiles a report query of this application's size for about 80 ms and wins
    # less back (the period report page 1.17 s → 1.09 s, item statistics 0.65 → 0.61 s; BENCHMARKS.md), and the
    # requests of an attempt never cost enough to be compiled.
    connect_args = dict(options.pop("connect_args", {}))
    connect_args["options"] = " ".join(filter(None, [connect_args.get("options"), "-c jit=off"]))
    return create_engine(url, connect_args=connect_args, **{"pool_pre_ping": True, **options})


def make_single_statement_engine(url: str) -> Engine | None:
    """PostgreSQL: an engine for a request whose whole transaction is one statement, and that the Flask app answers
    again when it fails (the autosave's fast path, contest/participant/autosave.py). Autocommit (the statement is its
    own transaction: no BEGIN and COMMIT round trips) and no ping before each use (a connection that died in the
    pool fails the statement, is dropped with the pool's older ones, and the Flask app, whose pool pings, answers):
    one round trip a request where the main engine takes four. None on SQLite, where nothing uses it."""
    if url.startswith("sqlite"):
        return None
    return make_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)


def make_replica_engine(url: str) -> Engine:
    """An engine for the read-only report queries: every transaction read-only on PostgreSQL (a write there is an
    error, not a silent divergence from the primary); SQLite (tests, one machine) opens the file read-only."""
    if url.startswith("sqlite"):
        return make_engine(url, sqlite_immediate=False)
    return make_engine(url, connect_args={"options": "-c default_transaction_read_only=on"}, pool_size=5, max_overflow=5)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    if single := make_single_statement_engine(app.config["DATABASE_URL"]):
        app.extensions["db_single_statement_engine"] = single
    replica_url = app.config.get("DATABASE_REPLICA_URL")
    if replica_url:
        replica = make_replica_engine(replica_url)
        app.extensions["db_replica_engine"] = replica
        app.extensions["db_replica_sessionmaker"] = sessionmaker(replica, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


ENGINES = ("db_engine", "db_single_statement_engine", "db_replica_engine")


def dispose_engines(app: Flask) -> None:
    """Close every pooled connection of `app`'s engines (tests and benchmarks that make an app of their own)."""
    for name in ENGINES:
        if name in app.extensions:
            app.extensions[name].dispose()


def ping(session: Session) -> None:
    """Ask the database for nothing: raises the driver's error when it cannot be reached."""
    session.execute(text("SELECT 1"))


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]


def get_session() -> Session:
    """The session of the current application context, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"](info={"redis": redis_client()})
    return g.db_session


def get_report_session() -> Session:
    """The session for a report's read-only queries: on DATABASE_REPLICA_URL when it is set (opened on first use,
    one per application context), else the primary session itself.

    A report first finishes the overdue attempts on the primary and commits (contest/reports), then reads here: on a
    replica it sees the primary as of a moment ago (streaming replication lags by well under a second when healthy)."""
    maker = current_app.extensions.get("db_replica_sessionmaker")
    if maker is None:
        return get_session()
    if "db_report_session" not in g:
        g.db_report_session = maker()
    return g.db_report_session


def redis_client():
    """The app's Redis client when REDIS_URL is set (one per app, connecting on first use), for contest.cache and
    the export jobs' queue (contest/background.py)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    if "redis" not in current_app.extensions:
        import redis  # noqa: PLC0415  (only deployments with REDIS_URL need it loaded)

        current_app.extensions["redis"] = redis.Redis.from_url(url)
    return current_app.extensions["redis"]


def _close_session(_exc: BaseException | None) -> None:
    for name in ("db_report_session", "db_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()


session: Session = LocalProxy(get_session)  # type: ignore[assignment]
reports: Session = LocalProxy(get_report_session)  # type: ignore[assignment]
