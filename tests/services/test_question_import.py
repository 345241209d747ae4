"""Importing questions into a bank: good files, malformed files (nothing written), round trip, search, edits."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from contest.errors import ValidationError
from contest.models import Attempt, AttemptQuestion, Contest, Question, QuestionBank, Round
from contest.services import questions as svc
from contest.services.questions import FileFormat, QuestionFilter
from question_bank.excel import template
from question_bank.model import Difficulty
from question_bank.planning import ImportPlan
from tests.helpers import QUESTION_HEADER, question_row, rewrite_sheet_xml, xlsx_bytes


@pytest.fixture
def bank(db_session, make_unit):
    bank = svc.create_bank(db_session, name="Ngân hàng CCHC", description="", owner_unit=make_unit())
    db_session.commit()
    return bank


def import_xlsx(db_session, bank, content: bytes, name: str = "cauhoi.xlsx") -> ImportPlan:
    plan = svc.plan_file_import(db_session, bank, svc.Upload(content, name, FileFormat.excel))
    if plan.ok:
        svc.apply_plan(db_session, bank, plan)
        db_session.commit()
    else:
        db_session.rollback()
    return plan


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Question))


def test_good_workbook_imports_every_question(db_session, bank):
    rows = [
        QUESTION_HEADER,
        question_row(1),
        question_row(2, kind="Nhiều đáp án", c="Phương án đúng thứ hai", answer="A, C", difficulty="Khó"),
        question_row(3, a="", b="", kind="Đúng/Sai", answer="Đúng", topic="Chính quyền số", difficulty=2),
    ]
    plan = import_xlsx(db_session, bank, xlsx_bytes(rows))
    assert plan.ok and len(plan.creates) == 3
    questions = {q.code: q for q in db_session.scalars(select(Question))}
    assert questions["Q0002"].kind == "multiple" and [c.is_correct for c in questions["Q0002"].choices] == [True, False, True]
    assert questions["Q0003"].kind == "true_false" and [c.text for c in questions["Q0003"].choices] == ["Đúng", "Sai"]
    assert questions["Q0003"].topic.name == "Chính quyền số" and questions["Q0003"].difficulty == 2
    assert plan.counts()["topic"] == {"Cải cách thủ tục hành chính": 2, "Chính quyền số": 1}


def test_template_imports_its_three_examples(db_session, bank):
    plan = import_xlsx(db_session, bank, template(), "mau.xlsx")
    assert plan.ok and len(plan.creates) == 3
    workbook = load_workbook(io.BytesIO(template()))
    assert workbook.sheetnames == ["Câu hỏi", "Danh mục", "Hướng dẫn"]
    sheet = workbook["Câu hỏi"]
    validated = {str(dv.sqref).split(":")[0] for dv in sheet.data_validations.dataValidation}
    assert validated == {"D2", "E2", "M2"}  # Mức độ, Loại, Đáp án


def test_numbers_and_dates_in_cells_are_read_as_text(db_session, bank):
    rows = [QUESTION_HEADER, question_row(1, text="Năm nào?", a=2021, b=2030.0, c=date(2021, 7, 15), d=datetime(2019, 12, 9), answer="A")]
    plan = import_xlsx(db_session, bank, xlsx_bytes(rows))
    assert plan.ok
    question = db_session.scalar(select(Question))
    assert [c.text for c in question.choices] == ["2021", "2030", "15/07/2021", "09/12/2019"]


def test_nfd_text_is_stored_as_nfc(db_session, bank):
    nfd = unicodedata.normalize("NFD", "Thủ tục hành chính là gì?")
    plan = import_xlsx(db_session, bank, xlsx_bytes([QUESTION_HEADER, question_row(1, text=nfd)]))
    assert plan.ok
    assert db_session.scalar(select(Question.text)) == "Thủ tục hành chính là gì?"


def test_formula_cells_are_read_by_their_value(db_session, bank):
    content = xlsx_bytes([QUESTION_HEADER, question_row(1, answer='="A"')])
    # openpyxl writes the empty cached value as <v /> or <v></v> (with or without lxml, which docxtpl brings)
    empty = b"<v />" if b'<f>"A"</f><v />' in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml") else b"<v></v>"
    content = rewrite_sheet_xml(content, b'<c r="M2"><f>"A"</f>' + empty + b"</c>", b'<c r="M2" t="str"><f>"A"</f><v>A</v></c>')
    plan = import_xlsx(db_session, bank, content)
    assert plan.ok and count(db_session) == 1


def test_reimport_updates_by_code(db_session, bank):
    import_xlsx(db_session, bank, xlsx_bytes([QUESTION_HEADER, question_row(1), question_row(2)]))
    plan = import_xlsx(db_session, bank, xlsx_bytes([QUESTION_HEADER, question_row(1, text="Nội dung mới?", answer="B"), question_row(3)]))
    assert (len(plan.creates), len(plan.updates)) == (1, 1)
    updated = db_session.scalar(select(Question).where(Question.code == "Q0001"))
    assert updated.text == "Nội dung mới?" and [c.is_correct for c in updated.choices] == [False, True]
    assert count(db_session) == 3


def test_question_already_in_the_bank_under_another_code_is_skipped_with_a_warning(db_session, bank):
    import_xlsx(db_session, bank, xlsx_bytes([QUESTION_HEADER, question_row(1)]))
    plan = import_xlsx(db_session, bank, xlsx_bytes([QUESTION_HEADER, question_row(1, code="KHAC"), question_row(2)]))
    assert plan.ok and len(plan.creates) == 1
    assert [str(w) for w in plan.warnings] == [
        "cauhoi.xlsx, trang tính “Sheet1”, dòng 2: Câu hỏi trùng nội dung và phương án với câu “Q0001” đã có trong ngân hàng; bỏ qua câu này."
    ]


def _merged() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(QUESTION_HEADER)
    sheet.append(question_row(1))
    sheet.append(question_row(2, topic=None))
    sheet.merge_cells("C2:C3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rows(n: int, bad_last: bool = False) -> bytes:
    rows = [QUESTION_HEADER, *(question_row(i) for i in range(1, n + 1))]
    if bad_last:
        rows[-1] = question_row(n, answer="Z")
    return xlsx_bytes(rows)


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (20 * 1024 * 1024) + b"/>")
    return buffer.getvalue()


H = QUESTION_HEADER
LOC = "cauhoi.xlsx, trang tính “Sheet1”, dòng 2"
MALFORMED = [
    ("wrong-header", xlsx_bytes([["STT", "Câu hỏi", "A", "B", "Đáp án"], [1, "x", "y", "z", "A"]]),
     "cauhoi.xlsx, trang tính “Sheet1”, dòng 1: Không tìm thấy dòng tiêu đề đầy đủ; thiếu cột: “Chủ đề”, “Mức độ”, “Phương án A”, “Phương án B”."),
    ("missing-key", xlsx_bytes([H, question_row(1, answer="")]), f"{LOC}, cột M (Đáp án): Thiếu đáp án."),
    ("key-out-of-range", xlsx_bytes([H, question_row(1, answer="D")]),
     f"{LOC}, cột M (Đáp án): Đáp án “D” không có trong các phương án của câu hỏi (chỉ có A, B)."),
    ("two-keys-single", xlsx_bytes([H, question_row(1, kind="Một đáp án", answer="A,B")]),
     f"{LOC}, cột M (Đáp án): Câu hỏi một đáp án chỉ được có đúng một đáp án (đang ghi “A,B”)."),
    ("duplicate-rows", xlsx_bytes([H, question_row(1), question_row(1, code="Q9999")]),
     "cauhoi.xlsx, trang tính “Sheet1”, dòng 3, cột F (Câu hỏi): Câu hỏi trùng nội dung và phương án với câu ở dòng 2."),
    ("duplicate-codes", xlsx_bytes([H, question_row(1), question_row(2, code="Q0001")]),
     "cauhoi.xlsx, trang tính “Sheet1”, dòng 3, cột B (Mã câu hỏi): Mã câu hỏi “Q0001” bị trùng với câu ở dòng 2."),
    ("merged-cells", _merged(),
     "cauhoi.xlsx, trang tính “Sheet1”, dòng 2, cột C: Vùng ô C2:C3 đang được gộp (merge). Hãy bỏ gộp ô và điền giá trị vào từng ô."),
    ("uncalculated-formula", xlsx_bytes([H, question_row(1, answer='=CHAR(65)')]),
     "cauhoi.xlsx, trang tính “Sheet1”, dòng 2, cột M: Ô M2 chứa công thức chưa được tính giá trị. Hãy mở tệp bằng Excel và lưu lại, hoặc dán giá trị (Paste Values) thay cho công thức."),
    ("hidden-sheet", xlsx_bytes([["Ghi chú"]], extra_sheets={"Ẩn": ([H, question_row(1)], "hidden")}),
     "cauhoi.xlsx: Trang tính “Ẩn” có dòng tiêu đề nhưng đang bị ẩn. Hãy hiện trang tính đó (hoặc chép dữ liệu sang trang hiện) rồi tải lên lại."),
    ("5000-rows-bad-last", _rows(5000, bad_last=True),
     "cauhoi.xlsx, trang tính “Sheet1”, dòng 5001, cột M (Đáp án): Đáp án “Z” không hợp lệ: ghi chữ cái của phương án đúng, ví dụ “B” hoặc “A, C”."),
    ("5001-rows", _rows(5001),
     "cauhoi.xlsx, trang tính “Sheet1”, dòng 5002: Tệp có quá nhiều dòng dữ liệu (tối đa 5000 dòng); hãy chia thành nhiều tệp."),
    ("empty-file", b"", "cauhoi.xlsx: Tệp rỗng (0 byte)."),
    ("csv-renamed", "STT,Câu hỏi\n1,x\n".encode(),
     "cauhoi.xlsx: Tệp không phải là tệp Excel .xlsx hợp lệ (có thể là CSV hoặc tệp khác bị đổi tên)."),
    ("zip-bomb", _zip_bomb(), "cauhoi.xlsx: Tệp .xlsx giải nén ra quá lớn so với kích thước tệp (nghi là “zip bomb”); không xử lý."),
    ("password-protected", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024),
     "cauhoi.xlsx: Tệp được đặt mật khẩu hoặc là định dạng Excel 97-2003 (.xls). Hãy gỡ mật khẩu và lưu lại dưới dạng Excel Workbook (.xlsx)."),
    ("zip-not-xlsx", (lambda b: (zipfile.ZipFile(b, "w").writestr("a.txt", "x"), b.getvalue())[1])(io.BytesIO()),
     "cauhoi.xlsx: Tệp nén không phải là bảng tính Excel .xlsx."),
    ("header-only", xlsx_bytes([H]), "cauhoi.xlsx, trang tính “Sheet1”: Tệp có dòng tiêu đề nhưng không có câu hỏi nào."),
    ("empty-workbook", xlsx_bytes([]), "cauhoi.xlsx: Tệp không có dữ liệu (không tìm thấy dòng tiêu đề)."),
    ("missing-topic", xlsx_bytes([H, question_row(1, topic="")]), f"{LOC}, cột C (Chủ đề): Thiếu chủ đề."),
    ("bad-difficulty", xlsx_bytes([H, question_row(1, difficulty="Rất khó")]),
     f"{LOC}, cột D (Mức độ): Mức độ “Rất khó” không hợp lệ: dùng Dễ, Trung bình, Khó (hoặc 1, 2, 3)."),
    ("bad-kind", xlsx_bytes([H, question_row(1, kind="Tự luận")]),
     f"{LOC}, cột E (Loại): Loại câu hỏi “Tự luận” không hợp lệ: dùng Một đáp án, Nhiều đáp án hoặc Đúng/Sai (hoặc để trống)."),
    ("missing-text", xlsx_bytes([H, question_row(1, text="")]), f"{LOC}, cột F (Câu hỏi): Thiếu nội dung câu hỏi."),
    ("one-choice", xlsx_bytes([H, question_row(1, b="")]), f"{LOC}, cột G (Phương án A): Câu hỏi cần ít nhất 2 phương án (hiện có 1)."),
    ("gap-in-choices", xlsx_bytes([H, question_row(1, c="", d="Phương án D")]),
     f"{LOC}, cột I (Phương án C): Phương án C bị trống trong khi phương án D có nội dung."),
    ("duplicate-choice", xlsx_bytes([H, question_row(1, b="phương án ĐÚNG 1")]), f"{LOC}, cột H (Phương án B): Phương án B trùng với phương án A."),
    ("true-false-wrong-choices", xlsx_bytes([H, question_row(1, kind="Đúng/Sai")]),
     f"{LOC}, cột G (Phương án A): Câu Đúng/Sai phải có đúng 2 phương án “Đúng” và “Sai”."),
    ("bad-code", xlsx_bytes([H, question_row(1, code="Câu 1")]),
     f"{LOC}, cột B (Mã câu hỏi): Mã câu hỏi “Câu 1” không hợp lệ: chỉ gồm chữ cái không dấu, chữ số, dấu . _ / - (tối đa 64 ký tự)."),
]


@pytest.mark.parametrize("content, message", [pytest.param(c, m, id=i) for i, c, m in MALFORMED])
def test_malformed_workbook_gives_its_exact_message_and_writes_nothing(db_session, bank, content, message):
    plan = import_xlsx(db_session, bank, content)
    assert not plan.ok
    assert str(plan.errors[0]) == message
    assert count(db_session) == 0


def test_one_error_among_good_rows_writes_nothing(db_session, bank):
    rows = [H, question_row(1), question_row(2, answer="X"), question_row(3)]
    plan = import_xlsx(db_session, bank, xlsx_bytes(rows))
    assert len(plan.errors) == 1 and len(plan.creates) == 2
    assert count(db_session) == 0


def test_row_errors_and_repeats_across_rows_are_reported_in_one_pass(db_session, bank):
    """A repeated code or question is reported even when one of the rows has its own errors, and a sheet
    problem (merged cells) hides neither."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    for row in [
        H,
        question_row(1, answer="Z"),  # bad key: its code and its question still count
        question_row(2, code="Q0001"),  # repeats row 2's code
        question_row(1, code="Q0009", difficulty="Rất khó"),  # repeats row 2's question, and a bad difficulty
        question_row(3, explanation="gộp"),
        question_row(4, explanation=None),
        question_row(5, b=""),  # too few choices
        question_row(3, code="Q0003"),  # repeats row 5's question and code
    ]:
        sheet.append(row)
    sheet.merge_cells("N6:N7")
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = import_xlsx(db_session, bank, buffer.getvalue())
    where = "cauhoi.xlsx, trang tính “Sheet1”"
    assert [str(i) for i in plan.errors] == [
        f"{where}, dòng 6, cột N: Vùng ô N6:N7 đang được gộp (merge). Hãy bỏ gộp ô và điền giá trị vào từng ô.",
        f"{where}, dòng 2, cột M (Đáp án): Đáp án “Z” không hợp lệ: ghi chữ cái của phương án đúng, ví dụ “B” hoặc “A, C”.",
        f"{where}, dòng 3, cột B (Mã câu hỏi): Mã câu hỏi “Q0001” bị trùng với câu ở dòng 2.",
        f"{where}, dòng 4, cột D (Mức độ): Mức độ “Rất khó” không hợp lệ: dùng Dễ, Trung bình, Khó (hoặc 1, 2, 3).",
        f"{where}, dòng 4, cột F (Câu hỏi): Câu hỏi trùng nội dung và phương án với câu ở dòng 2.",
        f"{where}, dòng 7, cột G (Phương án A): Câu hỏi cần ít nhất 2 phương án (hiện có 1).",
        f"{where}, dòng 8, cột F (Câu hỏi): Câu hỏi trùng nội dung và phương án với câu ở dòng 5.",
        f"{where}, dòng 8, cột B (Mã câu hỏi): Mã câu hỏi “Q0003” bị trùng với câu ở dòng 5.",
    ]
    assert count(db_session) == 0


