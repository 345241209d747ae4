"""Accounts under attack: the client's address behind a proxy, one login counter per account, sessions that
end everywhere, logins that take the same time for unknown accounts, the password policy, same-site redirects."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest import create_app
from contest.models import Attempt, AuditEntry, Question, Role, UnitKind, User
from contest.passwords import password_problems
from contest.viewhelpers import safe_target
from tests.conftest import T0, TEST_PASSWORD
from contest.db import dispose_engines

PROXY = "10.0.0.2"  # nginx, as the app server sees it


@pytest.fixture
def app_with(app, app_config, tmp_path):
    """Apps on the test database with other settings (read when an app is created); closed afterwards."""
    from contest.ratelimit import limiter

    made = []

    def factory(**settings):
        other = create_app({**app_config, **settings}, instance_path=tmp_path / f"app{len(made)}")
        made.append(other)
        return other

    yield factory
    limiter._storage.engine.dispose() if hasattr(limiter._storage, "engine") else None
    for other in made:
        dispose_engines(other)


def _from(client_address: str) -> dict:
    """Request arguments for a client at `client_address` behind the proxy (which appends it to X-Forwarded-For)."""
    return {"environ_base": {"REMOTE_ADDR": PROXY}, "headers": {"X-Forwarded-For": client_address}}


# --- The client's address behind a proxy ----------------------------------------------------------------------


def test_behind_one_proxy_each_client_has_its_own_registration_limit(app_with):
    client = app_with(TRUSTED_PROXY_COUNT=1, RATELIMIT_ENABLED=True).test_client()
    statuses = [client.post("/dang-ky", data={}, **_from("203.0.113.5")).status_code for _ in range(31)]
    assert statuses == [422] * 30 + [429]
    # Another client behind the same proxy is not affected, nor one who forges an address in front of its own.
    assert client.post("/dang-ky", data={}, **_from("198.51.100.7")).status_code == 422
    assert client.post("/dang-ky", data={}, **_from("203.0.113.5, 198.51.100.8")).status_code == 422
    assert client.post("/dang-ky", data={}, **_from("198.51.100.9, 203.0.113.5")).status_code == 429


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(app_with):
    client = app_with(TRUSTED_PROXY_COUNT=0, RATELIMIT_ENABLED=True).test_client()
    for number in range(30):
        client.post("/dang-ky", data={}, **_from(f"203.0.113.{number}"))
    assert client.post("/dang-ky", data={}, **_from("198.51.100.7")).status_code == 429


def test_attempts_and_the_audit_log_record_the_client_address(app_with, db_session, make_contest, make_user, make_unit):
    province = make_unit("P", kind=UnitKind.province)
    contest = make_contest(unit=province)
    player = make_user(unit=make_unit(parent=province))
    admin = make_user(Role.admin)
    round_ = contest.rounds[0]
    db_session.commit()
    client = app_with(TRUSTED_PROXY_COUNT=1, CLOCK=lambda: T0 + timedelta(hours=1)).test_client()
    assert client.post("/dang-nhap", data={"identifier": player.phone, "password": TEST_PASSWORD}, **_from("203.0.113.5")).status_code == 302
    started = client.post(f"/cuoc-thi/{contest.id}/vong/{round_.id}/bat-dau", **_from("203.0.113.5"))
    assert "/bai-thi/" in started.headers["Location"]
    assert db_session.scalar(select(Attempt.client_ip)) == "203.0.113.5"
    db_session.commit()
    client.post("/dang-xuat", **_from("203.0.113.5"))
    assert client.post("/dang-nhap", data={"identifier": admin.phone, "password": TEST_PASSWORD}, **_from("198.51.100.7")).status_code == 302
    client.post(f"/quan-tri/nguoi-dung/{player.id}/trang-thai", **_from("198.51.100.7"))
    assert db_session.scalar(select(AuditEntry.client_ip).where(AuditEntry.action == "user.active")) == "198.51.100.7"


@pytest.mark.parametrize("value", ["-1", "one", "11", "1.5"])
def test_a_wrong_proxy_count_stops_the_app_with_a_clear_message(app_config, tmp_path, value):
    from contest.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="TRUSTED_PROXY_COUNT must be a whole number from 0 to 10"):
        create_app({**app_config, "TRUSTED_PROXY_COUNT": value}, instance_path=tmp_path)


# --- One counter per account, however it is spelled ------------------------------------------------------------


def test_every_spelling_of_one_account_shares_one_login_counter(app_with, make_user):
    make_user(phone="0912000111", cccd="001190000111", email="nan.nhan@example.vn")
    client = app_with(RATELIMIT_ENABLED=True).test_client()
    spellings = ["+84 912 000 111", "0912.000.111", "84912000111", " 001190000111 ", "Nan.Nhan@example.vn"]
    for spelling in spellings:
        assert client.post("/dang-nhap", data={"identifier": spelling, "password": "Sai-mat-khau-1"}).status_code == 401
    blocked = client.post("/dang-nhap", data={"identifier": "0912 000 111", "password": TEST_PASSWORD})
    assert blocked.status_code == 429


def test_an_unknown_identifier_counts_under_its_normalised_form(app_with):
    client = app_with(RATELIMIT_ENABLED=True).test_client()
    for spelling in ["0987 111 222", "+84987111222", "0987-111-222", "84987111222", "0987.111.222"]:
        assert client.post("/dang-nhap", data={"identifier": spelling, "password": "Sai-mat-khau-1"}).status_code == 401
    assert client.post("/dang-nhap", data={"identifier": "0987111222", "password": "x"}).status_code == 429
    assert client.post("/dang-nhap", data={"identifier": "0987111333", "password": "x"}).status_code == 401


# --- Sessions end everywhere ------------------------------------------------------------------------------------
# Browsers here talk to an app of their own: requests to the fixture `app` share the test's application
# context, and with it Flask-Login's cached user, so a second browser there would see the first one's account.


@pytest.fixture
def web(app_with, db_session):
    db_session.commit()  # on SQLite the other app's connections must not wait for the test's transaction
    return app_with(CLOCK=lambda: T0 + timedelta(hours=1))


def _stolen_copy(web, browser):
    """A second browser holding copies of `browser`'s cookies (session and remember)."""
    thief = web.test_client()
    for name in ("session", "remember_token"):
        cookie = browser.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def _remember_only(web, browser):
    """A browser holding only the remember cookie (the session cookie is gone: the browser was closed)."""
    other = web.test_client()
    other.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    return other


