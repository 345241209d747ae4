"""Fixtures: one migrated database per test run, a fresh app and empty tables per test.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import settings
from sqlalchemy import make_url, text
from sqlalchemy.orm import Session

from contest import create_app, db
from contest.db import Base, dispose_engines
from contest.migrate import upgrade_to_head
from contest.models import Role, Unit, UnitKind, User
from contest.services import contests as contest_service
from contest.services import questions as question_service
from contest.services import units as unit_service
from contest.services import users as user_service
from question_bank.model import Difficulty, QuestionData, QuestionKind
from question_bank.planning import plan_import
from tests.servers import temporary_database

TEST_PASSWORD = "Sen-hong-2026"

# In CI the property-based tests replay the same examples every run: a red build must be reproducible.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A migrated database of this run alone: on the PostgreSQL server of TEST_DATABASE_URL a new
    uniquely named database (dropped at the end), so two runs at once never share tables; else SQLite."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        upgrade_to_head(url)
        yield url
        return
    with temporary_database(make_url(server).database or "test", tmp_path_factory.getbasetemp()) as url:
        upgrade_to_head(url)
        yield url


def _empty_all_tables(app) -> None:
    engine = app.extensions["db_engine"]
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("UPDATE units SET parent_id = NULL"))  # self-reference is RESTRICT
            for name in reversed(tables):
                connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        # Cheap hashing keeps the suite fast; production uses scrypt (tested separately).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Rate limits have their own tests (tests/blueprints/test_security.py); elsewhere they would only
        # count the suite's own logins.
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture
def app(app_config, tmp_path):
    application = create_app(app_config, instance_path=tmp_path / "instance")
    yield application
    _empty_all_tables(application)
    dispose_engines(application)


@pytest.fixture
def db_session(app) -> Iterator[Session]:
    with app.app_context():
        yield db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_unit(db_session) -> Callable[..., Unit]:
    counter = iter(range(1, 100_000))

    def factory(code: str | None = None, *, parent: Unit | None = None, kind=UnitKind.office, headcount=10, name=None):
        number = next(counter)
        return unit_service.create_unit(
            db_session,
            code=code or f"U{number:04d}",
            name=name or f"Đơn vị {number}",
            kind=kind,
            headcount=headcount,
            parent=parent,
        )

    return factory


@pytest.fixture
def make_user(db_session, make_unit) -> Callable[..., User]:
    counter = iter(range(1, 100_000))

    def factory(role: Role | str = Role.participant, *, unit: Unit | None = None, **fields) -> User:
        number = next(counter)
        if unit is None and Role(role) != Role.admin and fields.get("participant_group") != "citizen":
            unit = make_unit()
        defaults = dict(
            full_name=f"Người dùng {number}",
            phone=f"09{number:08d}",
            cccd=f"{number:012d}",
            password=TEST_PASSWORD,
        )
        defaults.update(fields)
        user = user_service.create_user(db_session, role=role, unit=unit, **defaults)
        db_session.commit()
        return user

    return factory


@pytest.fixture
def login(client):
    def do_login(user: User, password: str = TEST_PASSWORD):
        response = client.post("/dang-nhap", data={"identifier": user.phone, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do_login


@pytest.fixture
def login_as(make_user, login):
    def factory(role: Role | str, **kw) -> User:
        return login(make_user(role, **kw))

    return factory


class Clock:
    """A controllable clock for app.config["CLOCK"]: tests move time instead of sleeping."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> datetime:
        self.current = moment
        return moment


T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # 08:00 in Hà Nội


@pytest.fixture
def clock(app) -> Clock:
    app.config["CLOCK"] = clock = Clock(T0)
    return clock


@pytest.fixture
def make_bank(db_session, make_unit):
    """A bank with `per_topic` questions in each of the topics; kinds cycle single/multiple/true_false."""

    def factory(name="Ngân hàng thi", topics=("Thể chế", "Chính quyền số"), per_topic=10, owner=None, difficulty=Difficulty.easy):
        bank = question_service.get_or_create_bank(db_session, name, owner or make_unit())
        questions = []
        for topic in topics:
            for i in range(per_topic):
                kind = [QuestionKind.single, QuestionKind.multiple, QuestionKind.true_false][i % 3]
                choices = ["Đúng", "Sai"] if kind == QuestionKind.true_false else [f"{topic} {i} đáp án {c}" for c in "ABCD"]
                correct = {QuestionKind.single: ["B"], QuestionKind.multiple: ["A", "C"], QuestionKind.true_false: ["A"]}[kind]
                questions.append(QuestionData(topic=topic, difficulty=difficulty, kind=kind, text=f"{topic}: câu hỏi {i}?",
                                              choices=choices, correct=correct, code=f"{name[:3]}-{topic[:3]}-{i}"))
        question_service.apply_plan(db_session, bank, plan_import("test", questions, [], question_service.existing_questions(db_session, bank)))
        db_session.commit()
        return bank

    return factory


@pytest.fixture
def make_contest(db_session, make_unit, make_bank):
    """A published contest with one round open from T0 for 7 days, drawing 2 + 2 questions."""

    def factory(unit=None, bank=None, rounds=1, per_topic=2, time_limit=20, publish=True, **settings):
        unit = unit or make_unit(kind=UnitKind.province)
        bank = bank or make_bank(owner=unit)
        fields = dict(title="Cuộc thi tìm hiểu CCHC", eligible_unit_ids=[unit.id])
        fields.update(settings)
        contest = contest_service.create_contest(db_session, unit, contest_service.ContestSettings(**fields))
        for number in range(rounds):
            opens = T0 + timedelta(days=7 * number)
            lines = [contest_service.BlueprintLine(bank.id, t.id, None, per_topic) for t in bank.topics]
            contest_service.save_round(
                db_session, contest, None,
                contest_service.RoundSettings(f"Tuần {number + 1}", opens, opens + timedelta(days=7), time_limit, lines),
            )
        if publish:
            contest_service.set_status(db_session, contest, "published")
        db_session.commit()
        return contest

    return factory
