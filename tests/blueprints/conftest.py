"""Fixtures shared by the question bank page tests."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contest.models import QuestionBank, Role


@pytest.fixture
def organizer(login_as, make_unit):
    """An organiser of unit SNV, logged in."""
    return login_as(Role.organizer, unit=make_unit("SNV"))


@pytest.fixture
def bank(client, organizer, db_session) -> QuestionBank:
    """A bank of the organiser's unit, created through its page."""
    response = client.post("/ban-to-chuc/ngan-hang", data={"name": "CCHC 2026", "description": "", "owner_unit_id": str(organizer.unit_id)})
    assert response.status_code == 302
    return db_session.scalar(select(QuestionBank))
