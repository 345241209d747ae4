"""Issue 18, practice ("Ôn tập") on a 390×844 phone and at 1366×768: from the home page to a topic of the demo bank,
answering one question (no key on the page before), the verdict with the key, the explanation and the "Căn cứ",
then "Câu tiếp theo"; the same answer once more with JavaScript off; the organiser's setting on the bank page."""

from __future__ import annotations

import re

from question_bank.sample import SAMPLE_BANK_NAME
from tests.e2e.conftest import SCREENSHOTS, accessibility_problems, log_in, screenshot
from tests.e2e.test_home import PASSWORD, new_participant

PHONE = (390, 844)
DESKTOP = (1366, 768)


def answer_first_choice(page) -> str:
    """Tick the first choice of the question shown and send it; the text of the question."""
    text = page.locator(".practice-question legend").inner_text()
    page.locator(".practice-question .form-check-input").first.check()
    page.get_by_role("button", name="Trả lời").click()
    page.wait_for_url(re.compile(r".*/on-tap/chu-de/\d+/cau/\d+$"))
    return text


def test_practising_on_a_phone_with_feedback(open_page, e2e_database):
    new_participant(e2e_database, "0912345021", "001190000021")
    page, problems = open_page(*PHONE)
    log_in(page, "0912345021", PASSWORD)
    page.get_by_role("link", name="Vào ôn tập").click()
    page.wait_for_url("**/on-tap")
    assert page.get_by_text("Đã làm 0/").count() == 2  # the demo's two open topics
    screenshot(page, "phone-practice-topics")
    assert accessibility_problems(page) == []

    page.get_by_role("link", name=re.compile("Bắt đầu ôn tập chủ đề Chính quyền điện tử")).click()
    page.wait_for_url(re.compile(r".*/on-tap/chu-de/\d+$"))
    content = page.content()
    assert "Căn cứ" not in content and "Đáp án đúng" not in content and "Giải thích" not in content
    screenshot(page, "phone-practice-question")
    assert accessibility_problems(page) == []

    question = answer_first_choice(page)
    verdict = page.locator("#practice-verdict").inner_text()
    assert verdict.startswith(("Đúng!", "Chưa đúng."))
    assert page.get_by_text("Đáp án đúng").count() >= 1 and page.get_by_text("Căn cứ:").count() == 1
    assert page.get_by_text(re.compile(r"Đã làm 1/\d+, đúng [01]")).is_visible()
    screenshot(page, "phone-practice-feedback")
    assert accessibility_problems(page) == []

    page.get_by_role("link", name="Câu tiếp theo").click()
    page.wait_for_url(re.compile(r".*/on-tap/chu-de/\d+$"))
    assert page.locator(".practice-question legend").inner_text() != question  # an unanswered one comes next
    assert problems.messages == []


def test_practising_without_javascript_and_on_a_desktop(open_page, browser, live_server, e2e_database):
    new_participant(e2e_database, "0912345022", "001190000022")
    # Its own context, outside open_page: axe-core cannot run where JavaScript is off.
    no_script = browser.new_context(viewport=dict(zip(("width", "height"), PHONE)), base_url=live_server, java_script_enabled=False)
    try:
        page = no_script.new_page()
        log_in(page, "0912345022", PASSWORD)
        page.goto("/on-tap")
        page.get_by_role("link", name=re.compile("Bắt đầu ôn tập chủ đề Cải cách thủ tục")).click()
        answer_first_choice(page)
        assert page.get_by_text("Căn cứ:").count() == 1 and page.get_by_role("link", name="Câu tiếp theo").is_visible()
    finally:
        no_script.close()

    desktop, problems = open_page(*DESKTOP)
    log_in(desktop, "0912345022", PASSWORD)
    desktop.goto("/on-tap")
    assert desktop.get_by_text(re.compile(r"Đã làm 1/\d+, đúng [01]")).is_visible()
    screenshot(desktop, "desktop-practice-topics")
    desktop.get_by_role("link", name=re.compile("Ôn tiếp chủ đề Cải cách thủ tục")).click()
    screenshot(desktop, "desktop-practice-question")
    answer_first_choice(desktop)
    screenshot(desktop, "desktop-practice-feedback")
    assert accessibility_problems(desktop) == []
    assert problems.messages == []


def test_the_organiser_sees_the_practice_setting(open_page):
    page, problems = open_page(*DESKTOP)
    log_in(page, "0900000002")
    page.goto("/ban-to-chuc/ngan-hang")
    page.get_by_role("link", name=SAMPLE_BANK_NAME).first.click()
    section = page.locator("section[aria-labelledby=practice-title]")
    assert "Mở 2 chủ đề" in section.inner_text() and "Cho phép ôn tập dù đang dùng trong cuộc thi" in section.inner_text()
    section.screenshot(path=str(SCREENSHOTS / "desktop-bank-practice.png"))
    phone, _ = open_page(*PHONE)
    log_in(phone, "0900000002")
    phone.goto(page.url)
    phone.locator("section[aria-labelledby=practice-title]").screenshot(
        path=str(SCREENSHOTS / "phone-bank-practice.png"))
    assert problems.messages == []
