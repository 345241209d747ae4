"""An organiser adds a question by hand (on a phone and a desktop), re-imports the exported bank (0 thay đổi),
and opens the regrade pages of the demo contest: every page labelled, without console errors."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import accessibility_problems, log_in, screenshot


@pytest.mark.parametrize("size, name", [((390, 844), "phone"), ((1366, 768), "desktop")])
def test_bank_editing_and_the_regrade_pages(open_page, tmp_path, size, name):
    page, problems = open_page(*size)
    log_in(page, "0900000002")
    page.goto("/ban-to-chuc/ngan-hang")
    page.get_by_role("link", name=re.compile("Ngân hàng mẫu")).first.click()
    bank_url = page.url
    page.get_by_role("link", name="Thêm câu hỏi").click()
    page.get_by_role("button", name="Thêm câu hỏi").click()
    assert page.locator(".alert-danger li").count() >= 4  # every problem at once
    assert accessibility_problems(page) == []
    screenshot(page, f"{name}-new-question-errors")
    page.get_by_label("Chủ đề").fill("Câu hỏi thêm tay")
    page.get_by_label("Câu hỏi", exact=True).fill(f"Câu hỏi thêm bằng tay trên {name}?")
    page.get_by_label("Phương án A").fill("Đúng là như vậy")
    page.get_by_label("Phương án B").fill("Không phải")
    page.get_by_label("Đáp án (ví dụ: B hoặc A, C)").fill("A")
    page.get_by_role("button", name="Thêm câu hỏi").click()
    page.get_by_text("Đã thêm câu hỏi").wait_for()

    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel").click()
    exported = tmp_path / "xuat.xlsx"
    download.value.save_as(exported)
    page.goto(bank_url)
    page.get_by_role("link", name="Nhập câu hỏi").click()
    page.get_by_label("Tệp câu hỏi").set_input_files(str(exported))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    assert page.locator("#preview-title + p").inner_text().startswith("0 thay đổi (0 câu mới, 0 câu thay đổi,")
    assert page.get_by_role("button", name=re.compile("Xác nhận")).count() == 0
    assert accessibility_problems(page) == []
    screenshot(page, f"{name}-import-identical")

    page.goto("/ban-to-chuc/cuoc-thi")
    page.get_by_role("link", name=re.compile("Cuộc thi")).filter(has_text="2026").first.click()
    page.get_by_role("link", name="Chấm lại").click()
    page.get_by_role("heading", name="Chấm lại bài thi").wait_for()
    assert accessibility_problems(page) == []
    screenshot(page, f"{name}-regrade-questions")
    # The refused form answers 422 by design; Chromium logs that status, nothing else may appear.
    assert [m for m in problems.messages if "status of 422" not in m] == []