def test_export_then_import_gives_the_same_bank(db_session, bank, make_unit):
    rows = [
        H,
        question_row(1, explanation="Giải thích 1", legal_basis="Nghị quyết 76/NQ-CP ngày 15/7/2021"),
        question_row(2, kind="Nhiều đáp án", c="Thêm", d="Thêm nữa", answer="A, D", difficulty="Trung bình"),
        question_row(3, a="", b="", kind="Đúng/Sai", answer="Sai", topic="Chính quyền số", difficulty="Khó"),
        question_row(4, code="", text="Câu hỏi không có mã?", c="C", d="D", e="E", f="F"),
    ]
    assert import_xlsx(db_session, bank, xlsx_bytes(rows)).ok
    _add_questions(db_session, bank, "Câu hỏi sáu phương án, có công thức?", ["=1+1", "@cmd", "+x", "-y", "E", "F"], ["F"])
    exported = svc.export_bank(db_session, bank)
    other = svc.create_bank(db_session, name="Bản sao", description="", owner_unit=make_unit())
    plan = import_xlsx(db_session, other, exported, "xuat.xlsx")
    assert plan.ok and len(plan.creates) == 5
    assert svc.bank_questions(db_session, other) == svc.bank_questions(db_session, bank)


def _add_questions(db_session, bank, text, choices, correct):
    """Add a question directly (text starting with '=' cannot come through a spreadsheet as text)."""
    from question_bank.model import QuestionData, QuestionKind
    from question_bank.planning import plan_import

    data = QuestionData(topic="Chung", difficulty=Difficulty.easy, kind=QuestionKind.single, text=text, choices=choices, correct=correct, code="F1")
    svc.apply_plan(db_session, bank, plan_import("x", [data], [], []))
    db_session.commit()


