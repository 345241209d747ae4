"""Hostile input: every bad file of the importers' corpora, uploaded through the web pages, and
property-based tests of the parsers (hypothesis). Each gives a clear message and writes nothing."""

from __future__ import annotations

import html
import io
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from contest.models import Question, Role, StaffMember, Unit, UnitKind
from question_bank.aiken import parse_aiken
from question_bank.excel import parse_excel
from question_bank.gift import parse_gift
from question_bank.issues import ImportIssue
from question_bank.xlsx import read_table
from question_bank.validation import validate
from question_bank.model import RawQuestion
from tests.helpers import QUESTION_HEADER, xlsx_bytes
from tests.services.test_question_import import MALFORMED
from tests.test_unit_import import BAD_FILES

STAFF_HEADER = ["Họ và tên", "CCCD", "Số điện thoại", "Mã đơn vị", "Chức vụ"]
BAD_STAFF_FILES = [
    (b"", "Tệp rỗng (0 byte)."),
    (b"not a zip at all", "Tệp không phải là tệp Excel .xlsx hợp lệ"),
    (xlsx_bytes([["Họ và tên", "CCCD"], ["A", "001"]]), "thiếu cột"),
    (xlsx_bytes([STAFF_HEADER, ["A", "12", "", "HOST", ""]]), "phải gồm đúng 12 chữ số"),
    (xlsx_bytes([STAFF_HEADER, ["A", "", "", "HOST", ""]]), "Cần ít nhất số CCCD hoặc số điện thoại"),
    (xlsx_bytes([STAFF_HEADER, ["A", "", "0912000001", "KHONG", ""]]), "Không tìm thấy đơn vị có mã “KHONG”"),
    (xlsx_bytes([STAFF_HEADER, ["=HYPERLINK(\"x\")", "", "0912000001", "HOST", ""]]), "công thức chưa được tính giá trị"),
    (xlsx_bytes([STAFF_HEADER]), "không có người nào"),
]


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_whole_corpus_through_the_upload_pages(client, db_session, login_as, make_unit):
    admin = login_as(Role.admin)
    host = make_unit("HOST", kind=UnitKind.province)
    db_session.commit()
    tried = 0
    for param in BAD_FILES:
        content, message = param.values
        response = client.post("/quan-tri/don-vi/nhap-excel", data={"file": (io.BytesIO(content), "donvi.xlsx")})
        assert response.status_code == 422 and message.split(": ", 1)[-1] in page_text(response), param.id
        tried += 1
    bank_page = client.post("/ban-to-chuc/ngan-hang", data={"name": "Ngân hàng thử", "description": "", "owner_unit_id": str(host.id)})
    bank_id = int(bank_page.headers["Location"].rsplit("/", 1)[1])
    for name, content, message in MALFORMED:
        response = client.post(f"/ban-to-chuc/ngan-hang/{bank_id}/nhap", data={
            "file": (io.BytesIO(content), "cauhoi.xlsx"), "file_format": "", "default_topic": "", "default_difficulty": "2"})
        assert response.status_code == 422 and message.split(": ", 1)[-1] in page_text(response), name
        tried += 1
    for content, message in BAD_STAFF_FILES:
        response = client.post("/bao-cao/danh-sach-can-bo", data={"file": (io.BytesIO(content), "ds.xlsx")})
        assert response.status_code == 422 and message in page_text(response), message
        tried += 1
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Unit)) == 1
    assert db_session.scalar(select(func.count()).select_from(Question)) == 0
    assert db_session.scalar(select(func.count()).select_from(StaffMember)) == 0
    assert admin.unit is None
    print(f"\nhostile input: {tried} bad files tried through the upload pages, none wrote anything")
    assert tried >= 30


PRINTABLE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
GIFTISH = st.text(alphabet=string.ascii_letters + " {}=~#%:[]\\-\n/0123456789đĐáàảãạ", max_size=400)
AIKENISH = st.lists(st.sampled_from(["Câu hỏi?", "A) Một", "B) Hai", "C. Ba", "ANSWER: A", "ANSWER: Z", "", "A)", "ANSWER:"]), max_size=30)


def _well_formed(issues: list[ImportIssue], lines: int) -> None:
    for issue in issues:
        assert issue.message and issue.message[0].isupper()
        assert issue.line is None or 1 <= issue.line <= max(lines, 1)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(PRINTABLE, GIFTISH))
def test_gift_never_crashes_and_locates_every_problem(text):
    questions, issues = parse_gift(text, "x.gift", "Chung")
    _well_formed(issues, len(text.splitlines()))
    for q in questions:
        assert 2 <= len(q.choices) <= 8 and q.correct and set(q.correct) <= set(q.labels)


@settings(max_examples=200, deadline=None)
@given(lines=AIKENISH)
def test_aiken_never_crashes_and_locates_every_problem(lines):
    text = "\n".join(lines)
    questions, issues = parse_aiken(text, "x.txt", "Chung")
    _well_formed(issues, len(lines))
    for q in questions:
        assert len(q.correct) >= 1 and set(q.correct) <= set(q.labels)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=2000))
def test_any_bytes_as_a_workbook_give_a_message(data):
    table, issues = read_table(data, "x.xlsx", [])
    # Random bytes are never a workbook: no table, and a message saying so.
    assert table is None and issues and issues[0].message


CELL = st.one_of(st.none(), st.integers(-10, 10_000), st.floats(allow_nan=False, allow_infinity=False, width=32),
                 st.text(alphabet=string.ascii_letters + "ABCDĐúngSai ,;-=+@", max_size=30))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=15, max_size=15), min_size=1, max_size=8))
def test_random_question_workbooks_give_valid_questions_or_located_errors(rows):
    questions, issues = parse_excel(xlsx_bytes([QUESTION_HEADER, *rows]), "x.xlsx")
    for issue in issues:
        assert issue.message and (issue.row is None or 2 <= issue.row <= len(rows) + 1)
    for q in questions:
        again, problems = validate(RawQuestion(text=q.text, choices=q.choices, answer=", ".join(q.correct), kind=q.kind.value,
                                               topic=q.topic, difficulty=str(int(q.difficulty)), code=q.code))
        assert problems == [] and again.fingerprint == q.fingerprint
