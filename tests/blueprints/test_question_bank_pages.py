"""Organiser pages for question banks: upload → preview → confirm, browse, edit, retire, export."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from contest.models import PendingImport, Question, QuestionBank, Role
from tests.helpers import QUESTION_HEADER, question_row, upload_questions, xlsx_bytes


@pytest.fixture
def bank_id(bank):
    return bank.id


def _count(db_session):
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(Question))


def test_upload_preview_confirm(client, db_session, bank_id):
    content = xlsx_bytes([QUESTION_HEADER, question_row(1), question_row(2, topic="Chính quyền số", difficulty="Khó")])
    preview = upload_questions(client, bank_id, content)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "2 thay đổi (2 câu mới, 0 câu thay đổi, 0 câu không đổi)." in page and "Chính quyền số" in page and "Khó" in page
    assert _count(db_session) == 0  # nothing written before confirmation
    action = re.search(r'action="(/ban-to-chuc/ngan-hang/\d+/nhap/\d+)"', page).group(1)
    confirmed = client.post(action)
    assert confirmed.status_code == 302
    assert _count(db_session) == 2
    assert db_session.scalar(select(func.count()).select_from(PendingImport)) == 0
    assert client.post(action).status_code == 302  # a second confirmation finds nothing and writes nothing
    assert _count(db_session) == 2


def test_upload_with_errors_shows_the_table_and_offers_no_confirmation(client, db_session, bank_id):
    content = xlsx_bytes([QUESTION_HEADER, question_row(1), question_row(2, answer="Q")])
    response = upload_questions(client, bank_id, content)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tệp có 1 lỗi" in page and "Đáp án “Q” không hợp lệ" in page and "<td>3</td>" in page
    assert "Xác nhận ghi" not in page
    assert _count(db_session) == 0


def test_gift_upload_with_default_topic(client, db_session, bank_id):
    gift = "::A:: Cơ quan thường trực CCHC? {=Bộ Nội vụ ~Bộ Tài chính}\n\n::B:: Essay {}\n".encode()
    page = upload_questions(client, bank_id, gift, "cau-hoi.gift", file_format="gift", default_topic="Tổ chức bộ máy").get_data(as_text=True)
    assert "Tổ chức bộ máy" in page and "Bỏ qua câu hỏi dạng tự luận (essay)" in page
    client.post(re.search(r'action="(/ban-to-chuc/ngan-hang/\d+/nhap/\d+)"', page).group(1))
    assert _count(db_session) == 1


def test_browse_search_edit_retire_and_export(client, db_session, bank_id):
    content = xlsx_bytes([QUESTION_HEADER, question_row(1, text="Cải cách thủ tục hành chính?"), question_row(2, text="Chuyển đổi số?")])
    page = upload_questions(client, bank_id, content).get_data(as_text=True)
    client.post(re.search(r'action="(/ban-to-chuc/ngan-hang/\d+/nhap/\d+)"', page).group(1))

    listing = client.get(f"/ban-to-chuc/ngan-hang/{bank_id}?q=cai+cach").get_data(as_text=True)
    assert "Cải cách thủ tục hành chính?" in listing and "Chuyển đổi số?" not in listing

    question = db_session.scalar(select(Question).where(Question.code == "Q0001"))
    form = {"code": "Q0001", "topic": "Cải cách TTHC", "difficulty": "3", "kind": "single", "text": "Câu đã sửa?",
            "choice_A": "Một", "choice_B": "Hai", "choice_C": "Ba", "answer": "C"}
    assert client.post(f"/ban-to-chuc/cau-hoi/{question.id}", data=form).status_code == 302
    db_session.expire_all()
    question = db_session.get(Question, question.id)
    assert (question.text, question.topic.name, question.difficulty, [c.is_correct for c in question.choices]) == (
        "Câu đã sửa?", "Cải cách TTHC", 3, [False, False, True])

    bad = client.post(f"/ban-to-chuc/cau-hoi/{question.id}", data={**form, "answer": "D"})
    assert bad.status_code == 422 and "Đáp án “D” không có trong các phương án" in bad.get_data(as_text=True)

    client.post(f"/ban-to-chuc/cau-hoi/{question.id}/trang-thai")
    db_session.expire_all()
    assert db_session.get(Question, question.id).status == "retired"
    retired = client.get(f"/ban-to-chuc/ngan-hang/{bank_id}?status=retired").get_data(as_text=True)
    assert "Câu đã sửa?" in retired and "Chuyển đổi số?" not in retired

    with client.get(f"/ban-to-chuc/ngan-hang/{bank_id}/xuat.xlsx") as response:
        sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]][:6] == QUESTION_HEADER[:6]
    assert sheet.max_row == 3

    assert client.post(f"/ban-to-chuc/cau-hoi/{question.id}/xoa").status_code == 302
    assert _count(db_session) == 1


def test_template_download(client, organizer):
    with client.get("/ban-to-chuc/ngan-hang/tep-mau.xlsx") as response:
        assert response.status_code == 200
        assert load_workbook(io.BytesIO(response.data)).sheetnames == ["Câu hỏi", "Danh mục", "Hướng dẫn"]


def test_organizer_of_another_unit_does_not_see_the_bank_listed(client, db_session, bank_id, make_user, login, make_unit):
    """(That they cannot open it is the authorisation matrix's business.)"""
    client.post("/dang-xuat")
    login(make_user(Role.organizer, unit=make_unit("OTHER")))
    page = client.get("/ban-to-chuc/ngan-hang").get_data(as_text=True)
    assert f'href="/ban-to-chuc/ngan-hang/{bank_id}"' not in page  # (the creator's flash, still unread, names the bank)


def test_upload_too_large_gets_a_clear_message(client, app, bank_id):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = upload_questions(client, bank_id, b"x" * 5000)
    assert response.status_code == 413
    assert "Tệp tải lên quá lớn" in response.get_data(as_text=True)


def _pager_links(page: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'class="page-link" href="([^"]+)"', page)]


