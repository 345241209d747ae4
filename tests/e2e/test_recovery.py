"""On a 390×844 phone: a person who forgot their password gets a one-time link from their unit's manager and
sets a new password; an admin corrects a person's unit, which ends that person's session; a participant asks to
move unit and the unit's manager sees the request; another, registered in the wrong unit, asks to move and the
manager approves, which ends their session. Every new page is checked and photographed."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import text

from contest import create_app, db
from contest.models import Role, Unit
from contest.services import users as user_service
from tests.e2e.conftest import accessibility_problems, log_in, screenshot
from contest.db import dispose_engines

PHONE = (390, 844)
OLD_PASSWORD = "Cay-da-dau-lang-5"
NEW_PASSWORD = "Thuyen-giay-mua-ha-7"


def _person(database_url: str, phone: str, cccd: str, name: str, unit_code: str = "AH-HDG-03") -> None:
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "e2e"})
    with app.app_context():
        unit = db.session.query(Unit).filter_by(code=unit_code).one()
        user_service.create_user(db.session, full_name=name, phone=phone, cccd=cccd, password=OLD_PASSWORD,
                                 role=Role.participant, unit=unit)
        db.session.commit()
    dispose_engines(app)


def _checked(page, problems, name: str) -> None:
    screenshot(page, name)
    assert accessibility_problems(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} scrolls sideways"
    assert problems.messages == [], name


def test_recovery_by_a_link_from_the_unit_manager(open_page, e2e_database, e2e_engine):
    _person(e2e_database, "0915000101", "001090000101", "Hoàng Văn Quên")
    person, person_problems = open_page(*PHONE)
    person.goto("/dang-nhap")
    person.get_by_role("link", name="Quên mật khẩu?").click()
    person.wait_for_url("**/quen-mat-khau")
    assert "quản lý đơn vị" in person.locator("#no-mail").inner_text()  # no SMTP on this server
    _checked(person, person_problems, "recovery-forgot-password-phone")

    manager, manager_problems = open_page(*PHONE)
    log_in(manager, "0900000003")
    manager.goto("/nguoi-dung/?q=0915000101")
    _checked(manager, manager_problems, "recovery-manager-people-phone")
    manager.on("dialog", lambda dialog: dialog.accept())
    manager.get_by_role("button", name="Liên kết đặt lại mật khẩu").click()
    manager.wait_for_selector("#reset-link")
    link = manager.locator("#reset-link").input_value()
    manager.context.grant_permissions(["clipboard-read", "clipboard-write"])
    manager.emulate_media(reduced_motion="reduce")  # no colour transition under the pointer when axe-core looks
    manager.get_by_role("button", name="Sao chép liên kết").click()
    manager.get_by_role("status").filter(has_text="Đã sao chép.").wait_for()
    assert manager.evaluate("navigator.clipboard.readText()") == link  # to paste into Zalo
    _checked(manager, manager_problems, "recovery-reset-link-phone")

    person.goto(urlsplit(link).path)
    assert "Hoàng Văn Quên" in person.content()
    person.get_by_label("Mật khẩu mới (ít nhất 8 ký tự, khó đoán)").fill("12345678")
    person.get_by_label("Nhập lại mật khẩu mới").fill("12345678")
    person.get_by_role("button", name="Lưu mật khẩu mới").click()
    assert person.locator(".invalid-feedback").count() >= 1  # the password policy applies
    # The refused form answers 422, which Chromium reports on the console: that one is the point here.
    person_problems.messages = [m for m in person_problems.messages if "422" not in m]
    _checked(person, person_problems, "recovery-reset-password-phone")
    person.get_by_label("Mật khẩu mới (ít nhất 8 ký tự, khó đoán)").fill(NEW_PASSWORD)
    person.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Lưu mật khẩu mới").click()
    person.wait_for_url("**/dang-nhap")
    assert "Đã đặt mật khẩu mới" in person.content()
    log_in(person, "0915000101", NEW_PASSWORD)
    person.goto(urlsplit(link).path)
    assert "không còn hiệu lực" in person.locator("#reset-problem").inner_text()  # once
    person_problems.messages = [m for m in person_problems.messages if "400" not in m]  # that page's own status
    assert person_problems.messages == [] and manager_problems.messages == []
    with e2e_engine.connect() as connection:
        actions = connection.execute(text("SELECT action FROM audit_log WHERE action LIKE 'user.%' ORDER BY id")).scalars().all()
    assert "user.reset_link_issued" in actions and "user.password_reset_by_link" in actions


def test_an_admin_corrects_a_unit_and_a_participant_asks_to_move(open_page, e2e_database, e2e_engine):
    _person(e2e_database, "0915000202", "001090000202", "Đỗ Thị Nhầm")
    with e2e_engine.connect() as connection:
        person_id = connection.execute(text("SELECT id FROM users WHERE phone = '0915000202'")).scalar_one()
        new_unit_id = connection.execute(text("SELECT id FROM units WHERE code = 'AH-HDG-04'")).scalar_one()
        new_unit_name = connection.execute(text("SELECT name FROM units WHERE code = 'AH-HDG-04'")).scalar_one()
    person, person_problems = open_page(*PHONE)
    log_in(person, "0915000202", OLD_PASSWORD)

    # The participant asks to move; the district's manager sees the request.
    person.goto("/tai-khoan")
    person.get_by_role("link", name="Đăng ký sai đơn vị? Yêu cầu chuyển đơn vị").click()
    person.get_by_label("Đơn vị muốn chuyển đến", exact=True).select_option(value=str(new_unit_id))
    person.get_by_label("Lý do (không bắt buộc)").fill("Đăng ký nhầm xã")
    _checked(person, person_problems, "correction-request-move-phone")
    person.get_by_role("button", name="Gửi yêu cầu").click()
    person.wait_for_url("**/tai-khoan")
    assert new_unit_name in person.locator("#pending-move").inner_text()
    manager, manager_problems = open_page(*PHONE)
    log_in(manager, "0900000003")
    manager.goto("/nguoi-dung/yeu-cau-chuyen-don-vi")
    assert "Đỗ Thị Nhầm" in manager.content()
    _checked(manager, manager_problems, "correction-move-requests-phone")

    # An admin corrects the unit instead (which settles the request) and the person's session ends.
    admin, admin_problems = open_page(*PHONE)
    log_in(admin, "0900000001")
    admin.goto("/quan-tri/nguoi-dung?q=0915000202")
    admin.get_by_role("link", name="Sửa thông tin của Đỗ Thị Nhầm").click()
    admin.wait_for_url(f"**/nguoi-dung/{person_id}/sua**")
    admin.get_by_label("Đơn vị công tác (cán bộ, công chức, viên chức)", exact=True).select_option(value=str(new_unit_id))
    _checked(admin, admin_problems, "correction-edit-person-phone")
    admin.get_by_role("button", name="Lưu thay đổi").click()
    admin.wait_for_url("**/quan-tri/nguoi-dung?q=0915000202")
    assert "Đã sửa thông tin của Đỗ Thị Nhầm" in admin.content() and new_unit_name in admin.content()

    person.goto("/tai-khoan")
    person.wait_for_url("**/dang-nhap**")  # the correction ended the session
    log_in(person, "0915000202", OLD_PASSWORD)
    person.goto("/tai-khoan")
    assert person.locator("#my-unit").inner_text() == new_unit_name and person.locator("#pending-move").count() == 0
    with e2e_engine.connect() as connection:
        status = connection.execute(text("SELECT status FROM unit_change_requests WHERE user_id = :u"), {"u": person_id}).scalar_one()
        summary = connection.execute(text("SELECT summary FROM audit_log WHERE action = 'user.correct' ORDER BY id DESC")).first()[0]
    assert status == "cancelled" and new_unit_name in summary
    assert person_problems.messages == [] and manager_problems.messages == [] and admin_problems.messages == []


def test_the_new_pages_on_a_desktop(open_page, e2e_engine):
    with e2e_engine.connect() as connection:
        person_id = connection.execute(text("SELECT id FROM users WHERE phone = '0900000004'")).scalar_one()
    visitor, problems = open_page(1366, 768)
    visitor.goto("/quen-mat-khau")
    _checked(visitor, problems, "recovery-forgot-password-desktop")
    admin, problems = open_page(1366, 768)
    log_in(admin, "0900000001")
    for path, name in (("/nguoi-dung/", "people"), ("/nguoi-dung/yeu-cau-chuyen-don-vi", "move-requests"),
                       (f"/nguoi-dung/{person_id}/sua", "edit-person")):
        admin.goto(path)
        _checked(admin, problems, f"correction-{name}-desktop")


def test_a_participant_in_the_wrong_unit_asks_to_move_and_the_manager_approves(open_page, e2e_database, e2e_engine):
    _person(e2e_database, "0915000303", "001090000303", "Vũ Văn Chuyển")
    with e2e_engine.connect() as connection:
        target_id, target_name = connection.execute(text("SELECT id, name FROM units WHERE code = 'AH-HDG-05'")).one()
    person, person_problems = open_page(*PHONE)
    log_in(person, "0915000303", OLD_PASSWORD)
    person.goto("/nguoi-dung/chuyen-don-vi")
    person.get_by_label("Tìm trong danh sách: Đơn vị muốn chuyển đến").fill(target_name.lower())  # the picker's search
    person.get_by_label("Đơn vị muốn chuyển đến", exact=True).select_option(value=str(target_id))
    person.get_by_role("button", name="Gửi yêu cầu").click()
    person.wait_for_url("**/tai-khoan")

    manager, manager_problems = open_page(*PHONE)
    log_in(manager, "0900000003")
    manager.goto("/nguoi-dung/yeu-cau-chuyen-don-vi")
    row = manager.locator("tr", has_text="Vũ Văn Chuyển")
    row.get_by_label("Ghi chú cho yêu cầu của Vũ Văn Chuyển").fill("Đã xác minh qua điện thoại")
    row.get_by_role("button", name="Duyệt").click()
    manager.wait_for_url("**/nguoi-dung/yeu-cau-chuyen-don-vi")
    assert "Đã duyệt: Vũ Văn Chuyển" in manager.locator(".alert-success").inner_text()
    _checked(manager, manager_problems, "correction-move-approved-phone")

    person.goto("/tai-khoan")
    person.wait_for_url("**/dang-nhap**")  # the approval ended the person's session
    log_in(person, "0915000303", OLD_PASSWORD)
    person.goto("/tai-khoan")
    assert person.locator("#my-unit").inner_text() == target_name and person.locator("#pending-move").count() == 0
    _checked(person, person_problems, "correction-moved-profile-phone")
    with e2e_engine.connect() as connection:
        actions = connection.execute(text("SELECT action FROM audit_log WHERE action LIKE 'user.move%' ORDER BY id")).scalars().all()
    assert actions[-2:] == ["user.move_requested", "user.move_approved"]
    assert person_problems.messages == [] and manager_problems.messages == []
