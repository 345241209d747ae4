"""The period report's page, printable view, workbook and command (the figures themselves: tests/services/test_period_report.py,
on the same tree)."""

from __future__ import annotations

import html as html_lib
import io
import re
from urllib.parse import parse_qs

import pytest
from openpyxl import load_workbook

from contest.models import Role
from tests.services.test_period_report import tree  # noqa: F401  (the fixture)

WEEK = "ky=tu-chon&tu_ngay=23/11/2026&den_ngay=29/11/2026"


def _page(client, query: str, expected: int = 200) -> str:
    with client.get(f"/bao-cao/dinh-ky?{query}") as response:
        assert response.status_code == expected, response.get_data(as_text=True)[:400]
        return response.get_data(as_text=True)


def test_an_organiser_sees_their_tree_for_any_dates(client, clock, login_as, tree):
    province, _ = tree
    login_as(Role.organizer, unit=province)
    html = _page(client, WEEK)
    assert "Từ 23/11/2026 đến 29/11/2026" in html and "So sánh với kỳ trước: Từ 16/11/2026 đến 22/11/2026." in html
    assert [code for code in ("P", "P-A", "P-A1", "P-B") if f'data-unit="{code}"' in html] == ["P", "P-A", "P-A1", "P-B"]
    row = html.split('data-unit="P-A"')[1].split("</tr>")[0]
    for figure in ("7", "28,6%", "75,0%", "14,3%", "85,7%", "+28,6"):
        assert f">{figure}<" in row, figure
    assert "dưới ngưỡng" in html.split('data-unit="P-B"')[1].split("</tr>")[0]
    for path in ("/bao-cao/dinh-ky/ban-in", "/bao-cao/dinh-ky/bao-cao.xlsx"):  # the same choices
        link = re.search(f'href="{re.escape(path)}\\?([^"]+)"', html).group(1)
        assert parse_qs(html_lib.unescape(link)) == parse_qs(WEEK)
    assert "Cuộc thi hai (1 lượt); Cuộc thi một (2 lượt)" in html


def test_the_quarter_follows_the_cut_off_day(app, client, clock, login_as, tree):
    province, _ = tree
    login_as(Role.organizer, unit=province)
    assert "Quý IV năm 2026 (01/10/2026 – 31/12/2026)" in _page(client, "")  # today 23/11/2026, calendar quarters
    app.config["REPORT_CUTOFF_DAY"] = 14
    assert "Quý IV năm 2026 (15/09/2026 – 14/12/2026)" in _page(client, "ky=quy-nay")
    assert "Năm 2025 (15/12/2024 – 14/12/2025)" in _page(client, "ky=nam-truoc")


def test_a_unit_manager_sees_their_own_subtree_only(client, clock, login_as, tree):
    province, district = tree
    login_as(Role.unit_manager, unit=district)
    html = _page(client, WEEK)
    assert 'data-unit="P-B"' in html and 'data-unit="P"' not in html and 'value="P-A"' not in html
    for path in ("/bao-cao/dinh-ky", "/bao-cao/dinh-ky/ban-in", "/bao-cao/dinh-ky/bao-cao.xlsx"):
        assert client.get(f"{path}?don_vi=P-A&{WEEK}").status_code == 403
        assert client.get(f"{path}?don_vi=P&{WEEK}").status_code == 403
    assert client.get("/bao-cao/dinh-ky?don_vi=KHONG-CO").status_code == 404
    assert "Báo cáo định kỳ" in client.get("/bao-cao/").get_data(as_text=True)


def test_a_participant_is_refused(client, login_as, tree):
    _, district = tree
    login_as(Role.participant, unit=district)
    assert client.get("/bao-cao/dinh-ky").status_code == 403


