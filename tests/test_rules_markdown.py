"""Contest rules in Markdown: line breaks kept, anything active removed, older HTML rules shown as before, and the
same HTML on every page that shows them (contest page, attempt page, the editor's preview)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from contest.models import Contest, Role, UnitKind
from contest.rules_markdown import normalize_rules, render_rules, rules_markup, sanitize_rules
from contest.services import contests as contest_service
from contest.services.contests import ContestSettings

RULES = "Điều 1. Đối tượng dự thi\nCán bộ, công chức\n\nĐiều 2. Hình thức\n- Trắc nghiệm\n- Trực tuyến"
ATTACKS = [
    '<script>alert("x")</script>',
    '<img src="x" onerror="alert(1)">',
    '<p onclick="alert(1)" style="color:red">chữ</p>',
    "[bấm vào đây](javascript:alert(1))",
    '<a href="javascript:alert(1)">bấm</a>',
    '<a href="JaVaScRiPt:alert(1)">bấm</a>',
    '<a href="data:text/html,<script>alert(1)</script>">bấm</a>',
    '<iframe src="https://example.com"></iframe>',
    '<svg onload="alert(1)"></svg>',
    "<style>body{display:none}</style>",
]

# What must never reach a page: scripting tags, event handlers, inline styles, links to script or data URLs.
ACTIVE = re.compile(r"<(script|iframe|svg|style|img|object|embed)\b|\son\w+\s*=|\sstyle\s*=|href\s*=\s*[\"']?\s*(javascript|data|vbscript):")


def test_line_breaks_and_paragraphs_are_kept():
    html = render_rules(RULES)
    assert html.startswith("<p>Điều 1. Đối tượng dự thi<br>\nCán bộ, công chức</p>")
    assert "<p>Điều 2. Hình thức</p>\n<ul>\n<li>Trắc nghiệm</li>\n<li>Trực tuyến</li>\n</ul>" in html


def test_markdown_formatting_and_links():
    html = render_rules("# Thể lệ\n**đậm** *nghiêng* [Cổng dịch vụ công](https://dichvucong.gov.vn)\n\n1. một\n2. hai")
    assert "<h3>Thể lệ</h3>" in html  # under the page's own h1 and h2
    assert "<strong>đậm</strong> <em>nghiêng</em>" in html
    assert '<a href="https://dichvucong.gov.vn" rel="noopener noreferrer">Cổng dịch vụ công</a>' in html
    assert "<ol>\n<li>một</li>\n<li>hai</li>\n</ol>" in html


@pytest.mark.parametrize("attack", ATTACKS)
def test_scripts_handlers_styles_and_javascript_links_are_removed(attack):
    html = render_rules(f"Thể lệ\n{attack}\nhết").lower()
    assert not ACTIVE.search(html), (attack, html)
    assert "thể lệ" in html and "hết" in html


def test_rules_stored_as_html_before_markdown_render_as_they_did():
    """The contests of before kept sanitised HTML; as a Markdown source it renders to the same HTML."""
    stored = sanitize_rules("<p><strong>Đối tượng:</strong> cán bộ.</p><ul><li>Một</li><li>Hai</li></ul>"
                            '<p>Xem <a href="https://example.vn">trang</a>.</p><table><tr><td>1</td></tr></table>')
    assert render_rules(stored) == stored


def test_the_template_filter_sanitises_again():
    assert str(rules_markup('<p>Thể lệ</p><script>x()</script><a href="javascript:x()">y</a>')) == (
        '<p>Thể lệ</p><a rel="noopener noreferrer">y</a>')


def test_the_source_is_stored_as_typed_and_the_pages_html_rendered_from_it(db_session, make_unit):
    unit = make_unit("T", kind=UnitKind.province)
    contest = contest_service.create_contest(db_session, unit, ContestSettings(
        title="Thi", eligible_unit_ids=[unit.id], rules_markdown="Dòng một  \r\nDòng hai<script>x()</script>\r\n\r\n"))
    assert contest.rules_markdown == "Dòng một\nDòng hai<script>x()</script>" == normalize_rules(contest.rules_markdown)
    assert contest.rules_html == "<p>Dòng một<br>\nDòng hai</p>\n"
    assert contest_service.contest_settings(contest).rules_markdown == contest.rules_markdown


RULES_BLOCK = re.compile(r'<div class="contest-rules[^"]*">.*?</div>', re.S)


def test_every_page_shows_the_same_rules_html(client, db_session, clock, login_as, make_contest):
    contest = make_contest(rules_markdown=RULES + '\n<img src=x onerror="alert(1)">')
    unit = contest.owner_unit
    login_as(Role.participant, unit=unit)
    contest_page = client.get(f"/cuoc-thi/{contest.id}").get_data(as_text=True)
    started = client.post(f"/cuoc-thi/{contest.id}/vong/{contest.rounds[0].id}/bat-dau")
    assert started.status_code == 302 and "/bai-thi/" in started.location
    attempt_page = client.get(started.location).get_data(as_text=True)
    client.post("/dang-xuat")
    login_as(Role.organizer, unit=unit)
    preview = client.post("/ban-to-chuc/the-le/xem-truoc", data={"rules_markdown": contest.rules_markdown})
    assert preview.status_code == 200
    blocks = [RULES_BLOCK.findall(page) for page in (contest_page, attempt_page, preview.get_data(as_text=True))]
    assert all(len(found) == 1 for found in blocks), blocks
    assert blocks[0] == blocks[1] == blocks[2]
    assert "Cán bộ, công chức" in blocks[0][0] and "<br>" in blocks[0][0] and "onerror" not in blocks[0][0]


def test_the_preview_refuses_rules_too_long(client, login_as, make_unit):
    login_as(Role.organizer, unit=make_unit(kind=UnitKind.province))
    response = client.post("/ban-to-chuc/the-le/xem-truoc", data={"rules_markdown": "x" * 50_001})
    assert response.status_code == 400 and "50.000 ký tự" in response.get_data(as_text=True)


def test_the_contest_form_saves_markdown(client, db_session, login_as, make_unit):
    unit = make_unit(kind=UnitKind.province)
    login_as(Role.organizer, unit=unit)
    page = client.get("/ban-to-chuc/cuoc-thi/moi").get_data(as_text=True)
    assert 'data-preview-url="/ban-to-chuc/the-le/xem-truoc"' in page and "mỗi lần xuống dòng được giữ nguyên" in page
    response = client.post("/ban-to-chuc/cuoc-thi/moi", data={
        "title": "Thi có thể lệ", "owner_unit_id": str(unit.id), "rules_markdown": "Một\nHai",
        "audience": "units", "eligible_unit_ids": [str(unit.id)], "attempts_allowed": "1", "grading": "best",
        "points_per_question": "1", "review_policy": "after_close", "leaderboard_visibility": "public"})
    assert response.status_code == 302, response.get_data(as_text=True)
    contest = db_session.scalar(select(Contest))
    assert (contest.rules_markdown, contest.rules_html) == ("Một\nHai", "<p>Một<br>\nHai</p>\n")
    edit = client.get(f"/ban-to-chuc/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert "Một\nHai</textarea>" in edit
