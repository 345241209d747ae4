"""Requests to move unit under concurrency (PostgreSQL: SQLite's BEGIN IMMEDIATE runs writers one after the other).

Two tabs or two managers acting at once must leave one decision and one waiting request per person, never a
database error or a person moved by a request that ends up rejected."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.clock import now as clock_now
from contest.errors import ValidationError
from contest.models import Role, UnitChangeRequest, UnitKind, User
from contest.services import people

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="SQLite's BEGIN IMMEDIATE runs the two transactions one after the other")


@pytest.fixture
def places(make_unit, make_user, db_session):
    province = make_unit("R", kind=UnitKind.province, name="Tỉnh R")
    old, new, other = (make_unit(code, parent=province, name=name) for code, name in
                       (("R-1", "Huyện Một"), ("R-2", "Huyện Hai"), ("R-3", "Huyện Ba")))
    person = make_user(Role.participant, unit=old, full_name="Người Chuyển")
    managers = [make_user(Role.unit_manager, unit=new, full_name=f"Quản Lý {n}") for n in (1, 2)]
    db_session.commit()
    return {"old": old.id, "new": new.id, "other": other.id, "person": person.id, "managers": [m.id for m in managers]}


def test_two_decisions_of_one_request_at_once_leave_one(app, db_session, places):
    person = db_session.get(User, places["person"])
    move_id = people.request_move(db_session, person, places["new"], "").id
    db_session.commit()
    engine = app.extensions["db_engine"]
    with Session(engine) as first, Session(engine) as second:
        # Both managers' pages loaded the waiting request (each request holds what it loaded).
        loaded = [(s.get(User, m), s.get(UnitChangeRequest, move_id)) for s, m in zip((first, second), places["managers"])]
        people.decide_move(first, *loaded[0], True, "", clock_now())
        first.commit()
        with pytest.raises(ValidationError, match="đã được xử lý"):
            people.decide_move(second, *loaded[1], False, "Không đúng", clock_now())
        second.rollback()
    db_session.expire_all()
    assert db_session.get(UnitChangeRequest, move_id).status == "approved"
    assert db_session.get(User, places["person"]).unit_id == places["new"]


def test_two_requests_of_one_person_at_once_leave_the_later_waiting(app, db_session, places):
    engine = app.extensions["db_engine"]
    errors: list[BaseException] = []
    with Session(engine) as first:
        people.request_move(first, first.get(User, places["person"]), places["new"], "Tab 1")  # flushed, not committed

        def second_tab():
            try:
                with Session(engine) as second:
                    people.request_move(second, second.get(User, places["person"]), places["other"], "Tab 2")
                    second.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        thread = threading.Thread(target=second_tab)
        thread.start()
        thread.join(1.0)  # the second tab waits for the first
        first.commit()
    thread.join(30)
    assert errors == []
    db_session.expire_all()
    rows = db_session.execute(select(UnitChangeRequest.to_unit_id, UnitChangeRequest.status).order_by(UnitChangeRequest.id)).all()
    assert [tuple(r) for r in rows] == [(places["new"], "cancelled"), (places["other"], "pending")]
