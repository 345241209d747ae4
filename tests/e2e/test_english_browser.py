"""Dates read as Vietnamese in a browser set to English (issue 20, item 5): Chromium's own date inputs follow the
browser's language (mm/dd/yyyy, a 12-hour clock in en-US), so the app's date and time fields are text boxes
typed and shown as dd/mm/yyyy HH:mm whatever the language; numbers and dates on the pages are the app's own."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.e2e.conftest import PageProblems, log_in, screenshot

DESKTOP = (1366, 768)
DATE_AND_TIME = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


def _english_page(browser, live_server, axe_watch):
    context = browser.new_context(viewport={"width": DESKTOP[0], "height": DESKTOP[1]}, locale="en-US", base_url=live_server)
    context.on("page", axe_watch.watch)
    page = context.new_page()
    return context, page, PageProblems(page)


def test_an_english_browser_types_and_reads_dates_day_first(browser, live_server, axe_watch, e2e_engine):
    with e2e_engine.connect() as connection:
        contest_id, round_id = connection.execute(text("SELECT contest_id, id FROM rounds ORDER BY id LIMIT 1")).one()
    context, page, problems = _english_page(browser, live_server, axe_watch)
    try:
        assert page.evaluate("navigator.language") == "en-US"
        log_in(page, "0900000002")
        page.goto(f"/ban-to-chuc/cuoc-thi/{contest_id}/vong/{round_id}")
        for name in ("opens_at", "closes_at"):
            box = page.locator(f"#{name}")
            assert box.get_attribute("type") == "text" and box.get_attribute("placeholder") == "dd/mm/yyyy HH:mm"
            assert DATE_AND_TIME.match(box.input_value()), box.input_value()
        screenshot(page, "english-browser-round-form")

        # 05/11 is the fifth of November: read month first it would be the eleventh of May.
        page.goto("/bao-cao/dinh-ky")
        page.get_by_label("Kỳ báo cáo").select_option(label="Chọn ngày")
        start = page.get_by_label("Từ ngày")
        assert start.get_attribute("type") == "text" and start.get_attribute("placeholder") == "dd/mm/yyyy"
        start.fill("05/11/2026")
        page.get_by_label("Đến ngày").fill("4/12/2026")
        page.get_by_role("button", name="Xem báo cáo").click()
        page.wait_for_url("**tu_ngay=05%2F11%2F2026**")
        assert page.get_by_role("heading", name="Từ 05/11/2026 đến 04/12/2026").is_visible()
        screenshot(page, "english-browser-period-report")
        assert problems.messages == []
    finally:
        axe_watch.check(page)
        context.close()
    assert axe_watch.findings == []