def test_a_bank_of_several_pages_pages_through_and_searches(client, organizer, make_bank):
    bank = make_bank(topics=("Thể chế", "Chính quyền số"), per_topic=25, owner=organizer.unit)  # 50 questions, 20 a page
    first = client.get(f"/ban-to-chuc/ngan-hang/{bank.id}")
    assert first.status_code == 200, first.get_data(as_text=True)
    assert "Trang 1/3" in first.get_data(as_text=True)
    following = _pager_links(first.get_data(as_text=True))[-1]
    assert following == f"/ban-to-chuc/ngan-hang/{bank.id}?page=2"
    second = client.get(following)
    assert second.status_code == 200 and "Trang 2/3" in second.get_data(as_text=True)

    search = client.get(f"/ban-to-chuc/ngan-hang/{bank.id}?q=cau+hoi&status=active")
    assert search.status_code == 200 and "Trang 1/3" in search.get_data(as_text=True)
    following = _pager_links(search.get_data(as_text=True))[-1]
    assert following == f"/ban-to-chuc/ngan-hang/{bank.id}?q=cau+hoi&status=active&page=2"
    second = client.get(following)
    assert second.status_code == 200 and "Trang 2/3" in second.get_data(as_text=True)

    beyond = client.get(f"/ban-to-chuc/ngan-hang/{bank.id}?page=99")
    assert beyond.status_code == 200 and "Trang 3/3" in beyond.get_data(as_text=True)  # past the end: the last page
    absurd = client.get(f"/ban-to-chuc/ngan-hang/{bank.id}?page={2**62}")
    assert absurd.status_code == 200 and "Trang 1/3" in absurd.get_data(as_text=True)  # no such number: not given
    absurd = client.get(f"/ban-to-chuc/ngan-hang/{bank.id}?page={2**70}&topic={2**70}&difficulty={2**70}")
    assert absurd.status_code == 200 and "Trang 1/3" in absurd.get_data(as_text=True)  # numbers no column holds: not given
