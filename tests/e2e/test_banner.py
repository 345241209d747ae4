"""Issue 18, contest banners in the browser: the organiser's upload (a renamed page refused beside the field, a
picture taken), then the home card and the contest page on a 390×844 phone and at 1280×900 with the banner in its
reserved space (nothing moves when it arrives); the banner is removed again at the end, for the other tests."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.hostile_images import SCRIPT, picture

DEMO_CONTEST = "Cuộc thi trực tuyến tìm hiểu về cải cách hành chính năm 2026"
PHONE, DESKTOP = (390, 844), (1280, 900)


def _upload(page, name: str, content: bytes, mime: str) -> None:
    page.set_input_files("#file", files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.locator("#anh-bia button[type=submit]").first.click()
    page.wait_for_load_state()


def _banner_box(open_page, size, path: str, blocked: bool):
    """The banner's box on `path` for an anonymous visitor, with the picture itself blocked or loaded."""
    page, problems = open_page(*size)
    if blocked:
        page.route("**/anh-bia*", lambda route: route.abort())
    page.goto(path)
    banner = page.locator("img.contest-banner").first
    if not blocked:
        expect(banner).to_have_js_property("complete", True)
        assert banner.evaluate("img => img.naturalWidth") == 1200
    box = banner.bounding_box()
    return page, problems, box


def test_an_organiser_sets_a_banner_and_the_pages_keep_its_space_on_phone_and_desktop(open_page):
    page, problems = open_page(*DESKTOP)
    log_in(page, "0900000002")
    page.goto("/ban-to-chuc/cuoc-thi")
    page.get_by_role("link", name=DEMO_CONTEST).first.click()
    edit_url = page.url
    contest_path = page.get_by_role("link", name="Xem trang dự thi").get_attribute("href")

    _upload(page, "anh-bia.png", b"<html><body>" + SCRIPT + b"</body></html>", "image/png")
    expect(page.locator("#file-error")).to_have_text(
        "Ảnh bìa phải là tệp ảnh PNG, JPEG hoặc WebP; nội dung tệp này không phải ảnh thuộc các định dạng đó (dù tên tệp là gì).")
    expect(page.locator("#file")).to_have_attribute("aria-describedby", "file-error")
    screenshot(page, "desktop-banner-refused")

    page.goto(edit_url)
    _upload(page, "anh-bia.jpg", picture("JPEG", size=(2400, 1260)), "image/jpeg")
    try:
        expect(page.locator("#anh-bia img.contest-banner")).to_be_visible()
        expect(page.locator(".alert-success")).to_contain_text("Đã lưu ảnh bìa cuộc thi")
        screenshot(page, "desktop-banner-organiser")

        for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
            for path, where in (("/", "home"), (contest_path, "contest")):
                _, _, before = _banner_box(open_page, size, path, blocked=True)
                shown, shown_problems, after = _banner_box(open_page, size, path, blocked=False)
                assert after == before, f"{name} {where}: the banner moved the page when it arrived ({before} → {after})"
                assert abs(after["height"] - min(after["width"] * 630 / 1200, 22 * 16)) < 1  # its shape, or 22rem at most
                if where == "home":
                    way_in = shown.get_by_role("link", name="Đăng nhập để thi")
                    assert way_in.bounding_box()["y"] + way_in.bounding_box()["height"] <= size[1]  # still above the fold
                assert shown.locator("img.contest-banner").first.get_attribute("alt") == f"Ảnh bìa cuộc thi {DEMO_CONTEST}"
                screenshot(shown, f"{name}-banner-{where}")
                assert shown_problems.messages == []
    finally:
        page.goto(edit_url)
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Xóa ảnh bìa").click()
        page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_contain_text("Đã xóa ảnh bìa cuộc thi")
    # The refused upload answers 422 by design; Chromium logs that status, nothing else may appear.
    assert [m for m in problems.messages if "status of 422" not in m] == []
