"""contest.services.sessions.read_concurrently: a report's independent reads at the same time on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from contest.services.sessions import read_concurrently


def _postgresql(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def test_on_postgresql_the_jobs_run_at_once_each_on_its_own_connection(db_session):
    if not _postgresql(db_session):
        pytest.skip("SQLite runs them one after the other (next test)")
    together = threading.Barrier(3, timeout=10)  # passed only when all three jobs are running at the same time

    def job(number):
        def read(session):
            pid = session.scalar(text("SELECT pg_backend_pid()"))
            together.wait()
            return number, pid
        return read

    results = read_concurrently(db_session, job(1), job(2), job(3))
    assert [number for number, _ in results] == [1, 2, 3]  # in the order of the jobs
    assert len({pid for _, pid in results}) == 3
    assert results[0][1] == db_session.scalar(text("SELECT pg_backend_pid()"))  # the first in the caller's session


def test_elsewhere_the_jobs_run_in_order_in_the_session(db_session):
    if _postgresql(db_session):
        pytest.skip("PostgreSQL runs them at once (previous test)")
    seen = []
    assert read_concurrently(db_session, lambda s: seen.append(s) or "a", lambda s: seen.append(s) or "b") == ["a", "b"]
    assert seen == [db_session, db_session]


def test_an_error_in_a_job_reaches_the_caller(db_session):
    def fails(session):
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(Exception, match="no_such_table"):
        read_concurrently(db_session, lambda s: 1, fails)
    db_session.rollback()
