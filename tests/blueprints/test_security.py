"""Authorisation matrices over every route (GET, and every state-changing one with the database checked),
CSRF on every state-changing request, headers, login rate limits."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.routing import Rule

from contest.models import Role, UnitKind
from contest.services import attempts as attempt_service
from contest.services import banners as banner_service
from contest.services import jobs as job_service
from contest.services import overrides as override_service
from contest.services import practice as practice_service
from contest.services import questions as question_service
from contest.services.attempts import AttemptPolicy
from tests.conftest import T0, TEST_PASSWORD
from tests.hostile_images import picture
from contest.db import dispose_engines

BANNER = picture("PNG", size=(800, 420))

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
    "auth.forgot_password": ANONYMOUS_ONLY, "auth.reset_password": dict.fromkeys(ROLES, 400),  # a token that is no token
    **dict.fromkeys(["admin.users", "admin.units", "admin.edit_unit", "admin.import_units", "admin.new_unit", "admin.unit_template",
                     "admin.audit_log"], ADMIN),
    **dict.fromkeys(["organizer.banks", "organizer.bank", "organizer.export_bank", "organizer.import_questions", "organizer.question_template",
                     "organizer.edit_question", "organizer.contests", "organizer.new_contest", "organizer.edit_contest",
                     "organizer.new_round", "organizer.edit_round", "organizer.copy_round", "organizer.copy_contest",
                     "organizer.overrides", "organizer.edit_override", "organizer.contest_banner"], ORGANISER),
    "participant.contests": LOGGED_IN,
    # Practice: anyone logged in; the world's bank is open and only P has answered the question (others: back to it).
    "participant.practice": LOGGED_IN, "participant.practice_topic": LOGGED_IN,
    "participant.practice_feedback": {**dict.fromkeys(ROLES, 302), P: 200},
    "participant.contest": EVERYONE,
    "participant.contest_banner": EVERYONE,  # the world's contest is published and has a banner
    # People: admins, and unit managers for the participants of their subtree (P is in UM's unit).
    "people.index": {A: 302, P: 403, ME: 200, UM: 200, O: 403, AD: 200},
    "people.move_requests": {A: 302, P: 403, ME: 200, UM: 200, O: 403, AD: 200},
    "people.edit_person": {A: 302, P: 403, ME: 403, UM: 200, O: 403, AD: 200},
    "people.request_move": {A: 302, P: 200, ME: 403, UM: 403, O: 403, AD: 403},  # participants only
    "participant.leaderboard": {A: 403, P: 200, ME: 403, UM: 200, O: 200, AD: 200},
    "participant.take_attempt": OWN_ATTEMPT,
    "participant.attempt_status_api": OWN_ATTEMPT,
    "participant.attempt_result": {**OWN_ATTEMPT, P: 302},  # still in progress: back to the attempt
    "reports.index": MANAGERS,
    "reports.contest_dashboard": {A: 302, P: 403, ME: 403, UM: 302, O: 200, AD: 200},  # managers go to their unit report
    "reports.participation": UNIT_REPORT, "reports.non_participants": UNIT_REPORT, "reports.export_participation": UNIT_REPORT,
    "reports.export_non_participants": UNIT_REPORT,
    **dict.fromkeys(["reports.question_statistics", "reports.export_results", "reports.export_winners",
                     "reports.export_question_statistics", "reports.prize_verification"], ORGANISER),
    "reports.import_staff": MANAGERS, "reports.staff_template": MANAGERS,
    # Export jobs: the list for everyone who reports; the world's job (O's, finished) for its owner and admins only.
    "reports.export_jobs": MANAGERS,
    **dict.fromkeys(["reports.export_job", "reports.export_job_status", "reports.download_export_job"], ORGANISER),
    # The period report: each for their own subtree (ME and OE for their own province).
    **dict.fromkeys(["reports.period_report", "reports.print_period_report", "reports.export_period_report"], MANAGERS),
    # Reminder letters: the template of one's own unit; letters go to the units right under the report's unit, so
    # a report on a unit with none under it (UM's, ME's) goes back to the report with the reason.
    **dict.fromkeys(["reports.letter_template", "reports.download_letter_template"], MANAGERS),
    "reports.period_letters": {**MANAGERS, ME: 302, UM: 302},
    "reports.contest_letters": {**UNIT_REPORT, UM: 302},
    # A pending import no one made (999999) is not found.
    "organizer.new_question": ORGANISER, "organizer.import_preview": {**ORGANISER, O: 404, AD: 404},
    "organizer.regrade_questions": ORGANISER, "organizer.regrade": ORGANISER,
    # Certificates: P's only attempt is still in progress (no certificate yet: 404, saying why); no award 999999.
    "awards.participation_certificate": {**dict.fromkeys(ROLES, 404), A: 302},
    "awards.prize_certificate": {**dict.fromkeys(ROLES, 404), A: 302},
    "awards.verify": dict.fromkeys(ROLES, 404),  # a code no certificate has
    # The winners' lists are not published: only the contest's managers see them (a preview).
    **dict.fromkeys(["awards.contest_winners", "awards.round_winners"], {**dict.fromkeys(ROLES, 404), O: 200, AD: 200}),
    "awards.poster": ORGANISER,
    # Unit prizes: the settings and the workbook for the contest's organisers; the list, unpublished, for them and for
    # the unit managers the contest concerns (UM: their own subtree), not for ME whose unit the contest does not admit.
    "organizer.unit_prizes": ORGANISER, "awards.export_unit_prizes": ORGANISER,
    "awards.unit_prizes": {**dict.fromkeys(ROLES, 404), UM: 200, O: 200, AD: 200},
}
# An organiser of another province: their own lists and forms, nothing of this province's bank and contest.
OE = "organizer_elsewhere"
OTHER_ORGANISER_GET = {
    **{e: EXPECTED[e][O] for e in EXPECTED},
    **dict.fromkeys(["organizer.bank", "organizer.export_bank", "organizer.import_questions", "organizer.edit_question",
                     "organizer.edit_contest", "organizer.new_round", "organizer.edit_round", "organizer.copy_round",
                     "organizer.copy_contest", "organizer.overrides", "organizer.edit_override", "organizer.contest_banner",
                     "reports.contest_dashboard",
                     "reports.participation", "reports.non_participants", "reports.export_participation", "reports.export_non_participants",
                     "reports.question_statistics",
                     "reports.export_results", "reports.export_winners", "reports.export_question_statistics",
                     "reports.prize_verification", "reports.contest_letters"], 403),
    "reports.period_letters": 302,  # their own province has no unit under it
    "participant.leaderboard": 403,
    "reports.export_job": 403, "reports.export_job_status": 403, "reports.download_export_job": 403,
    "organizer.new_question": 403, "organizer.import_preview": 403,
    "organizer.regrade_questions": 403, "organizer.regrade": 403,
    "awards.contest_winners": 404, "awards.round_winners": 404, "awards.poster": 403,
    "organizer.unit_prizes": 403, "awards.export_unit_prizes": 403, "awards.unit_prizes": 404,
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
        OE: make_user(Role.organizer, unit=elsewhere),
    }
    attempt = attempt_service.start_attempt(db_session, users[P], contest.rounds[0], T0, AttemptPolicy())
    override = override_service.save_override(db_session, contest, None, override_service.OverrideSettings(
        person=users[P].phone, unit_id=None, round_id=None, extra_minutes=5))
    banner_service.set_banner(db_session, contest, BANNER)
    db_session.commit()
    question = db_session.scalars(question_service.question_query(bank, question_service.QuestionFilter())).first()
    practice_service.set_practice(db_session, bank, practice_service.PracticeScope(True, frozenset()), confirm_in_use=True, now=T0)
    practice_service.answer(db_session, users[P], question, ["B"], T0)
    job = job_service.create_job(db_session, users[O], "results", {"contest": contest.id}, "Kết quả", "ket-qua.xlsx", T0)
    job_service.finish(db_session, job.id, b"PK", 1, T0)
    db_session.commit()
    values = {"topic_id": question.topic_id, "user_id": users[P].id, "unit_id": department.id, "bank_id": bank.id, "question_id": question.id,
              "contest_id": contest.id, "round_id": contest.rounds[0].id, "attempt_id": attempt.id, "pending_id": 999999,
              "override_id": override.id, "job_id": job.id,
              "filename": "css/app.css", "token": "khong-phai-lien-ket"}
    return users, values


# Ids of objects the world does not hold: a route taking one answers for a missing object.
ABSENT_IDS = {"request_id": 999999, "award_id": 999999, "code": "KHONGCOMANAYDAUA"}


def url_for_rule(rule: Rule, values: dict) -> str:
    path = rule.rule
    values = {**ABSENT_IDS, **values}
    for argument in rule.arguments:
        for pattern in (f"<int:{argument}>", f"<path:{argument}>", f"<{argument}>"):
            path = path.replace(pattern, str(values[argument]))
    return path


def test_every_route_for_every_role(app, client, clock, world, login):
    users, values = world
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    missing = sorted({r.endpoint for r in rules} - set(EXPECTED))
    assert missing == [], f"routes without an expectation: {missing}"
    failures, checked = [], 0
    for role in [*ROLES, OE]:
        client.post("/dang-xuat")
        if role != A:
            login(users[role])
        for rule in rules:
            expected = OTHER_ORGANISER_GET[rule.endpoint] if role == OE else EXPECTED[rule.endpoint][role]
            with client.get(url_for_rule(rule, values)) as response:
                checked += 1
                if response.status_code != expected:
                    failures.append(f"{role} GET {rule.rule}: {response.status_code}, expected {expected}")
                elif role == A and expected == 302 and "/dang-nhap" not in response.headers["Location"]:
                    failures.append(f"{role} GET {rule.rule}: sent to {response.headers['Location']}, not to the login page")
    print(f"\nauthorisation matrix: {len(rules)} routes × {len(ROLES) + 1} roles = {checked} requests checked")
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
              if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", p.read_text()) or re.search(r"\son[a-z]+=", p.read_text())
              or re.search(r"\sstyle=", p.read_text())]  # style-src 'self' refuses style attributes too
    assert inline == []


@pytest.fixture
def limited_client(app, app_config, tmp_path):
    """A second app on the same database with the rate limits on (they are read when an app is created)."""
    from contest import create_app
    from contest.ratelimit import limiter

    limited = create_app({**app_config, "RATELIMIT_ENABLED": True}, instance_path=tmp_path / "limited")
    yield limited.test_client()
    limiter._storage.engine.dispose()
    dispose_engines(limited)


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
    dispose_engines(app)


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
        dispose_engines(other)
    finally:
        limiter.reset()
        dispose_engines(app)


# --- State-changing routes -------------------------------------------------------------------------------------
# Every POST route × every role: the expected status; a refusal leaves every table exactly as it was, an allowed
# request (valid minimal form data, a fresh target made just before it) succeeds and writes what it should.
# A POST route missing from POST_EXPECTED fails test_every_post_route_has_an_expectation.


class Ok(int):
    """An allowed request: this status, and (unless changes=False) the database changed."""

    def __new__(cls, status: int, changes: bool = True):
        value = super().__new__(cls, status)
        value.changes = changes
        return value


# One more role here too: the organiser of another province, who may create their own things but not touch these.
POST_ROLES = [*ROLES, OE]
LOGIN = 302  # anonymous: sent to the login page, nothing written
ORGANISER_POST = {A: LOGIN, P: 403, ME: 403, UM: 403, OE: 403, O: Ok(302), AD: Ok(302)}
ADMIN_POST = {A: LOGIN, P: 403, ME: 403, UM: 403, OE: 403, O: 403, AD: Ok(302)}
ANONYMOUS_POST = {A: Ok(302), P: 302, ME: 302, UM: 302, OE: 302, O: 302, AD: 302}  # logged in: back to the home page
OWN_ATTEMPT_POST = {A: LOGIN, P: Ok(302), ME: 404, UM: 404, OE: 404, O: 404, AD: 404}


def _contest_fields(w, owner=None) -> dict:
    owner = owner or w.province
    return {"title": "Cuộc thi mới", "owner_unit_id": owner.id, "eligible_unit_ids": [owner.id], "audience": "units",
            "attempts_allowed": 1, "grading": "best", "points_per_question": 1, "review_policy": "after_close",
            "leaderboard_visibility": "participants", "shuffle_questions": "y"}


def _fresh_contest(w):
    w.count += 1
    contest = w.make_contest(unit=w.province, bank=w.bank, per_topic=1, title=f"Cuộc thi {w.count}")
    w.session.commit()
    return contest


def _fresh_bank(w):
    w.count += 1
    return w.make_bank(name=f"Ngân hàng {w.count}", topics=("Thể chế",), per_topic=1, owner=w.province)


def _fresh_question(w):
    return w.first_question(_fresh_bank(w))


def _fresh_user(w):
    return w.make_user(Role.participant, unit=w.department)


def _round_fields(w) -> dict:
    return {"title": "Vòng mới", "opens_at": "01/12/2026 08:00", "closes_at": "08/12/2026 08:00", "time_limit_minutes": 20,
            "blueprint-0-bank_id": w.bank.id, "blueprint-0-topic_id": 0, "blueprint-0-difficulty": 0, "blueprint-0-count": 2}


def _fresh_override(w):
    contest = _fresh_contest(w)
    override = override_service.save_override(w.session, contest, None, override_service.OverrideSettings(
        person=_fresh_user(w).phone, unit_id=None, round_id=None, extra_minutes=5))
    w.session.commit()
    return {"values": {"contest_id": contest.id, "override_id": override.id}}


def _with_banner(w):
    contest = _fresh_contest(w)
    banner_service.set_banner(w.session, contest, BANNER)
    w.session.commit()
    return {"values": {"contest_id": contest.id}}


def _override_fields(w) -> dict:
    return {"person": _fresh_user(w).phone, "unit_id": 0, "round_id": 0, "extra_minutes": 10, "extra_attempts": 1, "reason": "Mất điện"}


def _pending_import(w, role):
    from question_bank.model import Difficulty as D
    from tests.helpers import QUESTION_HEADER, question_row, xlsx_bytes

    w.count += 1
    content = xlsx_bytes([QUESTION_HEADER, question_row(w.count, code=f"IMP-{w.count}")])
    _, pending = question_service.stage_import(w.session, w.bank, w.users[role if role in (O, AD) else O], question_service.Upload(
        content, "cau-hoi.xlsx", question_service.guess_format("cau-hoi.xlsx", None), "", D.easy))
    w.session.commit()
    return {"values": {"pending_id": pending.id}}


def _staff_file(w, role):
    from tests.helpers import xlsx_bytes

    w.count += 1
    code = (w.users[role].unit or w.department).code if role != A else w.department.code
    content = xlsx_bytes([["Họ và tên", "CCCD", "Số điện thoại", "Mã đơn vị", "Chức vụ"],
                          ["Nguyễn Văn An", f"0010900{w.count:05d}", f"09130{w.count:05d}", code, "Chuyên viên"]])
    return {"data": {"file": (io.BytesIO(content), "can-bo.xlsx")}}


def _letter_file(w, role):
    from contest.services.letter_default import build_default_template

    return {"data": {"file": (io.BytesIO(build_default_template()), "mau-cong-van.docx")}}


def _own_letter_template(w, role):
    """A template of the role's own unit (an admin's: the first top unit, P), for the reset to remove."""
    from contest.models import LetterTemplate

    unit = w.users[role].unit if role not in (A, AD) else w.province
    if not w.session.query(LetterTemplate).filter_by(unit_id=unit.id).count():
        w.session.add(LetterTemplate(unit=unit, content=b"PK", filename="rieng.docx"))
    return {}


def _unit_file(w, role):
    from tests.helpers import xlsx_bytes

    w.count += 1
    content = xlsx_bytes([["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Loại", "Số CBCCVC"], [f"N{w.count}", "Đơn vị nhập", "P", "office", 5]])
    return {"data": {"file": (io.BytesIO(content), "don-vi.xlsx")}}


def _question_file(w, role):
    from tests.helpers import QUESTION_HEADER, question_row, xlsx_bytes

    w.count += 1
    content = xlsx_bytes([QUESTION_HEADER, question_row(w.count, code=f"UP-{w.count}")])
    return {"data": {"file": (io.BytesIO(content), "cau-hoi.xlsx"), "default_difficulty": 2}}


def _not_disqualified(w, role):
    from contest.services import prizes

    if prizes.disqualifications(w.session, w.contest):
        prizes.reinstate(w.session, w.contest, w.users[P])
        w.session.commit()
    return {"data": {"user_id": w.users[P].id, "reason": "Làm bài hộ người khác"}}


def _disqualified(w, role):
    from contest.services import prizes

    if not prizes.disqualifications(w.session, w.contest):
        prizes.disqualify(w.session, w.contest, w.users[P], "Làm bài hộ người khác", w.users[AD])
        w.session.commit()
    return {"data": {"user_id": w.users[P].id}}


def _finished_in_fresh_contest(w):
    """A fresh contest whose first round P has finished an attempt in."""
    contest = _fresh_contest(w)
    attempt = attempt_service.start_attempt(w.session, w.users[P], contest.rounds[0], T0, AttemptPolicy())
    attempt_service.submit_attempt(w.session, attempt, T0 + timedelta(minutes=1), AttemptPolicy())
    w.session.commit()
    return contest


def _prize_to_confirm(w, role):
    contest = _finished_in_fresh_contest(w)
    return {"values": {"contest_id": contest.id}, "data": {"user_id": w.users[P].id, "vong": contest.rounds[0].id, "prize": "Giải Nhất"}}


def _confirmed_prize(w, role):
    from contest.services import awards

    contest = _finished_in_fresh_contest(w)
    award = awards.confirm_prize(w.session, contest, contest.rounds[0], w.users[P], "Giải Nhì", w.users[AD])
    w.session.commit()
    return {"values": {"contest_id": contest.id, "award_id": award.id}}


def _reset_link(w, role):
    from datetime import timedelta

    from contest.services import recovery

    token, _ = recovery.issue_token("test-secret", _fresh_user(w), T0, timedelta(days=3650))
    return {"values": {"token": token}, "data": {"password": "Dong-song-que-5", "confirm": "Dong-song-que-5"}}


def _finished_attempt(w, role):
    """A fresh contest with one finished attempt: the regrade voids its first question (a change to confirm)."""
    contest = _fresh_contest(w)
    attempt = attempt_service.start_attempt(w.session, w.users[P], contest.rounds[0], T0, AttemptPolicy())
    attempt_service.submit_attempt(w.session, attempt, T0 + timedelta(minutes=1), AttemptPolicy())
    w.session.commit()
    return {"values": {"contest_id": contest.id, "question_id": attempt.questions[0].question_id}, "data": {"cach": "credit"}}


def _regraded(w, role):
    """A regrade of the world's contest still to be reviewed on the prize page."""
    from contest.models import Regrade

    w.session.add(Regrade(contest_id=w.contest.id, question_id=w.values["question_id"], action="credit", attempts_changed=1,
                          summary="Chấm lại câu thử."))
    w.session.commit()
    return {}