def _opens_profile(browser) -> bool:
    return browser.get("/tai-khoan").status_code == 200


def _logged_in(web, user, **extra):
    browser = web.test_client()
    response = browser.post("/dang-nhap", data={"identifier": user.phone, "password": TEST_PASSWORD, **extra})
    assert response.status_code == 302
    return browser


def test_log_out_ends_every_copy_of_the_session_and_the_remember_cookie(make_user, web):
    browser = _logged_in(web, make_user(), remember="y")
    thief, remembered = _stolen_copy(web, browser), _remember_only(web, browser)
    assert _opens_profile(thief) and _opens_profile(remembered)
    thief, remembered = _stolen_copy(web, browser), _remember_only(web, browser)
    browser.post("/dang-xuat")
    assert not _opens_profile(thief)
    assert not _opens_profile(remembered)
    assert not _opens_profile(browser)


@pytest.mark.parametrize("how", ["password change", "admin lock"])
def test_a_password_change_or_a_lock_ends_other_sessions(db_session, make_user, web, how):
    user, admin = make_user(), make_user(Role.admin)
    browser = _logged_in(web, user, remember="y")
    thief, remembered = _stolen_copy(web, browser), _remember_only(web, browser)
    assert _opens_profile(thief) and _opens_profile(remembered)
    thief, remembered = _stolen_copy(web, browser), _remember_only(web, browser)
    if how == "password change":
        new = "Ban-phim-moi-2026"
        response = browser.post("/tai-khoan/doi-mat-khau", data={"current": TEST_PASSWORD, "new": new, "confirm": new})
        assert response.status_code == 302
        # The browser that changed the password stays logged in, its remember cookie renewed.
        assert _opens_profile(browser) and _opens_profile(_remember_only(web, browser))
    else:
        admin_browser = _logged_in(web, admin)
        assert admin_browser.post(f"/quan-tri/nguoi-dung/{user.id}/trang-thai").status_code == 302
        assert admin_browser.post(f"/quan-tri/nguoi-dung/{user.id}/trang-thai").status_code == 302  # unlocked again
        db_session.expire_all()
        assert db_session.get(User, user.id).active
        db_session.commit()
    assert not _opens_profile(thief)
    assert not _opens_profile(remembered)