def test_export_writes_text_not_formulas(db_session, bank):
    _add_questions(db_session, bank, "Công thức?", ["=1+1", "@cmd", "+x", "-y"], ["A"])
    sheet = load_workbook(io.BytesIO(svc.export_bank(db_session, bank))).active
    cells = [sheet.cell(row=2, column=col) for col in range(7, 11)]
    assert [(c.value, c.data_type) for c in cells] == [("=1+1", "s"), ("@cmd", "s"), ("+x", "s"), ("-y", "s")]


def test_search_ignores_diacritics_and_filters_combine(db_session, bank):
    rows = [
        H,
        question_row(1, text="Chương trình tổng thể cải cách hành chính giai đoạn nào?"),
        question_row(2, text="Dịch vụ công trực tuyến toàn trình là gì?", topic="Chính quyền số", difficulty="Khó"),
        question_row(3, text="Tỷ lệ 100% hay 50_50?"),
    ]
    import_xlsx(db_session, bank, xlsx_bytes(rows))

    def codes(**kw):
        return [q.code for q in db_session.scalars(svc.question_query(bank, QuestionFilter(**kw)))]

    assert codes(search="cai cach") == ["Q0001"]
    assert codes(search="CẢI CÁCH") == ["Q0001"]
    assert codes(search="dich vu cong") == ["Q0002"]
    assert codes(search="100%") == ["Q0003"] and codes(search="0_5") == ["Q0003"]
    assert codes(search="%") == ["Q0003"]
    assert codes(difficulty=3) == ["Q0002"]
    assert codes(search="cai cach", difficulty=3) == []


