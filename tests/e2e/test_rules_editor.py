"""The rules editor: Markdown typed in the contest form shows at once in a preview rendered by the server."""

from __future__ import annotations

from tests.e2e.conftest import log_in, screenshot


def test_the_rules_preview_follows_the_typing(open_page):
    page, problems = open_page(390, 844)
    log_in(page, "0900000002")
    page.goto("/ban-to-chuc/cuoc-thi/moi")
    preview = page.locator("#rules-preview")
    assert preview.is_hidden()  # nothing typed yet
    page.get_by_label("Thể lệ", exact=True).fill("**Đối tượng:** cán bộ\nngười dân\n\n- Thi trực tuyến\n<script>alert(1)</script>")
    preview.locator("strong", has_text="Đối tượng:").wait_for()
    html = preview.locator(".contest-rules").inner_html()
    assert "cán bộ<br>" in html and "<li>Thi trực tuyến</li>" in html and "script" not in html
    screenshot(page, "phone-rules-preview")
    page.get_by_label("Thể lệ", exact=True).fill("")
    preview.wait_for(state="hidden")
    assert problems.messages == []
