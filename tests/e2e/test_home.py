"""Issue 18 on a 390×844 phone: from the home page into the running contest in one tap; in one-question mode a reload,
or the attempt opened on another device, stays on the question the participant was on."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect
from sqlalchemy import text

from contest import create_app, db
from contest.models import Unit
from contest.services import users as user_service
from tests.e2e.conftest import accessibility_problems, log_in, screenshot
from contest.db import dispose_engines

PHONE = (390, 844)
PASSWORD = "Hoa-mai-2026!"


def new_participant(database_url: str, phone: str, cccd: str) -> None:
    """A participant of the demo province who has not taken part yet (the demo accounts serve other tests)."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "e2e"})
    with app.app_context():
        unit = db.session.query(Unit).filter_by(code="AH").one()
        user_service.create_user(db.session, role="participant", unit=unit, full_name="Đỗ Thị Trang Chủ", phone=phone,
                                 cccd=cccd, password=PASSWORD)
        db.session.commit()
    dispose_engines(app)


def current_position(engine, attempt_id: int) -> int | None:
    with engine.connect() as connection:
        return connection.execute(text("SELECT current_position FROM attempts WHERE id = :a"), {"a": attempt_id}).scalar()


def wait_for_position(engine, attempt_id: int, position: int) -> None:
    for _ in range(50):
        if current_position(engine, attempt_id) == position:
            return
        time.sleep(0.1)
    raise AssertionError(f"position {position} never reached the server (last: {current_position(engine, attempt_id)})")


def shown_question(page) -> str:
    """The number of the question shown in one-question mode (the map's current item)."""
    return page.locator(".map-item.current").inner_text()


def test_home_to_the_attempt_in_one_tap_and_back_to_the_same_question(open_page, e2e_database, e2e_engine):
    new_participant(e2e_database, "0912345018", "001190000018")
    page, problems = open_page(*PHONE)
    page.goto("/")
    assert page.get_by_role("link", name="Đăng nhập để thi").is_visible()
    assert page.get_by_role("link", name="Đăng ký", exact=True).first.is_visible()
    countdown = page.locator(".countdown").first
    first = countdown.inner_text()
    # the countdown ticks (within a second; a busy CI machine may delay the browser's timers, hence the margin)
    expect(countdown).not_to_have_text(first, timeout=10_000)
    screenshot(page, "phone-home-anonymous")
    assert accessibility_problems(page) == []

    log_in(page, "0912345018", PASSWORD)  # logging in lands on the home page
    enter = page.get_by_role("button", name="Vào thi")
    assert enter.is_visible() and enter.bounding_box()["y"] + enter.bounding_box()["height"] <= PHONE[1]  # above the fold
    screenshot(page, "phone-home-participant")
    assert accessibility_problems(page) == []
    enter.click()  # one tap
    page.wait_for_url(re.compile(r".*/bai-thi/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    assert page.get_by_role("button", name="Xem tất cả các câu").is_visible()  # phones start one question at a time
    assert shown_question(page) == "1"

    page.get_by_role("button", name="Câu sau").click()
    page.get_by_role("button", name="Câu sau").click()
    assert shown_question(page) == "3"
    wait_for_position(e2e_engine, attempt_id, 3)
    page.reload()
    assert shown_question(page) == "3" and page.locator("fieldset.question:visible legend").inner_text().startswith("Câu 3")

    other_device, other_problems = open_page(*PHONE)
    log_in(other_device, "0912345018", PASSWORD)
    continue_link = other_device.get_by_role("link", name="Tiếp tục bài thi")
    assert continue_link.is_visible()
    continue_link.click()
    other_device.wait_for_url(re.compile(rf".*/bai-thi/{attempt_id}$"))
    assert shown_question(other_device) == "3"  # the server knows where the participant was
    other_device.locator(".map-item").nth(4).click()
    wait_for_position(e2e_engine, attempt_id, 5)
    page.reload()
    assert shown_question(page) == "5"
    assert problems.messages == [] and other_problems.messages == []