@pytest.fixture
def used_question(db_session, bank, make_user):
    import_xlsx(db_session, bank, xlsx_bytes([H, question_row(1)]))
    question = db_session.scalar(select(Question))
    t0 = datetime(2026, 11, 23, tzinfo=timezone.utc)
    contest = Contest(owner_unit=bank.owner_unit, title="Cuộc thi")
    round_ = Round(contest=contest, number=1, title="Tuần 1", opens_at=t0, closes_at=t0 + timedelta(days=1), time_limit_minutes=10)
    attempt = Attempt(round=round_, user_id=make_user().id, number=1, seed=1, started_at=t0, deadline=t0 + timedelta(minutes=10))
    attempt.questions = [AttemptQuestion(question_id=question.id, position=1, kind=question.kind, text=question.text,
                                         choices=[{"key": "A", "text": question.choices[0].text}], correct_keys=["A"], points=1)]
    db_session.add(attempt)
    db_session.commit()
    return question


def test_editing_a_question_never_changes_an_attempt_already_drawn(db_session, used_question):
    data = svc.question_as_data(used_question)
    data.text = "Nội dung đã sửa?"
    data.choices = ["Mới A", "Mới B"]
    svc.update_question(db_session, used_question, data)
    db_session.commit()
    snapshot = db_session.scalar(select(AttemptQuestion))
    assert snapshot.text == "Câu hỏi số 1 về cải cách hành chính?" and snapshot.choices[0]["text"] == "Phương án đúng 1"


