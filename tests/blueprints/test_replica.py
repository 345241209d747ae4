"""DATABASE_REPLICA_URL (README, "Capacity plan"): the report pages read from the replica, everything else and
the overdue attempts they finish first from the primary. The "replica" here is the test database itself through a
second engine (read-only on PostgreSQL), so what each engine ran can be told apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from contest import db
from contest.models import Role
from tests.conftest import T0
from tests.helpers import play


@pytest.fixture
def app_config(app_config, database_url):
    return {**app_config, "DATABASE_REPLICA_URL": database_url}


def _statements(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


@pytest.fixture
def contest_played(db_session, make_user, make_contest, clock):
    contest = make_contest()
    person = make_user(unit=contest.owner_unit)
    play(db_session, person, contest.rounds[0], T0, 2)
    clock.set(T0 + timedelta(days=8))
    return contest


def test_report_pages_read_from_the_replica(app, client, login_as, contest_played):
    login_as(Role.organizer, unit=contest_played.owner_unit)
    primary, replica = _statements(app.extensions["db_engine"]), _statements(app.extensions["db_replica_engine"])
    pages = {
        "participation": f"/bao-cao/cuoc-thi/{contest_played.id}/don-vi",
        "item statistics": f"/bao-cao/cuoc-thi/{contest_played.id}/cau-hoi",
        "dashboard": f"/bao-cao/cuoc-thi/{contest_played.id}",
        "non-participants": f"/bao-cao/cuoc-thi/{contest_played.id}/chua-tham-gia",
        "period report": "/bao-cao/dinh-ky?ky=tu-chon&tu_ngay=01/11/2026&den_ngay=30/11/2026",
    }
    for name, path in pages.items():
        primary.clear(), replica.clear()
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        reads = [s for s in replica if "attempts" in s]
        assert reads, f"{name}: no report query ran on the replica"
        assert not set(primary) & set(reads), f"{name}: a report query ran on the primary"
        assert any("attempts" in s for s in primary), f"{name}: the overdue attempts were not finished on the primary"


def test_the_replica_session_cannot_write(app, db_session):
    if app.extensions["db_replica_engine"].dialect.name != "postgresql":
        pytest.skip("read-only transactions are PostgreSQL's (SQLite tests open the same file)")
    with pytest.raises(DBAPIError, match="read-only transaction"):
        db.reports.execute(text("UPDATE units SET headcount = headcount"))
    db.reports.rollback()


def test_postgresql_sessions_compile_no_query(app, db_session):
    """JIT compilation is off on both engines (contest/db.py): it cost the report queries more than it won back."""
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    assert db_session.scalar(text("SHOW jit")) == "off"
    assert db.reports.scalar(text("SHOW jit")) == "off"
    assert db.reports.scalar(text("SHOW default_transaction_read_only")) == "on"
    db.reports.rollback()


def test_without_a_replica_reports_use_the_primary_session(db_session, app):
    app.extensions.pop("db_replica_sessionmaker")
    assert db.reports._get_current_object() is db.session._get_current_object()
