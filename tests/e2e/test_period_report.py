"""The period report in a browser: an organiser picks any dates on a desktop (the date boxes show for "Chọn ngày"
only), opens the printable view and downloads the workbook; a unit manager reads their own district's report on a
phone without the page scrolling sideways."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import accessibility_problems, log_in, screenshot

PHONE = (390, 844)
DESKTOP = (1366, 768)


def test_an_organiser_reports_on_any_dates_prints_and_exports(open_page):
    page, problems = open_page(*DESKTOP)
    log_in(page, "0900000002")
    page.goto("/bao-cao/")
    page.get_by_role("link", name="Báo cáo định kỳ").click()
    start = page.get_by_label("Từ ngày")
    expect(start).to_be_hidden()  # a named period: no dates to type (hidden by the page's script once it runs)
    page.get_by_label("Kỳ báo cáo").select_option(label="Chọn ngày")
    start.fill("01/10/2026")
    page.get_by_label("Đến ngày").fill("31/12/2026")
    page.get_by_role("button", name="Xem báo cáo").click()
    page.wait_for_url("**tu_ngay=01%2F10%2F2026**")
    assert page.get_by_role("heading", name="Từ 01/10/2026 đến 31/12/2026").is_visible()
    assert page.locator("#period-table tbody tr").first.get_attribute("data-unit") == "AH"
    assert accessibility_problems(page) == []
    screenshot(page, "desktop-period-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel").click()
    assert download.value.suggested_filename == "bao-cao-dinh-ky-AH-20261001-20261231.xlsx"
    page.get_by_role("link", name="Bản in (A4)").click()
    assert page.get_by_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").is_visible()
    assert page.get_by_role("button", name="In báo cáo").is_visible()
    screenshot(page, "desktop-period-report-print")
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="In báo cáo").is_visible()  # paper shows the report only
    assert page.get_by_text("THỦ TRƯỞNG ĐƠN VỊ").is_visible()
    assert problems.messages == []


def test_a_unit_manager_reads_their_district_on_a_phone(open_page):
    page, problems = open_page(*PHONE)
    log_in(page, "0900000003")  # unit manager of Huyện Đông Giang
    page.goto("/bao-cao/dinh-ky?ky=nam-nay")
    rows = page.locator("#period-table tbody tr")
    assert rows.first.get_attribute("data-unit") == "AH-HDG" and rows.count() > 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    assert accessibility_problems(page) == []
    screenshot(page, "phone-period-report")
    page.get_by_role("link", name="Bản in (A4)").click()
    page.wait_for_load_state("load")  # its own stylesheet applied (a busy CI machine measured the page before it)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]  # the table scrolls inside the sheet
    screenshot(page, "phone-period-report-print")
    assert problems.messages == []