def _practised(w, role):
    """The role has answered the world's practice question (so a reset has something to forget)."""
    from contest.models import Question

    if role != A:
        practice_service.answer(w.session, w.users[role], w.session.get(Question, w.values["question_id"]), ["A"], T0)
        w.session.commit()
    return {}


POST_EXPECTED = {
    "auth.login": (ANONYMOUS_POST | {A: Ok(302, changes=False)}, lambda w, role: {"data": {"identifier": w.users[P].phone, "password": TEST_PASSWORD}}),
    "auth.register": (ANONYMOUS_POST, lambda w, role: {"data": {
        "full_name": "Trần Thị Bình", "cccd": "001190000777", "phone": "0987000777", "unit_id": w.department.id,
        "password": "Gio-mua-thu-88", "confirm": "Gio-mua-thu-88"}}),
    "auth.forgot_password": (ANONYMOUS_POST | {A: Ok(200, changes=False)}, lambda w, role: {"data": {"identifier": w.users[P].phone}}),
    "auth.reset_password": (dict.fromkeys(POST_ROLES, Ok(302)), _reset_link),
    "auth.logout": ({**dict.fromkeys(POST_ROLES, Ok(302)), A: LOGIN}, lambda w, role: {}),
    "auth.change_password": ({**dict.fromkeys(POST_ROLES, Ok(302)), A: LOGIN},
                             lambda w, role: {"data": {"current": TEST_PASSWORD, "new": "Dong-song-que-5", "confirm": "Dong-song-que-5"}}),
    "admin.change_role": (ADMIN_POST, lambda w, role: {"values": {"user_id": _fresh_user(w).id}, "data": {"role": "organizer"}}),
    "admin.toggle_active": (ADMIN_POST, lambda w, role: {"values": {"user_id": _fresh_user(w).id}}),
    "admin.reset_password": ({**ADMIN_POST, AD: Ok(200)}, lambda w, role: {"values": {"user_id": _fresh_user(w).id}}),
    "admin.new_unit": (ADMIN_POST, lambda w, role: {"data": {"code": "MOI1", "name": "Đơn vị mới", "kind": "office", "parent_id": 0, "headcount": 3}}),
    "admin.edit_unit": (ADMIN_POST, lambda w, role: {"values": {"unit_id": w.elsewhere.id},
                                                     "data": {"code": "Q", "name": "Tỉnh Q (đổi tên)", "kind": "province", "parent_id": 0, "headcount": 9}}),
    "admin.import_units": (ADMIN_POST, _unit_file),
    "organizer.banks": ({**ORGANISER_POST, OE: Ok(302)}, lambda w, role: {"data": {
        "name": f"Ngân hàng mới của {role}", "owner_unit_id": (w.elsewhere if role == OE else w.province).id}}),
    "organizer.import_questions": ({**ORGANISER_POST, O: Ok(200), AD: Ok(200)}, _question_file),  # the preview (a pending import)
    "organizer.confirm_import": (ORGANISER_POST, _pending_import),
    "organizer.edit_question": (ORGANISER_POST, lambda w, role: {"values": {"question_id": _fresh_question(w).id}, "data": {
        "topic": "Thể chế", "difficulty": 1, "kind": "single", "text": "Câu hỏi đã sửa?", "answer": "A",
        "choice_A": "Đúng là thế", "choice_B": "Không phải"}}),
    "organizer.bank_practice": (ORGANISER_POST, lambda w, role: {"values": {"bank_id": _fresh_bank(w).id}, "data": {"scope": "bank"}}),
    # Practice: anyone logged in answers (P's earlier "B" becomes "A") and resets their own progress.
    "participant.practice_topic": ({**dict.fromkeys(POST_ROLES, Ok(302)), A: LOGIN},
                                   lambda w, role: {"data": {"question_id": w.values["question_id"], "answer": "A"}}),
    "participant.practice_reset": ({**dict.fromkeys(POST_ROLES, Ok(302)), A: LOGIN}, _practised),
    "organizer.share_bank": (ORGANISER_POST, lambda w, role: {"values": {"bank_id": _fresh_bank(w).id}, "data": {"shared": "1"}}),
    "organizer.toggle_question": (ORGANISER_POST, lambda w, role: {"values": {"question_id": _fresh_question(w).id}}),
    "organizer.delete_question": (ORGANISER_POST, lambda w, role: {"values": {"question_id": _fresh_question(w).id}}),
    # The rules editor's live preview: any organiser, nothing written.
    "organizer.preview_rules": ({A: LOGIN, P: 403, ME: 403, UM: 403, OE: Ok(200, changes=False), O: Ok(200, changes=False),
                                 AD: Ok(200, changes=False)}, lambda w, role: {"data": {"rules_markdown": "**Thể lệ**\nDòng hai"}}),
    "organizer.new_contest": ({**ORGANISER_POST, OE: Ok(302)}, lambda w, role: {"data": _contest_fields(w, w.elsewhere if role == OE else w.province)}),
    "organizer.edit_contest": (ORGANISER_POST, lambda w, role: {"values": {"contest_id": _fresh_contest(w).id}, "data": _contest_fields(w)}),
    "organizer.contest_status": (ORGANISER_POST, lambda w, role: {"values": {"contest_id": _fresh_contest(w).id}, "data": {"status": "draft"}}),
    "organizer.new_round": (ORGANISER_POST, lambda w, role: {"values": {"contest_id": _fresh_contest(w).id}, "data": _round_fields(w)}),
    "organizer.edit_round": (ORGANISER_POST, lambda w, role: (lambda c: {"values": {"contest_id": c.id, "round_id": c.rounds[0].id},
                                                                          "data": _round_fields(w)})(_fresh_contest(w))),
    "organizer.copy_round": (ORGANISER_POST, lambda w, role: (lambda c: {"values": {"contest_id": c.id, "round_id": c.rounds[0].id},
                                                                          "data": _round_fields(w)})(_fresh_contest(w))),
    "organizer.copy_contest": (ORGANISER_POST, lambda w, role: {"values": {"contest_id": _fresh_contest(w).id},
                                                                "data": {"title": "Bản sao", "shift_days": 7, "action": "copy"}}),
    "organizer.contest_banner": (ORGANISER_POST, lambda w, role: {"values": {"contest_id": _fresh_contest(w).id},
                                                                  "data": {"file": (io.BytesIO(BANNER), "anh-bia.png")}}),
    "organizer.remove_banner": (ORGANISER_POST, lambda w, role: _with_banner(w)),
    "organizer.overrides": (ORGANISER_POST, lambda w, role: {"values": {"contest_id": _fresh_contest(w).id}, "data": _override_fields(w)}),
    "organizer.edit_override": (ORGANISER_POST, lambda w, role: {**_fresh_override(w), "data": {**_override_fields(w), "extra_minutes": 20}}),
    "organizer.delete_override": (ORGANISER_POST, lambda w, role: _fresh_override(w)),
    "organizer.delete_round": (ORGANISER_POST, lambda w, role: (lambda c: {"values": {"contest_id": c.id, "round_id": c.rounds[0].id}})(_fresh_contest(w))),
    # P already has an attempt in progress, ME and the admin are not eligible: back to the contest page with a message.
    "participant.start_attempt": ({A: LOGIN, P: 302, ME: 302, OE: 302, UM: Ok(302), O: Ok(302), AD: 302}, lambda w, role: {}),
    "participant.take_attempt": (OWN_ATTEMPT_POST, lambda w, role: {"data": {f"q-{w.attempt_question_id}": "A"}}),
    "participant.save_answer_api": ({A: 401, P: Ok(200), ME: 404, UM: 404, OE: 404, O: 404, AD: 404},
                                    lambda w, role: {"json": {"question_id": w.attempt_question_id, "keys": ["B"] if role == P else ["A"]}}),
    "organizer.new_question": (ORGANISER_POST, lambda w, role: {"values": {"bank_id": _fresh_bank(w).id}, "data": {
        "topic": "Thể chế", "difficulty": 1, "kind": "single", "text": "Câu hỏi thêm bằng tay?", "answer": "B",
        "choice_A": "Không phải", "choice_B": "Đúng là thế"}}),
    "organizer.regrade": (ORGANISER_POST, _finished_attempt),
    "organizer.regrade_reviewed": (ORGANISER_POST, _regraded),
    "reports.disqualify": (ORGANISER_POST, _not_disqualified),
    "awards.confirm_prize": (ORGANISER_POST, _prize_to_confirm),
    "awards.withdraw_prize": (ORGANISER_POST, _confirmed_prize),
    "awards.publish_winners": (ORGANISER_POST, lambda w, role: {"values": {"contest_id": _fresh_contest(w).id}, "data": {"publish": "1"}}),
    "reports.reinstate": (ORGANISER_POST, _disqualified),
    "organizer.unit_prizes": (ORGANISER_POST, lambda w, role: {"values": {"contest_id": _fresh_contest(w).id}, "data": {
        "tiers-0-min_size": "0", "tiers-0-min_rate": "30", "blocs-0-title": "Khối phòng", "blocs-0-kinds": "office",
        "blocs-0-first_prizes": "1"}}),
    "reports.import_staff": ({A: LOGIN, P: 403, ME: Ok(302), UM: Ok(302), OE: Ok(302), O: Ok(302), AD: Ok(302)}, _staff_file),
    # A unit's letter template: each for their own unit (an admin: the first top unit), the default one uploaded.
    "reports.letter_template": ({A: LOGIN, P: 403, ME: Ok(302), UM: Ok(302), OE: Ok(302), O: Ok(302), AD: Ok(302)}, _letter_file),
    "reports.reset_letter_template": ({A: LOGIN, P: 403, ME: Ok(302), UM: Ok(302), OE: Ok(302), O: Ok(302), AD: Ok(302)}, _own_letter_template),
}


