"""The unit pickers in a browser (issue 20, item 3): typing words without diacritics finds a unit by its own name
and its parent's, on the registration form (phone) and in a unit manager's report filter (desktop)."""

from __future__ import annotations

from tests.e2e.conftest import accessibility_problems, log_in, screenshot

PHONE = (390, 844)
DESKTOP = (1366, 768)

VISIBLE_OPTIONS = "(select) => Array.from(select.options).filter(o => !o.hidden).map(o => o.textContent)"


def test_registration_picker_finds_an_office_by_its_department_without_diacritics(open_page):
    page, problems = open_page(*PHONE)
    page.goto("/dang-ky")
    search = page.get_by_role("searchbox", name="Tìm trong danh sách: Đơn vị công tác")
    picker = page.get_by_label("Đơn vị công tác (cán bộ, công chức, viên chức)", exact=True)
    search.fill("van phong tai chinh")
    assert picker.evaluate(VISIBLE_OPTIONS) == ["— Chọn đơn vị —", "Văn phòng Sở — Sở Tài chính (AH-STC-01)"]
    search.fill("ngoc lam")
    found = picker.evaluate(VISIBLE_OPTIONS)[1:]
    assert len(found) == 2 and all(label.startswith("Xã Ngọc Lâm — Huyện ") for label in found) and found[0] != found[1]
    screenshot(page, "phone-register-unit-search")
    assert accessibility_problems(page) == [] and problems.messages == []


def test_report_filter_is_a_searchable_picker_of_the_managers_units(open_page):
    page, problems = open_page(*DESKTOP)
    log_in(page, "0900000003")  # unit manager of Huyện Đông Giang
    page.goto("/bao-cao/")
    page.locator("a[href^='/bao-cao/cuoc-thi/']").first.click()
    page.get_by_role("link", name="Chưa tham gia").first.click()
    picker = page.get_by_label("Đơn vị", exact=True)
    labels = picker.evaluate(VISIBLE_OPTIONS)
    assert labels[0] == "Huyện Đông Giang (AH-HDG)" and all("Huyện Đông Giang" in label for label in labels)
    page.get_by_placeholder("Gõ để tìm đơn vị (không cần dấu)…").fill("dong phong")
    assert picker.evaluate(VISIBLE_OPTIONS) == ["Xã Đông Phong — Huyện Đông Giang (AH-HDG-03)"]
    page.get_by_role("button", name="Xem", exact=True).click()
    page.wait_for_url("**don_vi=AH-HDG-03**")
    assert "Xã Đông Phong — Huyện Đông Giang" in page.locator("main p.text-muted").first.inner_text()
    screenshot(page, "desktop-non-participants-unit-filter")
    assert accessibility_problems(page) == []  # before the click: a button in its hover transition has no settled colour
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel").click()
    assert download.value.suggested_filename == "chua-tham-gia-AH-HDG-03.xlsx"
    assert problems.messages == []