def test_a_used_question_can_be_retired_but_not_deleted(db_session, used_question):
    with pytest.raises(ValidationError, match="không thể xóa"):
        svc.delete_question(db_session, used_question)
    svc.set_status(db_session, used_question, "retired")
    db_session.commit()
    assert db_session.get(Question, used_question.id).status == "retired"


def test_an_unused_question_can_be_deleted(db_session, bank):
    import_xlsx(db_session, bank, xlsx_bytes([H, question_row(1)]))
    svc.delete_question(db_session, db_session.scalar(select(Question)))
    db_session.commit()
    assert count(db_session) == 0


def test_text_formats_through_the_service(db_session, bank):
    aiken = "Cơ quan nào thường trực CCHC?\nA. Bộ Nội vụ\nB. Bộ Tài chính\nANSWER: A\n".encode()
    plan = svc.plan_file_import(db_session, bank, svc.Upload(aiken, "a.txt", FileFormat.aiken, "Chung", Difficulty.hard))
    assert plan.ok and plan.creates[0].difficulty == Difficulty.hard and plan.creates[0].topic == "Chung"
    plan = svc.plan_file_import(db_session, bank, svc.Upload("Câu hỏi?".encode("utf-16"), "a.txt", FileFormat.aiken, "Chung"))
    assert [str(e) for e in plan.errors] == ["a.txt: Tệp văn bản phải được lưu với bảng mã UTF-8."]


def test_bank_names_are_unique(db_session, bank, make_unit):
    with pytest.raises(ValidationError, match="Đã có ngân hàng câu hỏi tên"):
        svc.create_bank(db_session, name=" Ngân hàng  CCHC ", description="", owner_unit=make_unit())
    assert db_session.scalar(select(func.count()).select_from(QuestionBank)) == 1