def _correction(w, role):
    person = _fresh_user(w)
    return {"values": {"user_id": person.id}, "data": {"full_name": "Nguyễn Văn Sửa", "phone": person.phone, "cccd": person.cccd,
                                                      "email": "", "unit_id": w.department.id}}


def _pending_move(w, role):
    from contest.services import people

    person = w.make_user(Role.participant, unit=w.province)
    move = people.request_move(w.session, person, w.department.id, "Đăng ký nhầm")
    w.session.commit()
    return {"values": {"request_id": move.id}, "data": {"decision": "approve"}}


PEOPLE_POST = {A: LOGIN, P: 403, ME: 403, OE: 403, O: 403, UM: Ok(302), AD: Ok(302)}

POST_EXPECTED.update({
    "people.edit_person": (PEOPLE_POST, _correction),
    "people.issue_reset_link": ({**PEOPLE_POST, UM: Ok(200), AD: Ok(200)}, lambda w, role: {"values": {"user_id": _fresh_user(w).id}}),
    "people.decide_move": (PEOPLE_POST, _pending_move),
    "people.request_move": ({**dict.fromkeys(POST_ROLES, 403), A: LOGIN, P: Ok(302)}, lambda w, role: {"data": {"to_unit_id": w.province.id}}),
})


def _post_rules(app):
    return [r for r in app.url_map.iter_rules() if r.methods & {"POST", "PUT", "PATCH", "DELETE"}]


