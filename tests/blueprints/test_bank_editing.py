"""Bank editing: a question added by hand under the import's rules, choices A–F everywhere, and an import preview
that lists every question as new, changed (with what changed) or unchanged: an identical file changes nothing."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from contest.models import AuditEntry, PendingImport, Question, QuestionBank, Role
from contest.services import questions as question_service
from question_bank.model import Difficulty
from tests.blueprints.test_security import database_fingerprint
from tests.helpers import QUESTION_HEADER, question_row, upload_questions, xlsx_bytes


def _confirm(client, page: str):
    return client.post(re.search(r'action="(/ban-to-chuc/ngan-hang/\d+/nhap/\d+)"', page).group(1))


def _questions(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(Question))


TEN = [QUESTION_HEADER, *(question_row(i) for i in range(1, 11))]


def test_adding_a_question_by_hand(client, db_session, bank):
    form = {"code": "", "topic": "Chính quyền số", "difficulty": "2", "kind": "multiple", "text": "Những  văn bản nào là luật?",
            "choice_A": "Luật Giao dịch điện tử", "choice_B": "Nghị định 45/2020/NĐ-CP", "choice_C": "Luật An ninh mạng",
            "answer": "a, c", "explanation": "", "legal_basis": ""}
    assert client.get(f"/ban-to-chuc/ngan-hang/{bank.id}/cau-hoi-moi").status_code == 200
    response = client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/cau-hoi-moi", data=form)
    assert response.status_code == 302
    question = db_session.scalar(select(Question))
    assert question.text == "Những văn bản nào là luật?" and question.code.startswith("AUTO-") and question.topic.name == "Chính quyền số"
    assert [c.is_correct for c in question.choices] == [True, False, True]
    assert db_session.scalar(select(AuditEntry.action).where(AuditEntry.action == "question.create"))
    again = client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/cau-hoi-moi", data=form)
    assert again.status_code == 422 and "trùng nội dung và phương án" in again.get_data(as_text=True)
    assert _questions(db_session) == 1


def test_every_problem_of_a_hand_typed_question_at_once(client, db_session, bank):
    response = client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/cau-hoi-moi", data={
        "code": "mã có dấu", "topic": "Thể chế", "difficulty": "1", "kind": "single", "text": "Câu hỏi?",
        "choice_A": "Một", "choice_B": "", "choice_C": "Ba", "answer": "A, C"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("Phương án B bị trống trong khi phương án C có nội dung.", "chỉ được có đúng một đáp án",
                    "Mã câu hỏi “mã có dấu” không hợp lệ"):
        assert message in page, message
    assert _questions(db_session) == 0


def test_the_forms_offer_choices_a_to_f_as_the_import_and_the_export(client, db_session, bank):
    for url in (f"/ban-to-chuc/ngan-hang/{bank.id}/cau-hoi-moi",):
        page = client.get(url).get_data(as_text=True)
        assert all(f'name="choice_{label}"' in page for label in "ABCDEF")
        assert 'name="choice_G"' not in page and 'name="choice_H"' not in page
    assert _confirm(client, upload_questions(client, bank.id, xlsx_bytes(TEN)).get_data(as_text=True)).status_code == 302
    question = db_session.scalar(select(Question))
    assert 'name="choice_G"' not in client.get(f"/ban-to-chuc/cau-hoi/{question.id}").get_data(as_text=True)
    header = [c.value for c in next(load_workbook(io.BytesIO(client.get(f"/ban-to-chuc/ngan-hang/{bank.id}/xuat.xlsx").data)).active.iter_rows(
        min_row=1, max_row=10)) if c.value]
    assert not any("Phương án G" in str(v) for v in header)
    seven = xlsx_bytes([[*QUESTION_HEADER[:12], "Phương án G", *QUESTION_HEADER[12:]],
                        [*question_row(20, c="C", d="D", e="E", f="F")[:12], "G", *question_row(20)[12:]]])
    refused = upload_questions(client, bank.id, seven)
    assert refused.status_code == 422 and "Câu hỏi có tối đa 6 phương án (A–F)." in refused.get_data(as_text=True)


def test_an_identical_reimport_reports_0_changed_and_writes_nothing(app, client, db_session, bank):
    assert _confirm(client, upload_questions(client, bank.id, xlsx_bytes(TEN)).get_data(as_text=True)).status_code == 302
    db_session.commit()
    before = database_fingerprint(app)
    preview = upload_questions(client, bank.id, xlsx_bytes(TEN))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "0 thay đổi (0 câu mới, 0 câu thay đổi, 10 câu không đổi)." in page and "Không đổi" in page
    assert "Xác nhận ghi" not in page
    db_session.rollback()
    after = database_fingerprint(app)
    assert [t for t in before if before[t] != after[t]] == ["pending_imports"]  # the file, kept for the preview's pages only


def test_confirming_a_file_the_bank_already_holds_writes_no_question(app, client, db_session, bank, organizer):
    """Two previews of one file in two tabs: the first confirmation writes it, the second finds nothing to change."""
    content = xlsx_bytes(TEN)
    upload = question_service.Upload(content, "cauhoi.xlsx", question_service.guess_format("cauhoi.xlsx", None), "", Difficulty.medium)
    first, second = (question_service.stage_import(db_session, bank, organizer, upload)[1] for _ in range(2))
    db_session.commit()
    first_id, second_id = first.id, second.id
    assert client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/nhap/{first_id}").status_code == 302
    db_session.commit()
    before = database_fingerprint(app)
    response = client.post(f"/ban-to-chuc/ngan-hang/{bank.id}/nhap/{second_id}", follow_redirects=True)
    assert "0 thay đổi (0 câu mới, 0 câu thay đổi, 10 câu không đổi)." in response.get_data(as_text=True)
    db_session.rollback()
    after = database_fingerprint(app)
    assert [t for t in before if before[t] != after[t]] == ["pending_imports"]  # only the used-up preview is gone
    assert db_session.get(PendingImport, second_id) is None


def test_the_preview_marks_each_question_and_names_what_changed(client, db_session, bank):
    assert _confirm(client, upload_questions(client, bank.id, xlsx_bytes(TEN)).get_data(as_text=True)).status_code == 302
    rows = [QUESTION_HEADER, *(question_row(i) for i in range(1, 31))]  # 20 new
    rows[2] = question_row(2, answer="B")  # key changed
    rows[3] = question_row(3, text="Nội dung mới của câu 3?", explanation="Giải thích mới")
    rows[4] = question_row(4, topic="Chính quyền số")
    preview = upload_questions(client, bank.id, xlsx_bytes(rows))
    page = preview.get_data(as_text=True)
    assert "23 thay đổi (20 câu mới, 3 câu thay đổi, 7 câu không đổi)." in page
    assert "Đổi: đáp án" in page and "Đổi: nội dung, giải thích" in page and "Đổi: chủ đề" in page
    assert "trang 1/2" in page and "Q0025" in page and "Q0026" not in page
    later = re.search(r'href="(/ban-to-chuc/ngan-hang/\d+/nhap/\d+\?page=2)"', page).group(1)
    second = client.get(later).get_data(as_text=True)
    assert "trang 2/2" in second and "Q0026" in second and "Mới" in second
    assert _confirm(client, page).status_code == 302
    db_session.expire_all()
    assert _questions(db_session) == 30
    assert db_session.scalar(select(Question).where(Question.code == "Q0003")).explanation == "Giải thích mới"


def test_the_preview_shows_only_what_would_be_written_on_request(client, db_session, bank):
    """Repairing one key in a 60-question file: the organiser need not page through 59 unchanged questions."""
    rows = [QUESTION_HEADER, *(question_row(i) for i in range(1, 61))]
    assert _confirm(client, upload_questions(client, bank.id, xlsx_bytes(rows)).get_data(as_text=True)).status_code == 302
    rows[40] = question_row(40, answer="B")
    page = upload_questions(client, bank.id, xlsx_bytes(rows)).get_data(as_text=True)
    assert "1 thay đổi (0 câu mới, 1 câu thay đổi, 59 câu không đổi)." in page and "trang 1/3" in page
    only = re.search(r'href="(/ban-to-chuc/ngan-hang/\d+/nhap/\d+\?chi=ghi)"', page).group(1)
    written = client.get(only).get_data(as_text=True)
    assert "Chỉ câu mới và câu thay đổi: 1 câu; trang 1/1" in written and "Q0040" in written and "Đổi: đáp án" in written
    assert "Q0039" not in written and "Không đổi</span>" not in written
    assert re.search(r'href="/ban-to-chuc/ngan-hang/\d+/nhap/\d+"[^>]*>Xem mọi câu', written)
    assert _confirm(client, written).status_code == 302  # the filtered page confirms the whole file
    db_session.expire_all()
    assert db_session.scalar(select(Question).where(Question.code == "Q0040")).choices[1].is_correct


def test_a_preview_already_written_is_not_found(client, db_session, bank):
    page = upload_questions(client, bank.id, xlsx_bytes(TEN)).get_data(as_text=True)
    preview = re.search(r'action="(/ban-to-chuc/ngan-hang/\d+/nhap/\d+)"', page).group(1)
    assert client.get(preview + "?page=1").status_code == 200
    assert _confirm(client, page).status_code == 302
    gone = client.get(preview + "?page=1")
    assert gone.status_code == 404 and "Vui lòng tải tệp lên lại" in gone.get_data(as_text=True)
