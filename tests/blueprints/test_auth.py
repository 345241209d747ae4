"""Registration, log in by each identifier, log out, change password, CSRF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from contest.models import User
from contest.passwords import verify_password
from tests.conftest import TEST_PASSWORD
from contest.db import dispose_engines


@pytest.fixture
def unit(make_unit):
    return make_unit("AH-HDG-03", name="Xã Đông Phong")


def _form(unit, **overrides):
    data = {
        "full_name": "Nguyễn Thị Hoa",
        "cccd": "001190001234",
        "phone": "0912 345 678",
        "email": "hoa@example.vn",
        "unit_id": str(unit.id),
        "position": "Công chức",
        "password": "Cay-bang-xanh-7",
        "confirm": "Cay-bang-xanh-7",
    }
    data.update(overrides)
    return data


def _user_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(User))


def test_registration_creates_a_participant_and_shows_their_unit(client, db_session, unit):
    response = client.post("/dang-ky", data=_form(unit))
    assert response.status_code == 302
    user = db_session.scalar(select(User))
    assert (user.full_name, user.cccd, user.phone, user.email, user.role) == (
        "Nguyễn Thị Hoa", "001190001234", "0912345678", "hoa@example.vn", "participant"
    )
    assert user.password_hash != "Cay-bang-xanh-7"
    profile = client.get("/tai-khoan").get_data(as_text=True)
    assert "Xã Đông Phong" in profile and "AH-HDG-03" in profile


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"cccd": "12345678901"}, "Số CCCD phải gồm đúng 12 chữ số."),
        ({"cccd": "00119000123a"}, "Số CCCD phải gồm đúng 12 chữ số."),
        ({"phone": "0212345678"}, "Số điện thoại di động không hợp lệ"),
        ({"phone": "091234567"}, "Số điện thoại di động không hợp lệ"),
        ({"email": "hoa@"}, "Địa chỉ email “hoa@” không hợp lệ."),
        ({"password": "abc123", "confirm": "abc123"}, "Mật khẩu phải có ít nhất 8 ký tự."),
        ({"password": "password1", "confirm": "password1"}, "Mật khẩu quá dễ đoán (“password1” là mật khẩu hoặc từ rất phổ biến)"),
        ({"confirm": "Khac12345"}, "Mật khẩu nhập lại không khớp."),
        ({"unit_id": "0"}, "Vui lòng chọn đơn vị công tác."),
        ({"full_name": ""}, "Trường này là bắt buộc."),
    ],
)
def test_registration_refuses_bad_fields_with_a_clear_message(client, db_session, unit, overrides, message):
    response = client.post("/dang-ky", data=_form(unit, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _user_count(db_session) == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"phone": "0987654321"}, "Số CCCD này đã được đăng ký."),
        ({"cccd": "001190009999"}, "Số điện thoại này đã được đăng ký."),
        ({"phone": "0987654321", "cccd": "001190009999"}, "Email này đã được đăng ký."),
    ],
)
def test_one_person_one_account(client, db_session, unit, overrides, message):
    assert client.post("/dang-ky", data=_form(unit)).status_code == 302
    client.post("/dang-xuat")
    response = client.post("/dang-ky", data=_form(unit, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _user_count(db_session) == 1


def _field_errors(page: str) -> dict[str, str]:
    """The error shown under each field of the page, by the field's id."""
    return dict(re.findall(r'<div class="invalid-feedback" id="([a-z_]+)-error">([^<]*)</div>', page))