def test_an_admin_password_reset_gives_a_new_password_once_and_ends_sessions(db_session, make_user, web):
    user, admin = make_user(), make_user(Role.admin)
    browser = _logged_in(web, user, remember="y")
    thief, remembered = _stolen_copy(web, browser), _remember_only(web, browser)
    admin_browser = _logged_in(web, admin)
    response = admin_browser.post(f"/quan-tri/nguoi-dung/{user.id}/dat-lai-mat-khau", data={"back": "/quan-tri/nguoi-dung?q=x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'href="/quan-tri/nguoi-dung?q=x"' in page
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="new-password">([^<]+)<', page).group(1)
    with admin_browser.session_transaction() as session:
        assert password not in str(dict(session))  # not kept in the signed session cookie
    assert password_problems(password, full_name=user.full_name, phone=user.phone, cccd=user.cccd) == []
    assert password not in admin_browser.get("/quan-tri/nguoi-dung").get_data(as_text=True)  # shown once
    assert not _opens_profile(browser) and not _opens_profile(thief) and not _opens_profile(remembered)
    again = web.test_client()
    assert again.post("/dang-nhap", data={"identifier": user.phone, "password": TEST_PASSWORD}).status_code == 401
    assert again.post("/dang-nhap", data={"identifier": user.phone, "password": password}).status_code == 302
    summary = db_session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "user.password_reset"))
    assert user.phone in summary and password not in summary
    db_session.commit()
    # An admin does not reset their own password here (they would lock themselves out).
    assert admin_browser.post(f"/quan-tri/nguoi-dung/{admin.id}/dat-lai-mat-khau").status_code == 302
    assert "Hãy đổi mật khẩu của chính bạn ở trang Tài khoản." in admin_browser.get("/quan-tri/nguoi-dung").get_data(as_text=True)


def test_autosave_with_an_ended_session_says_so(db_session, make_contest, make_user, make_unit, app_with):
    province = make_unit("P", kind=UnitKind.province)
    contest = make_contest(unit=province)
    user = make_user(unit=make_unit(parent=province))
    contest_id, round_id = contest.id, contest.rounds[0].id
    db_session.commit()
    web = app_with(CLOCK=lambda: T0 + timedelta(hours=1))
    browser = _logged_in(web, user)
    location = browser.post(f"/cuoc-thi/{contest_id}/vong/{round_id}/bat-dau").headers["Location"]
    attempt_id = int(re.search(r"/bai-thi/(\d+)", location).group(1))
    question_id = db_session.get(Attempt, attempt_id).questions[0].id
    db_session.commit()
    thief = _stolen_copy(web, browser)
    assert thief.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": question_id, "keys": ["A"]}).status_code == 200
    browser.post("/dang-xuat")
    refused = thief.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": question_id, "keys": ["B"]})
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại."


def test_a_cookie_without_a_session_version_is_refused(make_user, web):
    user = make_user()
    browser = web.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(user.id)  # the form cookies had before versions
        session["_fresh"] = True
    assert not _opens_profile(browser)
    with browser.session_transaction() as session:
        session["_user_id"] = f"{user.id}:0"
    assert _opens_profile(browser)


def test_the_remember_cookie_is_lax_http_only_and_lasts_thirty_days(make_user, web):
    cookie = _logged_in(web, make_user(), remember="y").get_cookie("remember_token")
    assert cookie.same_site == "Lax" and cookie.http_only
    assert timedelta(days=29) < cookie.expires - cookie.expires.now(cookie.expires.tzinfo) <= timedelta(days=30)


def test_the_remember_cookie_is_secure_in_production(database_url, tmp_path):
    production = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "ENV": "production"}, instance_path=tmp_path)
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    dispose_engines(production)


# --- Same work for unknown and known accounts -------------------------------------------------------------------


def test_an_unknown_account_costs_one_hash_verification_like_a_known_one(client, make_user, monkeypatch):
    import contest.passwords as passwords

    verified = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda stored, given: verified.append(stored) or real(stored, given))
    user = make_user()
    for identifier in [user.phone, "0987654321", "001199999999", "khong.co@example.vn", "ten-la"]:
        assert client.post("/dang-nhap", data={"identifier": identifier, "password": "Sai-mat-khau-1"}).status_code == 401
    assert len(verified) == 5
    # The dummy hash has the method (so the cost) of real ones.
    assert {stored.split("$")[0] for stored in verified} == {"pbkdf2:sha256:1000"}


