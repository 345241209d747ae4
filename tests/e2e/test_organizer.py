"""An organiser on a 1366×768 desktop: import the template workbook, build a contest and a round, dashboard, results workbook."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from contest.timeutil import to_local, utcnow
from question_bank.excel import template
from tests.e2e.conftest import accessibility_problems, log_in, screenshot

DESKTOP = (1366, 768)


def local_input(moment) -> str:
    return to_local(moment).strftime("%d/%m/%Y %H:%M")


def test_organizer_on_a_desktop(open_page, tmp_path):
    page, problems = open_page(*DESKTOP)
    log_in(page, "0900000002")

    # A bank, filled from the template workbook: upload, preview, confirm.
    page.get_by_role("link", name="Ngân hàng câu hỏi").click()
    page.get_by_label("Tên ngân hàng câu hỏi").fill("Ngân hàng E2E")
    page.get_by_role("button", name="Tạo ngân hàng").click()
    page.get_by_role("link", name="Nhập câu hỏi").click()
    workbook = tmp_path / "mau-ngan-hang.xlsx"
    workbook.write_bytes(template())
    page.get_by_label("Tệp câu hỏi").set_input_files(str(workbook))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    assert "3 thay đổi (3 câu mới, 0 câu thay đổi, 0 câu không đổi)" in page.locator("#preview-title + p").inner_text()
    screenshot(page, "desktop-import-preview")
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="Xác nhận ghi 3 thay đổi").click()
    page.get_by_text("Đã nhập tệp mau-ngan-hang.xlsx").wait_for()
    assert page.locator("article.card").count() == 3

    # A contest with one round drawing the three questions, published.
    page.get_by_role("link", name="Quản lý cuộc thi").click()
    page.get_by_role("link", name="Tạo cuộc thi").click()
    page.get_by_label("Tên cuộc thi").fill("Thi thử của ban tổ chức")
    page.get_by_label(re.compile("^Thể lệ")).fill("<p>Mỗi người thi một lượt.</p>")
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="Tạo cuộc thi").click()
    page.get_by_text("Đã tạo cuộc thi").wait_for()
    page.get_by_role("link", name="Thêm vòng thi").click()
    now = utcnow()
    page.get_by_label("Tên vòng thi").fill("Vòng thử")
    page.get_by_label("Bắt đầu (giờ Việt Nam, dd/mm/yyyy HH:mm)").fill(local_input(now - timedelta(minutes=5)))
    page.get_by_label("Kết thúc (giờ Việt Nam, dd/mm/yyyy HH:mm)").fill(local_input(now + timedelta(days=7)))
    page.get_by_label("Thời gian làm bài (phút)").fill("10")
    page.locator("#blueprint-0-bank_id").select_option(label="Ngân hàng E2E")
    page.locator("#blueprint-0-count").fill("3")
    screenshot(page, "desktop-round")
    page.get_by_role("button", name="Lưu vòng thi").click()
    page.get_by_text("Đã lưu vòng thi").wait_for()
    page.get_by_role("button", name="Công bố cuộc thi").click()
    page.get_by_text(re.compile("Đã công bố cuộc thi")).wait_for()
    assert "3 câu, 10 phút" in page.content()
    screenshot(page, "desktop-contest")

    # The dashboard of the demo contest, and its results workbook.
    page.get_by_role("link", name="Báo cáo").click()
    page.get_by_role("link", name=re.compile("Cuộc thi trực tuyến tìm hiểu")).click()
    page.get_by_text("Người tham gia").first.wait_for()
    page.locator("#score-chart[style]").wait_for()  # Chart.js drew it (a selector: CSP forbids the eval of wait_for_function)
    screenshot(page, "desktop-dashboard")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Xuất kết quả, xếp hạng (.xlsx)").click()
    sheet = load_workbook(io.BytesIO(download_info.value.path().read_bytes())).active
    assert sheet["A1"].value == "KẾT QUẢ VÀ XẾP HẠNG"
    assert [c.value for c in sheet[6]][:6] == ["Hạng", "Họ và tên", "Mã đơn vị", "Đơn vị", "Đơn vị cấp trên", "Điểm"]
    page.get_by_role("link", name="Tham gia theo đơn vị").click()
    assert page.locator("#participation-table tbody tr").count() >= 100
    screenshot(page, "desktop-participation")
    assert problems.messages == []