@pytest.mark.parametrize("second, errors", [
    pytest.param(
        {"cccd": "12345", "email": "khac@example.vn", "password": "12345678", "confirm": "12345679"},
        {
            "cccd": "Số CCCD phải gồm đúng 12 chữ số.",
            "phone": "Số điện thoại này đã được đăng ký.",
            "password": "Mật khẩu quá dễ đoán (“12345678” là mật khẩu hoặc từ rất phổ biến). Hãy dùng một cụm dài hơn, khó đoán hơn, ví dụ ba bốn từ ghép với nhau kèm chữ số hoặc ký hiệu.",
            "confirm": "Mật khẩu nhập lại không khớp.",
        },
        id="the-form-check-does-not-hide-the-services",
    ),
    pytest.param(
        {"phone": "0212", "unit_id": "0", "password": "ngan1", "confirm": "ngan1"},
        {
            "cccd": "Số CCCD này đã được đăng ký. Nếu đó là bạn, hãy đăng nhập hoặc liên hệ ban tổ chức.",
            "phone": "Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).",
            "email": "Email này đã được đăng ký.",
            "unit_id": "Vui lòng chọn đơn vị công tác.",
            "password": "Mật khẩu phải có ít nhất 8 ký tự.",
        },
        id="taken-cccd-and-email-beside-a-bad-phone-and-no-unit",
    ),
])
def test_registration_shows_every_field_error_on_the_first_submit(client, db_session, unit, second, errors):
    """After one registration, a second shows every problem at once: the form's own checks (the confirmation) do
    not hide the service's (format, strength, identifiers already taken), nor a bad phone a taken CCCD or e-mail."""
    assert client.post("/dang-ky", data=_form(unit)).status_code == 302
    client.post("/dang-xuat")
    response = client.post("/dang-ky", data=_form(unit, **second))
    assert response.status_code == 422
    assert _field_errors(response.get_data(as_text=True)) == errors
    assert _user_count(db_session) == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"cccd": "1" * 25}, "Tối đa 20 ký tự."),
        ({"unit_id": "999999"}, "Vui lòng chọn đơn vị công tác."),
        ({"unit_id": "abc"}, "Vui lòng chọn đơn vị công tác."),
    ],
)
def test_registration_messages_are_vietnamese(client, db_session, unit, overrides, message):
    response = client.post("/dang-ky", data=_form(unit, **overrides))
    assert response.status_code == 422
    assert list(_field_errors(response.get_data(as_text=True)).values()) == [message]