# --- The password policy ----------------------------------------------------------------------------------------

ACCOUNT = {"full_name": "Nguyễn Thị Hoa", "phone": "0912345678", "cccd": "001190001234", "email": "hoa.nguyen@example.vn"}


@pytest.mark.parametrize(
    "password, reason",
    [
        ("password1", "“password1” là mật khẩu hoặc từ rất phổ biến"),
        ("1234567a", "“1234567a” là mật khẩu hoặc từ rất phổ biến"),
        ("anhyeuem2026", "“anhyeuem” là mật khẩu hoặc từ rất phổ biến"),
        ("Caicachhanhchinh1", "“Caicachhanhchinh” là mật khẩu hoặc từ rất phổ biến"),
        ("zxcvbnmasd", "là các phím liền nhau trên bàn phím"),
        ("abcdefgh12", "là một dãy liên tiếp"),
        ("aaaaaaaaaa", "“aaaaaaaaaa” lặp lại ký tự"),
        ("Ab0912345678", "Mật khẩu không được chứa số điện thoại của bạn."),
        ("x912345678y", "Mật khẩu không được chứa số điện thoại của bạn."),
        ("so-001190001234", "Mật khẩu không được chứa số CCCD của bạn."),
        ("NguyenThiHoa!7", "Mật khẩu không được chứa họ tên của bạn."),
        ("nguyễn-2026-xyz", "Mật khẩu không được chứa họ tên của bạn."),
        ("Hoa.Nguyen-77", "Mật khẩu không được chứa địa chỉ email của bạn."),
        ("ngắn1", "Mật khẩu phải có ít nhất 8 ký tự."),
        ("x" * 129, "Mật khẩu dài tối đa 128 ký tự."),
        ("pw-0912.345.678", "Mật khẩu không được chứa số điện thoại của bạn."),
        ("k#001-190-001-234", "Mật khẩu không được chứa số CCCD của bạn."),
        ("Ｐａｓｓｗｏｒｄ１", "“Password1” là mật khẩu hoặc từ rất phổ biến"),
        ("pass\u200bword1", "“password1” là mật khẩu hoặc từ rất phổ biến"),
        ("ab٠٩١٢٣٤٥٦٧٨", "Mật khẩu không được chứa số điện thoại của bạn."),
    ],
)
def test_weak_or_personal_passwords_are_refused_saying_why(password, reason):
    problems = " ".join(password_problems(password, **ACCOUNT))
    assert reason in problems


@pytest.mark.parametrize("password", ["Sen-hong-2026", "Demo@2026", "tra loi dung het 12", "Gió mùa thu 88", "Xk9#qv2!Lm"])
def test_strong_passwords_are_accepted(password):
    assert password_problems(password, **ACCOUNT) == []


def test_a_name_word_inside_another_word_is_not_the_name():
    assert password_problems("Thuyền nhỏ trên sông Hàn 88", full_name="Nguyễn Huyện Tổ") == []
    assert password_problems("Xuanthuy-Ca-2026", full_name="Trần Xuân Thủy") == ["Mật khẩu không được chứa họ tên của bạn."]


def test_the_new_password_must_differ_from_the_current_one(client, login, make_user):
    login(make_user())
    response = client.post("/tai-khoan/doi-mat-khau", data={"current": TEST_PASSWORD, "new": TEST_PASSWORD, "confirm": TEST_PASSWORD})
    assert response.status_code == 422
    assert "Mật khẩu mới phải khác mật khẩu hiện tại." in response.get_data(as_text=True)


def test_identifiers_in_other_digit_forms_are_the_same_identifier(client, db_session, make_user, make_unit):
    unit = make_user(phone="0900000004", cccd="001190000004").unit  # committed: a refused registration rolls back
    form = {"full_name": "Lê Văn Tám", "cccd": "٠٠١١٩٠٠٠٠٠٠٤", "phone": "０９７７ ０００ １１１", "unit_id": str(unit.id),
            "password": "Cay-bang-xanh-7", "confirm": "Cay-bang-xanh-7"}
    response = client.post("/dang-ky", data=form)
    assert response.status_code == 422
    assert "Số CCCD này đã được đăng ký." in response.get_data(as_text=True)
    response = client.post("/dang-ky", data={**form, "cccd": "００１１９００００９９９"})
    assert response.status_code == 302
    user = db_session.scalar(select(User).where(User.full_name == "Lê Văn Tám"))
    assert (user.cccd, user.phone) == ("001190000999", "0977000111")
    client.post("/dang-xuat")
    assert client.post("/dang-nhap", data={"identifier": "09٧٧000111", "password": "Cay-bang-xanh-7"}).status_code == 302


