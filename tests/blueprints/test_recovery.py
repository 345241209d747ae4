"""Account recovery: "Quên mật khẩu" e-mails a one-time link (sent to a real local SMTP server, aiosmtpd),
links expire and work once, the answer never tells whether an account exists, requests are rate-limited,
and `flask reset-password` prints a link."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from contest import create_app
from contest.config import ConfigurationError, load_config
from contest.models import AuditEntry
from contest.passwords import verify_password
from tests.conftest import TEST_PASSWORD
from tests.servers import free_port
from contest.db import dispose_engines

NEW_PASSWORD = "Thuyen-giay-mua-ha-7"
PUBLIC_URL = "https://thi.example.gov.vn"


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"expected {count} e-mail(s), got {len(self.messages)}"
        return self.messages[count - 1]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def mail_app(app_config, inbox, tmp_path):
    _, port = inbox
    application = create_app({**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "PUBLIC_URL": PUBLIC_URL,
                              "MAIL_DEFAULT_SENDER": "Ban tổ chức <khong-tra-loi@thi.example.gov.vn>"},
                             instance_path=tmp_path / "mail")
    yield application
    dispose_engines(application)


def _link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https://\S+", body).group(0)
    assert link.startswith(PUBLIC_URL + "/dat-lai-mat-khau/")
    return urlsplit(link).path


def _reload(db_session, user):
    db_session.rollback()
    db_session.refresh(user)
    return user


def test_a_forgotten_password_is_reset_by_an_emailed_link_that_works_once(mail_app, inbox, db_session, make_user):
    handler, _ = inbox
    user = make_user(email="an.nguyen@example.vn")
    name, phone = user.full_name, user.phone
    db_session.commit()  # SQLite: the test's session must not hold the database while the other app writes
    browser = mail_app.test_client()  # a session opened before the reset ends with it
    assert browser.post("/dang-nhap", data={"identifier": phone, "password": TEST_PASSWORD, "remember": "y"}).status_code == 302
    stranger = mail_app.test_client()
    answer = stranger.post("/quen-mat-khau", data={"identifier": "AN.NGUYEN@example.vn "})
    assert answer.status_code == 200 and 'id="reset-sent"' in answer.get_data(as_text=True)
    message = handler.wait()
    assert message["To"] == "an.nguyen@example.vn" and "Đặt lại mật khẩu" in message["Subject"]
    path = _link_in(message)

    page = stranger.get(path)
    assert page.status_code == 200 and name in page.get_data(as_text=True)
    done = stranger.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/dang-nhap")
    assert verify_password(_reload(db_session, user).password_hash, NEW_PASSWORD)
    db_session.commit()
    assert browser.get("/tai-khoan").status_code == 302  # the old session has ended
    again = stranger.get(path)
    assert again.status_code == 400 and "không còn hiệu lực" in again.get_data(as_text=True)
    assert stranger.post(path, data={"password": "Mot-mat-khau-khac-9", "confirm": "Mot-mat-khau-khac-9"}).status_code == 400
    assert verify_password(_reload(db_session, user).password_hash, NEW_PASSWORD)
    db_session.commit()
    assert stranger.post("/dang-nhap", data={"identifier": phone, "password": NEW_PASSWORD}).status_code == 302
    actions = db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["user.reset_link_sent", "user.password_reset_by_link"]


def test_the_answer_is_the_same_whether_or_not_the_account_exists(mail_app, inbox, db_session, make_user):
    handler, _ = inbox
    with_email = make_user(email="co.email@example.vn")
    without_email = make_user()
    locked = make_user(email="bi.khoa@example.vn")
    locked.active = False
    identifiers = (with_email.phone, without_email.phone, locked.email, "0987654321", "khong.co@example.vn", "001122334455")
    db_session.commit()
    client = mail_app.test_client()
    answers = {}
    for identifier in identifiers:
        response = client.post("/quen-mat-khau", data={"identifier": identifier})
        answers[identifier] = (response.status_code, response.get_data(as_text=True))
    assert len(set(answers.values())) == 1, "the answer differs between identifiers"
    handler.wait()
    time.sleep(0.3)  # any other message would have arrived by now
    assert [m["To"] for m in handler.messages] == ["co.email@example.vn"]


def test_a_link_expires(app, clock, db_session, make_user):
    from contest.services import recovery

    user = make_user()
    token, expires = recovery.issue_token(app.config["SECRET_KEY"], user, clock.current, timedelta(minutes=60))
    db_session.commit()
    client = app.test_client()
    clock.advance(minutes=59)
    assert client.get(f"/dat-lai-mat-khau/{token}").status_code == 200
    clock.set(expires)
    page = client.get(f"/dat-lai-mat-khau/{token}")
    assert page.status_code == 400 and "đã hết hạn" in page.get_data(as_text=True)
    refused = client.post(f"/dat-lai-mat-khau/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 400
    assert verify_password(_reload(db_session, user).password_hash, TEST_PASSWORD)


@pytest.mark.parametrize("tamper", ["forged", "ended_sessions", "locked"])
def test_a_link_dies_when_forged_or_when_the_account_changed(app, clock, db_session, make_user, tamper):
    from contest.services import recovery

    user = make_user()
    token, _ = recovery.issue_token(app.config["SECRET_KEY"], user, clock.current, timedelta(minutes=60))
    if tamper == "forged":
        token = recovery.issue_token("another-secret", user, clock.current, timedelta(minutes=60))[0]
    elif tamper == "ended_sessions":
        user.end_sessions()  # a log out, or a correction by an admin
    else:
        user.active = False
    db_session.commit()
    page = app.test_client().get(f"/dat-lai-mat-khau/{token}")
    assert page.status_code == 400 and 'id="reset-problem"' in page.get_data(as_text=True)


def test_the_new_password_must_follow_the_policy(app, clock, db_session, make_user):
    from contest.services import recovery

    user = make_user(full_name="Lê Thị Hoa")
    token, _ = recovery.issue_token(app.config["SECRET_KEY"], user, clock.current, timedelta(minutes=60))
    db_session.commit()
    client = app.test_client()
    weak = client.post(f"/dat-lai-mat-khau/{token}", data={"password": "12345678", "confirm": "1234567"})
    text = weak.get_data(as_text=True)
    assert weak.status_code == 422 and "Mật khẩu nhập lại không khớp." in text and "is-invalid" in text
    assert verify_password(_reload(db_session, user).password_hash, TEST_PASSWORD)
    assert client.post(f"/dat-lai-mat-khau/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_without_smtp_the_page_sends_people_to_their_manager(client, make_user):
    page = client.get("/quen-mat-khau").get_data(as_text=True)
    assert 'id="no-mail"' in page and "quản lý đơn vị" in page and "<form method=\"post\" novalidate>" not in page
    user = make_user(email="a@example.vn")
    answer = client.post("/quen-mat-khau", data={"identifier": user.email})
    assert answer.status_code == 200 and 'id="no-mail"' in answer.get_data(as_text=True)


def test_the_login_page_links_to_the_forgotten_password_page(client):
    assert 'href="/quen-mat-khau"' in client.get("/dang-nhap").get_data(as_text=True)


def test_requests_are_rate_limited_per_account_and_per_client(app_config, inbox, db_session, make_user, tmp_path):
    from contest.ratelimit import limiter

    handler, port = inbox
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port),
                          "PUBLIC_URL": PUBLIC_URL, "MAIL_DEFAULT_SENDER": "khong-tra-loi@thi.example.gov.vn"},
                         instance_path=tmp_path / "limited")
    try:
        client = limited.test_client()
        victim = make_user(email="nan.nhan@example.vn", phone="0912000111")
        spellings = [victim.phone, "+84 912 000 111", victim.email, victim.cccd]
        db_session.commit()
        statuses = [client.post("/quen-mat-khau", data={"identifier": s}).status_code for s in spellings]
        assert statuses == [200, 200, 200, 429], "every spelling of one account counts together"
        assert client.post("/quen-mat-khau", data={"identifier": "0987000999"}).status_code == 200
        # Per client: the address limit holds across accounts.
        statuses = [client.post("/quen-mat-khau", data={"identifier": f"09870{n:05d}"}).status_code for n in range(10)]
        assert 429 in statuses
        handler.wait(3)
        time.sleep(0.3)
        assert len(handler.messages) == 3
    finally:
        limiter._storage.engine.dispose()
        dispose_engines(limited)


def test_the_cli_prints_a_one_time_link(app, db_session, make_user):
    user = make_user(phone="0912000333")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["reset-password", "0912000333"])
    assert refused.exit_code != 0 and "PUBLIC_URL" in refused.output
    result = runner.invoke(args=["reset-password", "+84912000333", "--base-url", "https://thi.example.gov.vn"])
    assert result.exit_code == 0, result.output
    path = urlsplit(re.search(r"https://\S+", result.output).group(0)).path
    client = app.test_client()
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert client.get(path).status_code == 400
    temporary = runner.invoke(args=["reset-password", user.cccd, "--temporary"])
    password = re.search(r": (\S+)\n", temporary.output).group(1)
    assert verify_password(_reload(db_session, user).password_hash, password)
    assert runner.invoke(args=["reset-password", "0999999999"]).exit_code != 0
    actions = db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["user.reset_link_issued", "user.password_reset_by_link", "user.password_reset"]


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"MAIL_USE_TLS": "yes", "MAIL_USE_SSL": "yes"}, "exclude each other"),
        ({"MAIL_DEFAULT_SENDER": "khong phai email"}, "MAIL_DEFAULT_SENDER"),
        ({"MAIL_USERNAME": "user"}, "go together"),
        ({"PUBLIC_URL": None}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://thi.example.gov.vn/duong-dan"}, "PUBLIC_URL"),
        ({"MAIL_PORT": "70000"}, "MAIL_PORT"),
        ({"MAIL_USE_TLS": "co"}, "MAIL_USE_TLS"),
    ],
)
def test_mail_settings_are_validated(settings, complaint, tmp_path: Path):
    good = {"SECRET_KEY": "x", "MAIL_SERVER": "smtp.example.vn", "MAIL_DEFAULT_SENDER": "a@example.vn", "PUBLIC_URL": PUBLIC_URL}
    assert load_config(tmp_path, good)["MAIL_PORT"] == 25
    with pytest.raises(ConfigurationError, match=complaint):
        load_config(tmp_path, {**good, **settings})


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="SQLite's BEGIN IMMEDIATE runs the two requests one after the other")
def test_a_link_used_in_two_tabs_at_once_sets_one_password(app, clock, db_session, make_user):
    """Both tabs read the account before either saves (two submits of the same link racing): the second is refused,
    not a second password set with a link that has already worked."""
    from sqlalchemy.orm import Session

    from contest.models import User
    from contest.services import recovery

    user = make_user()
    secret, user_id = app.config["SECRET_KEY"], user.id
    token, _ = recovery.issue_token(secret, user, clock.current, timedelta(minutes=60))
    db_session.commit()
    engine = app.extensions["db_engine"]
    with Session(engine) as first, Session(engine) as second:
        # Each request holds the account it loaded (as the reset page's view does) while it hashes the new password.
        loaded = [recovery.user_for_token(first, secret, token, clock.current),
                  recovery.user_for_token(second, secret, token, clock.current)]  # the second tab has loaded it too
        recovery.reset_with_token(first, secret, token, NEW_PASSWORD, NEW_PASSWORD, clock.current)
        first.commit()
        with pytest.raises(recovery.InvalidResetLink):
            recovery.reset_with_token(second, secret, token, "Con-thuyen-khac-9", "Con-thuyen-khac-9", clock.current)
        second.rollback()
    assert len(loaded) == 2
    db_session.expire_all()
    stored = db_session.get(User, user_id)
    assert verify_password(stored.password_hash, NEW_PASSWORD)
