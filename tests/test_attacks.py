"""The attacks of issue 15, repeated as written against gunicorn started with TRUSTED_PROXY_COUNT=1, every
request arriving as nginx would pass it on: from the proxy's address, the client's in X-Forwarded-For.

1. one client's 200 failed logins a minute do not lock anyone else out;
2. spelling one account differently does not reset its login counter;
3. a session cookie or remember token copied before log out or a password change opens nothing after it;
4. an unknown account is answered like a known one (the hash work: tests/blueprints/test_account_security.py,
   the times: bench/login_timing.py);
5. weak passwords and passwords holding the phone are refused;
7. `back=https://evil.example` is not followed.
Points 6 (costly workbooks) and 8 (banks shared down the tree) have their own tests through the upload and
contest pages (tests/test_hostile_spreadsheets.py, tests/services/test_bank_sharing.py).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from contest import clock, db
from contest.models import Contest, Question, User
from contest.services import demo
from tests.servers import CSRF, Gunicorn, app_env
from contest.db import dispose_engines

pytestmark = pytest.mark.slow
PASSWORD = demo.DEMO_PASSWORD
ATTACKER, VICTIM = "203.0.113.66", "198.51.100.7"
ANY_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')  # the log-out form of every page


class Browser(requests.Session):
    """A client at `address` behind the (trusted) proxy."""

    def __init__(self, base: str, address: str):
        super().__init__()
        self.base = base
        self.headers["X-Forwarded-For"] = address

    def token(self, path: str) -> str:
        page = self.get(self.base + path, timeout=60).text
        return (CSRF.search(page) or ANY_CSRF.search(page)).group(1)

    def post_form(self, path: str, data: dict, token_from: str | None = None) -> requests.Response:
        data = {**data, "csrf_token": self.token(token_from or path)}
        return self.post(self.base + path, data=data, allow_redirects=False, timeout=60)

    def log_in(self, identifier: str, password: str = PASSWORD, **extra) -> int:
        return self.post_form("/dang-nhap", {"identifier": identifier, "password": password, **extra}).status_code

    def opens_profile(self) -> bool:
        return self.get(self.base + "/tai-khoan", allow_redirects=False, timeout=60).status_code == 200


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from contest import create_app
    from tests.servers import temporary_database
    from contest.migrate import upgrade_to_head

    with temporary_database("attacks", tmp_path_factory.mktemp("attacks")) as url:
        upgrade_to_head(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "attacks"}, instance_path=tmp_path_factory.mktemp("instance"))
        with app.app_context():
            demo.load_demo_data(db.session, clock.now())
            db.session.commit()
            ids = {
                "contest": db.session.scalar(select(Contest.id).where(Contest.title == demo.DEMO_CONTEST_TITLE)),
                "question": db.session.scalar(select(Question.id).order_by(Question.id)),
                "participant": db.session.scalar(select(User.id).where(User.phone == "0900000005")),
            }
        dispose_engines(app)
        with Gunicorn(app_env(url, SECRET_KEY="attacks", TRUSTED_PROXY_COUNT="1"), workers=2, threads=4) as gunicorn:
            yield gunicorn.url, ids


def test_1_one_client_failing_logins_locks_out_only_itself(server):
    base, _ = server
    attacker = Browser(base, ATTACKER)
    token = attacker.token("/dang-nhap")

    def guess(number: int) -> int:
        data = {"identifier": f"09{number:08d}7", "password": "Doan-bua-1", "csrf_token": token}
        return attacker.post(base + "/dang-nhap", data=data, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(guess, range(210)))
    assert statuses.count(429) >= 10 and set(statuses) == {401, 429}
    assert Browser(base, VICTIM).log_in("0900000004") == 302
    # An attacker forging the address in front of its own gains nothing.
    assert Browser(base, f"{VICTIM}, {ATTACKER}").log_in("0900000004") == 429


def test_2_every_spelling_of_one_account_shares_its_counter(server):
    base, _ = server
    spellings = ["+84 900 000 003", "0900.000.003", "84900000003", "001090000003", " 0900 000 003 "]
    for number, spelling in enumerate(spellings):
        assert Browser(base, f"192.0.2.{number + 1}").log_in(spelling, "Doan-bua-1") == 401
    assert Browser(base, "192.0.2.50").log_in("0900000003") == 429


def test_3_copied_cookies_open_nothing_after_log_out_or_a_password_change(server):
    base, _ = server
    for ending in ("log out", "password change"):
        browser = Browser(base, VICTIM)
        assert browser.log_in("0900000004", remember="y") == 302
        copy = Browser(base, ATTACKER)
        copy.cookies.update(browser.cookies)
        remembered = Browser(base, ATTACKER)
        remembered.cookies.set("remember_token", browser.cookies["remember_token"])
        assert copy.opens_profile() and remembered.opens_profile()
        copy, remembered = Browser(base, ATTACKER), Browser(base, ATTACKER)
        copy.cookies.update(browser.cookies)
        remembered.cookies.set("remember_token", browser.cookies["remember_token"])
        if ending == "log out":
            assert browser.post_form("/dang-xuat", {}, token_from="/tai-khoan").status_code == 302
        else:
            new = "Ban-phim-moi-2026"
            changed = browser.post_form("/tai-khoan/doi-mat-khau", {"current": PASSWORD, "new": new, "confirm": new})
            assert changed.status_code == 302 and browser.opens_profile()
            back = browser.post_form("/tai-khoan/doi-mat-khau", {"current": new, "new": PASSWORD, "confirm": PASSWORD})
            assert back.status_code == 302
        assert not copy.opens_profile()
        assert not remembered.opens_profile()


def test_4_an_unknown_account_is_answered_like_a_known_one(server):
    base, _ = server
    known = Browser(base, "192.0.2.60").post_form("/dang-nhap", {"identifier": "0900000005", "password": "Doan-bua-1"})
    unknown = Browser(base, "192.0.2.61").post_form("/dang-nhap", {"identifier": "0900999999", "password": "Doan-bua-1"})
    assert (known.status_code, unknown.status_code) == (401, 401)
    assert _flash(known.text) == _flash(unknown.text) == "Thông tin đăng nhập không đúng."


def _flash(page: str) -> str:
    return re.search(r'class="alert[^"]*"[^>]*>\s*([^<]+?)\s*<', page).group(1)


@pytest.mark.parametrize("password, message", [
    ("password1", "Mật khẩu quá dễ đoán"),
    ("1234567a", "Mật khẩu quá dễ đoán"),
    ("Dung0977123456", "Mật khẩu không được chứa số điện thoại của bạn."),
])
def test_5_weak_passwords_are_refused(server, password, message):
    base, _ = server
    browser = Browser(base, f"192.0.2.{70 + len(password)}")
    form = {"full_name": "Ngô Thị Mới", "cccd": "001190007777", "phone": "0977123456", "unit_id": "1",
            "password": password, "confirm": password}
    response = browser.post_form("/dang-ky", form)
    assert response.status_code == 422
    assert message in response.text


def test_7_back_to_another_site_is_not_followed(server):
    base, ids = server
    admin, organizer = Browser(base, "192.0.2.91"), Browser(base, "192.0.2.92")
    assert admin.log_in("0900000001") == 302 and organizer.log_in("0900000002") == 302
    actions = [
        (admin, f"/quan-tri/nguoi-dung/{ids['participant']}/trang-thai", {}),  # lock, then unlock again
        (organizer, f"/ban-to-chuc/cau-hoi/{ids['question']}/trang-thai", {}),  # hide, then show again
        (organizer, f"/bao-cao/cuoc-thi/{ids['contest']}/xet-giai/loai", {"user_id": ids["participant"], "reason": "Thử"}),
        (organizer, f"/bao-cao/cuoc-thi/{ids['contest']}/xet-giai/khoi-phuc", {"user_id": ids["participant"]}),
    ]
    for browser, path, data in actions + actions[:2]:
        for back in ("https://evil.example", "//evil.example", "/\\evil.example"):
            response = browser.post_form(path, {**data, "back": back}, token_from="/tai-khoan")
            assert response.status_code == 302, (path, response.status_code)
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith(("//", "/\\")) and "evil" not in location