def test_a_locked_account_with_its_right_password_is_told_so_with_the_limits_on(app_with, db_session, make_user):
    user = make_user()
    user.active = False
    db_session.commit()
    response = app_with(RATELIMIT_ENABLED=True).test_client().post("/dang-nhap", data={"identifier": user.phone, "password": TEST_PASSWORD})
    assert response.status_code == 401
    assert "Tài khoản đã bị khóa. Vui lòng liên hệ quản trị viên." in response.get_data(as_text=True)


def test_registration_refuses_a_password_holding_the_phone(client, db_session, make_unit):
    unit = make_unit()
    form = {"full_name": "Lê Văn Tám", "cccd": "001190004321", "phone": "0912 345 678", "unit_id": str(unit.id),
            "password": "Tam0912345678", "confirm": "Tam0912345678"}
    response = client.post("/dang-ky", data=form)
    assert response.status_code == 422
    assert "Mật khẩu không được chứa số điện thoại của bạn." in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(User)) == 0


def test_a_password_change_refuses_a_common_password(client, login, make_user):
    login(make_user())
    response = client.post("/tai-khoan/doi-mat-khau", data={"current": TEST_PASSWORD, "new": "matkhau123", "confirm": "matkhau123"})
    assert response.status_code == 422
    assert "Mật khẩu quá dễ đoán" in response.get_data(as_text=True)


# --- Same-site redirects ----------------------------------------------------------------------------------------

HOSTILE_TARGETS = ["https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
                   "http:/evil.example", "/\t/evil.example", " //evil.example", "evil.example"]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_safe_target_refuses_other_sites(target):
    assert safe_target(target, "/mac-dinh") == "/mac-dinh"


@pytest.mark.parametrize("target", ["/cuoc-thi/3?page=2", "/quan-tri/nguoi-dung?q=an#top", "/"])
def test_safe_target_keeps_paths_of_this_site(target):
    assert safe_target(target, "/mac-dinh") == target


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example"])
def test_log_in_never_sends_anyone_to_another_site(client, make_user, target):
    user = make_user()
    response = client.post("/dang-nhap?next=" + target, data={"identifier": user.phone, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"


def test_admin_toggle_never_sends_anyone_to_another_site(client, login_as, make_user):
    login_as(Role.admin)
    user = make_user()
    response = client.post(f"/quan-tri/nguoi-dung/{user.id}/trang-thai", data={"back": "https://evil.example"})
    assert response.headers["Location"] == "/quan-tri/nguoi-dung"
    response = client.post(f"/quan-tri/nguoi-dung/{user.id}/trang-thai", data={"back": "/quan-tri/nguoi-dung?page=2"})
    assert response.headers["Location"] == "/quan-tri/nguoi-dung?page=2"


def test_question_toggle_and_prize_actions_never_send_anyone_to_another_site(client, db_session, login, make_user, make_contest, make_unit):
    province = make_unit("P", kind=UnitKind.province)
    contest = make_contest(unit=province)
    player = make_user(unit=make_unit(parent=province))
    login(make_user(Role.organizer, unit=province))
    bank_id = db_session.scalar(select(Question.bank_id))
    question_id = db_session.scalar(select(Question.id))
    toggled = client.post(f"/ban-to-chuc/cau-hoi/{question_id}/trang-thai", data={"back": "https://evil.example"})
    assert toggled.status_code == 302 and toggled.headers["Location"] == f"/ban-to-chuc/ngan-hang/{bank_id}"
    for action in ("loai", "khoi-phuc"):
        prize = client.post(f"/bao-cao/cuoc-thi/{contest.id}/xet-giai/{action}",
                            data={"user_id": player.id, "reason": "Thử", "back": "//evil.example"})
        assert prize.status_code == 302 and prize.headers["Location"] == f"/bao-cao/cuoc-thi/{contest.id}/xet-giai"