@pytest.mark.parametrize(
    "identifier",
    ["0912000111", "+84 912 000 111", "001090000111", "Nhan.Vien@Example.vn"],
    ids=["phone", "phone-international", "cccd", "email-any-case"],
)
def test_login_by_each_identifier(client, make_user, identifier):
    make_user(phone="0912000111", cccd="001090000111", email="nhan.vien@example.vn", full_name="Trần Văn Nhân")
    response = client.post("/dang-nhap", data={"identifier": identifier, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert "Trần Văn Nhân" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("identifier, password", [("0912000111", "sai-mat-khau1"), ("0999999999", TEST_PASSWORD), ("abc", TEST_PASSWORD)])
def test_login_refuses_wrong_credentials(client, make_user, identifier, password):
    make_user(phone="0912000111")
    response = client.post("/dang-nhap", data={"identifier": identifier, "password": password})
    assert response.status_code == 401
    assert "Thông tin đăng nhập không đúng." in response.get_data(as_text=True)


def test_deactivated_account_cannot_log_in(client, db_session, make_user):
    user = make_user(phone="0912000111")
    user.active = False
    db_session.commit()
    response = client.post("/dang-nhap", data={"identifier": "0912000111", "password": TEST_PASSWORD})
    assert "Tài khoản đã bị khóa" in response.get_data(as_text=True)
    assert client.get("/tai-khoan").status_code == 302


def test_login_redirects_only_to_local_next(client, make_user):
    make_user(phone="0912000111")
    data = {"identifier": "0912000111", "password": TEST_PASSWORD}
    assert client.post("/dang-nhap?next=/tai-khoan", data=data).headers["Location"] == "/tai-khoan"
    client.post("/dang-xuat")
    assert client.post("/dang-nhap?next=//evil.example/x", data=data).headers["Location"] == "/"


def test_logout(client, login, make_user):
    login(make_user())
    assert client.get("/tai-khoan").status_code == 200
    assert client.post("/dang-xuat").status_code == 302
    assert client.get("/tai-khoan").status_code == 302


def test_change_password(client, db_session, login, make_user):
    user = login(make_user())
    wrong = client.post("/tai-khoan/doi-mat-khau", data={"current": "sai12345", "new": "Ban-phim-moi-2026", "confirm": "Ban-phim-moi-2026"})
    assert "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    ok = client.post("/tai-khoan/doi-mat-khau", data={"current": TEST_PASSWORD, "new": "Ban-phim-moi-2026", "confirm": "Ban-phim-moi-2026"})
    assert ok.status_code == 302
    client.post("/dang-xuat")
    assert client.post("/dang-nhap", data={"identifier": user.phone, "password": TEST_PASSWORD}).status_code == 401
    assert client.post("/dang-nhap", data={"identifier": user.phone, "password": "Ban-phim-moi-2026"}).status_code == 302


def test_change_password_shows_every_problem_at_once(client, db_session, login, make_user):
    user = login(make_user())
    response = client.post("/tai-khoan/doi-mat-khau", data={"current": "sai12345", "new": "moi", "confirm": "khac"})
    assert response.status_code == 422
    assert _field_errors(response.get_data(as_text=True)) == {
        "current": "Mật khẩu hiện tại không đúng.",
        "new": "Mật khẩu phải có ít nhất 8 ký tự.",
        "confirm": "Mật khẩu nhập lại không khớp.",
    }
    db_session.refresh(user)
    assert verify_password(user.password_hash, TEST_PASSWORD)


def test_production_hashes_passwords_with_argon2id_as_owasp_lists(database_url, tmp_path):
    from werkzeug.security import generate_password_hash

    from contest import create_app
    from contest.passwords import hash_password, verify_nothing, verify_password

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x"}, instance_path=tmp_path)
    with app.app_context():
        stored = hash_password("Matkhau123")
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")  # OWASP: 19 MiB, 2 iterations, 1 lane
        assert verify_password(stored, "Matkhau123") and not verify_password(stored, "Matkhau124")
        verify_nothing("Matkhau123")  # the dummy hash of an unknown account is of the same method
    # Accounts hashed before (werkzeug's scrypt) still log in; a damaged hash is a wrong password, not a 500.
    earlier = generate_password_hash("Matkhau123", method="scrypt")
    assert verify_password(earlier, "Matkhau123") and not verify_password(earlier, "Matkhau124")
    assert not verify_password("$argon2id$v=19$m=19456,t=2,p=1$broken", "Matkhau123")
    dispose_engines(app)


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def test_forms_refuse_posts_without_csrf_token(csrf_client, make_user):
    make_user(phone="0912000111")
    response = csrf_client.post("/dang-nhap", data={"identifier": "0912000111", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_forms_accept_posts_with_the_csrf_token(csrf_client, make_user):
    import re

    make_user(phone="0912000111")
    page = csrf_client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post(
        "/dang-nhap", data={"identifier": "0912000111", "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_login_and_recovery_find_an_email_typed_in_another_unicode_form(client, db_session, make_user):
    """An address with Vietnamese letters typed decomposed (NFD, as some keyboards send it), in capitals, with spaces
    around, names the same account as the address stored at registration."""
    import unicodedata

    from contest.services.users import find_by_identifier

    user = make_user(phone="0912000112", email="Trần.Lan@Bộtưpháp.vn", full_name="Trần Thị Lan")
    assert find_by_identifier(db_session, unicodedata.normalize("NFD", " TRẦN.LAN@BỘTƯPHÁP.VN ")) is user
    assert find_by_identifier(db_session, "tran.lan@botuphap.vn") is None and find_by_identifier(db_session, "@@") is None
    db_session.commit()
    typed = unicodedata.normalize("NFD", "Trần.Lan@Bộtưpháp.vn")
    assert client.post("/dang-nhap", data={"identifier": typed, "password": TEST_PASSWORD}).status_code == 302
