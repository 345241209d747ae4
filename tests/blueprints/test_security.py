"""Authorisation matrix over every route, CSRF on every state-changing request, headers, login rate limits."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from contest.models import Role, UnitKind
from contest.services import attempts as attempt_service
from contest.services import questions as question_service
from contest.services.attempts import AttemptPolicy
from tests.conftest import T0, TEST_PASSWORD

ROLES = ["anonymous", "participant", "manager_elsewhere", "unit_manager", "organizer", "admin"]
A, P, ME, UM, O, AD = ROLES

# Expected status of a GET by each role; a route missing here fails the test, so new routes get covered.
EVERYONE = dict.fromkeys(ROLES, 200)
LOGGED_IN = {A: 302, P: 200, ME: 200, UM: 200, O: 200, AD: 200}
ANONYMOUS_ONLY = {A: 200, P: 302, ME: 302, UM: 302, O: 302, AD: 302}
ADMIN = {A: 302, P: 403, ME: 403, UM: 403, O: 403, AD: 200}
ORGANISER = {A: 302, P: 403, ME: 403, UM: 403, O: 200, AD: 200}
MANAGERS = {A: 302, P: 403, ME: 200, UM: 200, O: 200, AD: 200}
UNIT_REPORT = {A: 302, P: 403, ME: 403, UM: 200, O: 200, AD: 200}
OWN_ATTEMPT = {A: 302, P: 200, ME: 404, UM: 404, O: 404, AD: 404}
EXPECTED = {
    "main.index": EVERYONE, "main.healthz": EVERYONE, "favicon": EVERYONE, "static": EVERYONE,
    "auth.login": ANONYMOUS_ONLY, "auth.register": ANONYMOUS_ONLY, "auth.profile": LOGGED_IN, "auth.change_password": LOGGED_IN,
    **dict.fromkeys(["admin.users", "admin.units", "admin.edit_unit", "admin.import_units", "admin.new_unit", "admin.unit_template",
                     "admin.audit_log"], ADMIN),
    **dict.fromkeys(["organizer.banks", "organizer.bank", "organizer.export_bank", "organizer.import_questions", "organizer.question_template",
                     "organizer.edit_question", "organizer.contests", "organizer.new_contest", "organizer.edit_contest",
                     "organizer.new_round", "organizer.edit_round"], ORGANISER),
    "participant.contests": LOGGED_IN,
    "participant.contest": EVERYONE,
    "participant.leaderboard": {A: 403, P: 200, ME: 403, UM: 200, O: 200, AD: 200},
    "participant.take_attempt": OWN_ATTEMPT,
    "participant.attempt_status_api": OWN_ATTEMPT,
    "participant.attempt_result": {**OWN_ATTEMPT, P: 302},  # still in progress: back to the attempt
    "reports.index": MANAGERS,
    "reports.contest_dashboard": {A: 302, P: 403, ME: 403, UM: 302, O: 200, AD: 200},  # managers go to their unit report
    "reports.participation": UNIT_REPORT, "reports.non_participants": UNIT_REPORT, "reports.export_participation": UNIT_REPORT,
    **dict.fromkeys(["reports.question_statistics", "reports.export_results", "reports.export_winners",
                     "reports.export_question_statistics", "reports.prize_verification"], ORGANISER),
    "reports.import_staff": MANAGERS, "reports.staff_template": MANAGERS,
}


@pytest.fixture
def world(db_session, make_unit, make_user, make_contest, make_bank):
    province = make_unit("P", kind=UnitKind.province)
    department = make_unit("P-D", parent=province)
    elsewhere = make_unit("Q", kind=UnitKind.province)
    bank = make_bank(owner=province, per_topic=2)
    contest = make_contest(unit=province, bank=bank, per_topic=2, leaderboard_visibility="participants")
    users = {
        P: make_user(Role.participant, unit=department),
        ME: make_user(Role.unit_manager, unit=elsewhere),
        UM: make_user(Role.unit_manager, unit=department),
        O: make_user(Role.organizer, unit=province),
        AD: make_user(Role.admin),
    }
    attempt = attempt_service.start_attempt(db_session, users[P], contest.rounds[0], T0, AttemptPolicy())
    db_session.commit()
    question = db_session.scalars(question_service.question_query(bank, question_service.QuestionFilter())).first()
    values = {"user_id": users[P].id, "unit_id": department.id, "bank_id": bank.id, "question_id": question.id,
              "contest_id": contest.id, "round_id": contest.rounds[0].id, "attempt_id": attempt.id, "pending_id": 999999,
              "filename": "css/app.css"}
    return users, values


def url_for_rule(rule: Rule, values: dict) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<int:{argument}>", str(values[argument])).replace(f"<path:{argument}>", str(values[argument]))
    return path


def test_every_route_for_every_role(app, client, clock, world, login):
    users, values = world
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    missing = sorted({r.endpoint for r in rules} - set(EXPECTED))
    assert missing == [], f"routes without an expectation: {missing}"
    failures, checked = [], 0
    for role in ROLES:
        client.post("/dang-xuat")
        if role != A:
            login(users[role])
        for rule in rules:
            with client.get(url_for_rule(rule, values)) as response:
                checked += 1
                if response.status_code != EXPECTED[rule.endpoint][role]:
                    failures.append(f"{role} GET {rule.rule}: {response.status_code}, expected {EXPECTED[rule.endpoint][role]}")
    print(f"\nauthorisation matrix: {len(rules)} routes × {len(ROLES)} roles = {checked} requests checked")
    assert failures == []


def test_every_state_changing_request_needs_the_csrf_token(app, client, world, login):
    users, values = world
    app.config["WTF_CSRF_ENABLED"] = True
    login_page = client.get("/dang-nhap").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/dang-nhap", data={"identifier": users[AD].phone, "password": TEST_PASSWORD, "csrf_token": token})
    rules = [r for r in app.url_map.iter_rules() if r.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    refused = []
    for rule in rules:
        with client.post(url_for_rule(rule, values), data={}) as response:
            if response.status_code == 400 and "CSRF" in response.get_data(as_text=True):
                refused.append(rule.rule)
    print(f"\nCSRF: {len(refused)} of {len(rules)} state-changing routes refuse a request without the token")
    assert sorted(refused) == sorted(r.rule for r in rules)
    with client.post(f"/api/bai-thi/{values['attempt_id']}/tra-loi", json={"question_id": 1, "keys": ["A"]}) as response:
        assert response.status_code == 400


def test_security_headers(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_in_any_template():
    from pathlib import Path
    import re

    templates = Path(__file__).resolve().parents[2] / "templates"
    inline = [str(p) for p in templates.rglob("*.html")
              if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", p.read_text()) or re.search(r"\son[a-z]+=", p.read_text())]
    assert inline == []


@pytest.fixture
def limited_client(app, app_config, tmp_path):
    """A second app on the same database with the rate limits on (they are read when an app is created)."""
    from contest import create_app
    from contest.ratelimit import limiter

    limited = create_app({**app_config, "RATELIMIT_ENABLED": True}, instance_path=tmp_path / "limited")
    yield limited.test_client()
    limiter._storage.engine.dispose()
    limited.extensions["db_engine"].dispose()


def test_login_is_rate_limited_per_account(limited_client, make_user):
    victim = make_user(phone="0912000111")
    other = make_user(phone="0912000222")
    for _ in range(5):
        assert limited_client.post("/dang-nhap", data={"identifier": victim.phone, "password": "sai-mat-khau-1"}).status_code == 401
    blocked = limited_client.post("/dang-nhap", data={"identifier": victim.phone, "password": TEST_PASSWORD})
    assert blocked.status_code == 429
    assert "Bạn thao tác quá nhanh" in blocked.get_data(as_text=True)
    # Another account from the same address is not affected, and successful logins are not counted.
    for _ in range(6):
        assert limited_client.post("/dang-nhap", data={"identifier": other.phone, "password": TEST_PASSWORD}).status_code == 302
        limited_client.post("/dang-xuat")


def test_production_session_cookie_flags(database_url, tmp_path):
    from contest import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "ENV": "production"}, instance_path=tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert "Strict-Transport-Security" in app.test_client().get("/healthz").headers
    app.extensions["db_engine"].dispose()


def test_login_limits_are_kept_in_redis_when_configured(app_config, make_user, tmp_path):
    from tests.test_cache import REDIS_URL, redis_available

    if not redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    from contest import create_app
    from contest.ratelimit import limiter

    victim = make_user(phone="0912000333")
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "REDIS_URL": REDIS_URL}, instance_path=tmp_path)
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    try:
        limiter.reset()
        client = app.test_client()
        statuses = [client.post("/dang-nhap", data={"identifier": victim.phone, "password": "sai-mat-khau-1"}).status_code for _ in range(6)]
        assert statuses == [401] * 5 + [429]
        # A second app process sees the same counters.
        other = create_app({**app_config, "RATELIMIT_ENABLED": True, "REDIS_URL": REDIS_URL}, instance_path=tmp_path / "other")
        assert other.test_client().post("/dang-nhap", data={"identifier": victim.phone, "password": TEST_PASSWORD}).status_code == 429
        other.extensions["db_engine"].dispose()
    finally:
        limiter.reset()
        app.extensions["db_engine"].dispose()