@pytest.mark.parametrize("query, message", [
    ("ky=tu-chon&tu_ngay=31/11/2026&den_ngay=01/12/2026", "Ngày 31/11/2026 không có trong lịch."),
    ("ky=tu-chon&tu_ngay=2026-11-01&den_ngay=01/12/2026", "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 24/11/2026."),
    ("ky=tu-chon&tu_ngay=02/12/2026&den_ngay=01/12/2026", "Ngày kết thúc (01/12/2026) phải từ ngày bắt đầu (02/12/2026) trở đi."),
    ("ky=tu-chon&tu_ngay=01/12/2026", "Nhập ngày kết thúc (dạng dd/mm/yyyy) khi chọn kỳ “Chọn ngày”."),
    ("ky=tu-chon&tu_ngay=01/01/2020&den_ngay=01/01/2026", "Kỳ báo cáo dài tối đa 5 năm."),
    ("ky=quy-sau", "Lựa chọn không hợp lệ."),
    ("dat=0", "Số phải từ 1 đến 100."),
    ("chi_tieu=abc", "Phải là một số nguyên."),
])
def test_bad_choices_are_named_and_nothing_is_reported(client, clock, login_as, tree, query, message):
    province, _ = tree
    login_as(Role.organizer, unit=province)
    html = _page(client, query, 422)
    assert message in html and 'id="period-table"' not in html
    for path in ("/bao-cao/dinh-ky/ban-in", "/bao-cao/dinh-ky/bao-cao.xlsx"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 302 and response.headers["Location"].startswith("/bao-cao/dinh-ky?")


def test_the_printable_view_is_a_vietnamese_report(app, client, clock, login_as, tree):
    province, _ = tree
    app.config["REPORT_PLACE"] = "An Hòa"
    login_as(Role.organizer, unit=province)
    with client.get(f"/bao-cao/dinh-ky/ban-in?{WEEK}") as response:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
    assert 'href="/static/css/report-print.css"' in html and "app.css" not in html
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", province.name.upper(), "Số:       /BC-P",
                 "An Hòa, ngày 23 tháng 11 năm 2026", "BÁO CÁO", "từ ngày 23/11/2026 đến ngày 29/11/2026",
                 "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"):
        assert text in html, text
    assert html.index("CỘNG HÒA") < html.index('id="period-table"') < html.index("NGƯỜI LẬP BIỂU")


def test_the_workbook_download(client, clock, login_as, tree):
    province, _ = tree
    login_as(Role.organizer, unit=province)
    with client.get(f"/bao-cao/dinh-ky/bao-cao.xlsx?{WEEK}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].endswith("bao-cao-dinh-ky-P-20261123-20261129.xlsx")
        sheet = load_workbook(io.BytesIO(response.data)).active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "…………, ngày 23 tháng 11 năm 2026" in values  # REPORT_PLACE unset: a blank to write in
    header = next(c.row for row in sheet.iter_rows() for c in row if c.value == "Mã đơn vị")
    assert [sheet.cell(r, 1).value for r in range(header + 1, header + 5)] == ["P", "P-A", "P-A1", "P-B"]
    assert sheet.cell(header + 1, 4).value == 2 and sheet.cell(header + 1, 4).number_format == "#,##0"


def test_the_command_writes_the_workbook(app, db_session, tree, tmp_path):
    out = tmp_path / "bao-cao.xlsx"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export-period-report", "--unit", "p-a", "--from", "2026-11-23", "--to", "2026-11-29", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    header = next(c.row for row in sheet.iter_rows() for c in row if c.value == "Mã đơn vị")
    assert [sheet.cell(r, 1).value for r in range(header + 1, header + 3)] == ["P-A", "P-A1"]
    assert (sheet.cell(header + 1, 3).value, sheet.cell(header + 1, 4).value, sheet.cell(header + 1, 6).value) == (7, 2, 3)


@pytest.mark.parametrize("args, message", [
    (["--unit", "KHONG-CO", "--from", "2026-11-23", "--to", "2026-11-29"], "Không tìm thấy đơn vị có mã “KHONG-CO”."),
    (["--unit", "P", "--from", "23/11/2026", "--to", "2026-11-29"], "“23/11/2026” không phải ngày dạng YYYY-MM-DD"),
    (["--unit", "P", "--from", "2026-11-23", "--to", "2026-02-30"], "“2026-02-30” không phải ngày dạng YYYY-MM-DD"),
    (["--unit", "P", "--from", "2026-11-29", "--to", "2026-11-23"], "Ngày cuối kỳ (23/11/2026) phải từ ngày đầu kỳ (29/11/2026) trở đi."),
])
def test_the_command_refuses_bad_arguments(app, db_session, tree, tmp_path, args, message):
    out = tmp_path / "bao-cao.xlsx"
    result = app.test_cli_runner().invoke(args=["export-period-report", *args, "--out", str(out)])
    assert result.exit_code != 0 and message in result.output
    assert not out.exists()
