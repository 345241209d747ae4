"""Reminder letters from the report pages and the template page (the letters' content: tests/services/test_letters.py,
on the same tree; who may open what: test_security.py)."""

from __future__ import annotations

import html as html_lib
import io
import re
import zipfile
from urllib.parse import parse_qs

from docx import Document

from contest.models import LetterTemplate, Role
from contest.services.letter_default import build_default_template
from tests.services.test_letters import _docx, _pages, tree  # noqa: F401  (the fixture)

WEEK = "ky=tu-chon&tu_ngay=23/11/2026&den_ngay=29/11/2026"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_the_period_report_page_offers_its_letters_and_they_download(client, clock, login_as, tree):
    province, _ = tree
    login_as(Role.organizer, unit=province)
    page = client.get(f"/bao-cao/dinh-ky?{WEEK}").get_data(as_text=True)
    link = re.search(r'href="/bao-cao/dinh-ky/cong-van\?([^"]+)"', page).group(1)
    assert parse_qs(html_lib.unescape(link)) == parse_qs(WEEK)  # the page's own choices
    response = client.get(f"/bao-cao/dinh-ky/cong-van?{WEEK}")
    assert response.status_code == 200 and response.mimetype == DOCX
    assert "cong-van-don-doc-P-" in response.headers["Content-Disposition"]
    pages = _pages(response.data)
    assert [p.split("Kính gửi: ")[1].split(".")[0] for p in pages] == ["Sở Nội vụ", "Ủy ban nhân dân huyện Đông Giang"]
    response = client.get(f"/bao-cao/dinh-ky/cong-van?{WEEK}&tep=zip")
    assert response.mimetype == "application/zip"
    assert [n.split("-")[-2] for n in zipfile.ZipFile(io.BytesIO(response.data)).namelist()] == ["A", "B"]


def test_contest_letters_follow_the_threshold_of_the_participation_page(client, clock, login_as, tree):
    province, contest = tree
    login_as(Role.organizer, unit=province)
    page = client.get(f"/bao-cao/cuoc-thi/{contest.id}/don-vi?nguong=60").get_data(as_text=True)
    assert f'href="/bao-cao/cuoc-thi/{contest.id}/cong-van?nguong=60"' in page
    pages = _pages(client.get(f"/bao-cao/cuoc-thi/{contest.id}/cong-van?nguong=60").data)
    assert len(pages) == 2 and "thấp hơn mức 60% theo yêu cầu" in pages[0]
    response = client.get(f"/bao-cao/cuoc-thi/{contest.id}/cong-van?nguong=0", follow_redirects=True)
    assert "Không có đơn vị nào dưới ngưỡng" in response.get_data(as_text=True)


def test_a_template_is_uploaded_used_downloaded_and_reset(client, clock, login_as, tree, db_session):
    province, _ = tree
    login_as(Role.organizer, unit=province)
    page = client.get("/bao-cao/cong-van/mau").get_data(as_text=True)
    assert "Mẫu mặc định" in page and "{{ don_vi }}" in page and "{{ ty_le }}" in page  # the placeholders documented
    assert client.get("/bao-cao/cong-van/mau.docx").data == build_default_template()

    broken = _docx("Kính gửi: {{ ten_don_vi }}")
    response = client.post("/bao-cao/cong-van/mau", data={"file": (io.BytesIO(broken), "mau.docx")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Mẫu dùng trường “ten_don_vi” không có" in html_lib.unescape(response.get_data(as_text=True))
    assert db_session.query(LetterTemplate).count() == 0
    response = client.post("/bao-cao/cong-van/mau", data={"file": (io.BytesIO(b"PK\x03\x04 no"), "mau.docx")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "không đọc được cấu trúc nén" in response.get_data(as_text=True)

    mine = _docx("Kính gửi: {{ don_vi }} — {{ ty_le }} so với {{ nguong }}")
    response = client.post("/bao-cao/cong-van/mau", data={"file": (io.BytesIO(mine), "rieng.docx")}, content_type="multipart/form-data",
                           follow_redirects=True)
    assert "Đã lưu mẫu công văn đôn đốc của UBND tỉnh Thử từ tệp rieng.docx." in response.get_data(as_text=True)
    assert client.get("/bao-cao/cong-van/mau.docx").data == mine
    letters = Document(io.BytesIO(client.get(f"/bao-cao/dinh-ky/cong-van?{WEEK}").data))
    assert [p.text for p in letters.paragraphs if p.text] == ["Kính gửi: Sở Nội vụ — 33,3% so với 50%", "Kính gửi: Huyện Đông Giang — 0,0% so với 50%"]

    response = client.post("/bao-cao/cong-van/mau/mac-dinh", follow_redirects=True)
    assert "dùng lại mẫu công văn mặc định" in response.get_data(as_text=True)
    assert client.get("/bao-cao/cong-van/mau.docx").data == build_default_template()


def test_a_unit_manager_makes_letters_for_their_own_subtree(client, clock, login_as, tree, db_session):
    province, _ = tree
    from contest.services.units import get_unit_by_code

    login_as(Role.unit_manager, unit=get_unit_by_code(db_session, "P-A"))
    (page,) = _pages(client.get(f"/bao-cao/dinh-ky/cong-van?{WEEK}&nguong=60").data)  # P-A1 1/2 under P-A: Hà not yet
    assert "Kính gửi: Phòng Cải cách hành chính — Sở Nội vụ." in page and "Võ Thị Hà" in page and "Trần Thị Bình" not in page
    assert "SỞ NỘI VỤ" in page and "/CV-P-A" in page
    assert client.get(f"/bao-cao/dinh-ky/cong-van?{WEEK}&don_vi=P").status_code == 403