def test_every_post_route_has_an_expectation(app):
    endpoints = {r.endpoint for r in _post_rules(app)}
    assert sorted(endpoints - set(POST_EXPECTED)) == [], "state-changing routes without an expectation"
    assert sorted(set(POST_EXPECTED) - endpoints) == [], "expectations for routes that no longer exist"


def database_fingerprint(app) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of the content of every table."""
    from contest.db import Base

    fingerprint = {}
    with app.extensions["db_engine"].connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            fingerprint[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:12])
    return fingerprint


@pytest.fixture
def post_world(db_session, world, make_user, make_contest, make_bank):
    from contest.models import Attempt, Contest, Unit

    users, values = world
    attempt = db_session.get(Attempt, values["attempt_id"])
    w = SimpleNamespace(
        session=db_session, users=users, values=values, count=0, make_user=make_user, make_contest=make_contest, make_bank=make_bank,
        province=db_session.scalar(select(Unit).where(Unit.code == "P")),
        department=db_session.get(Unit, values["unit_id"]),
        elsewhere=db_session.scalar(select(Unit).where(Unit.code == "Q")),
        contest=db_session.get(Contest, values["contest_id"]),
        attempt_question_id=attempt.questions[0].id,
        first_question=lambda bank: db_session.scalars(question_service.question_query(bank, question_service.QuestionFilter())).first(),
    )
    w.bank = w.contest.rounds[0].blueprint[0].bank
    return w


@pytest.mark.parametrize("endpoint", sorted(POST_EXPECTED))
def test_every_post_route_for_every_role(app, client, clock, post_world, login, endpoint):
    rule = next((r for r in _post_rules(app) if r.endpoint == endpoint), None)
    assert rule is not None
    expected, prepare = POST_EXPECTED[endpoint]
    w = post_world
    failures = []
    # Refusals first, so an allowed request cannot hide a refusal by changing the target.
    assert sorted(expected) == sorted(POST_ROLES)
    for role in sorted(POST_ROLES, key=lambda r: isinstance(expected[r], Ok)):
        client.post("/dang-xuat")
        if role != A:
            phone = w.users[role].phone
            w.session.commit()  # SQLite: the test's session must not hold the database while the app writes
            assert client.post("/dang-nhap", data={"identifier": phone, "password": TEST_PASSWORD}).status_code == 302
        request = prepare(w, role)
        w.session.commit()
        before = database_fingerprint(app)
        url = url_for_rule(rule, {**w.values, **request.get("values", {})})
        arguments = {"json": request["json"]} if "json" in request else {"data": request.get("data", {}), "content_type": "multipart/form-data"}
        response = client.post(url, **arguments)
        # The request ran in this test's application context, so on its session: end what it left open, as the
        # teardown of a real request would (uncommitted writes are lost, as in production).
        w.session.rollback()
        after = database_fingerprint(app)
        changed = sorted(name for name in before if before[name] != after[name])
        want = expected[role]
        if response.status_code != want:
            failures.append(f"{role}: {response.status_code}, expected {int(want)}")
        elif isinstance(want, Ok):
            if want.changes and not changed:
                failures.append(f"{role}: allowed, but nothing was written")
        else:
            if changed:
                failures.append(f"{role}: refused with {response.status_code}, but tables changed: {changed}")
            if want == LOGIN and role == A and "/dang-nhap" not in response.headers.get("Location", ""):
                failures.append(f"{role}: 302 to {response.headers.get('Location')}, expected the login page")
        w.session.expire_all()
    assert failures == [], f"{endpoint}: {failures}"
