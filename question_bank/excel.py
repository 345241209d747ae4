"""The question workbook: reading it, writing it (template and export)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import BinaryIO

from question_bank.model import DIFFICULTY_LABELS, KIND_LABELS, LABELS, Difficulty, QuestionData, QuestionKind, RawQuestion
from question_bank.issues import ImportIssue
from question_bank.xlsx import Column, Progress, read_table, template_workbook, write_table
from question_bank.validation import claimed_identity, validate

MAX_QUESTION_ROWS = 5000
OVERFLOW_LABELS = "GH"

QUESTION_COLUMNS = [
    Column("number", "STT", required=False),
    Column("code", "Mã câu hỏi", required=False),
    Column("topic", "Chủ đề"),
    Column("difficulty", "Mức độ"),
    Column("kind", "Loại", required=False),
    Column("text", "Câu hỏi", aliases=("Nội dung câu hỏi",)),
    *[Column(f"choice:{label}", f"Phương án {label}", required=label in "AB") for label in LABELS],
    # Columns past F are read only to refuse a question that fills them, instead of dropping its choices.
    *[Column(f"choice:{label}", f"Phương án {label}", required=False) for label in OVERFLOW_LABELS],
    Column("answer", "Đáp án", aliases=("Đáp án đúng",)),
    Column("explanation", "Giải thích", required=False),
    Column("legal_basis", "Căn cứ", required=False, aliases=("Căn cứ pháp lý",)),
]
# The template and the export: choices A–F only.
TEMPLATE_COLUMNS = [c for c in QUESTION_COLUMNS if c.key.removeprefix("choice:") not in OVERFLOW_LABELS]


def parse_excel(stream: BinaryIO | bytes, file: str, max_rows: int = MAX_QUESTION_ROWS) -> tuple[list[QuestionData], list[ImportIssue]]:
    """Read every question of the first sheet carrying the header row; errors name row and column."""
    table, issues = read_table(stream, file, QUESTION_COLUMNS, max_rows=max_rows)
    if table is None:
        return [], issues
    if not table.rows and not issues:
        return [], [ImportIssue(file, "Tệp có dòng tiêu đề nhưng không có câu hỏi nào.", sheet=table.sheet)]
    questions: list[QuestionData] = []
    # A repeated row is a typing slip in a spreadsheet: an error, checked on every row, valid or not.
    first_row_of_code: dict[str, int] = {}
    first_row_of_question: dict[str, int] = {}
    for row in table.rows:
        v = row.values
        raw = RawQuestion(
            text=v["text"],
            choices=[v.get(f"choice:{label}", "") for label in LABELS + OVERFLOW_LABELS],
            answer=v["answer"],
            kind=v.get("kind", ""),
            topic=v["topic"],
            difficulty=v["difficulty"],
            explanation=v.get("explanation", ""),
            legal_basis=v.get("legal_basis", ""),
            code=v.get("code", ""),
            sheet=table.sheet,
            row=row.number,
        )
        question, problems = validate(raw)
        for problem in problems:
            key = problem.field if problem.field in table.letters else None
            issues.append(table.issue(row, key, problem.message))
        code, fp = claimed_identity(raw)
        if question is not None:
            fp = question.fingerprint
        repeated = False
        if fp is not None and fp in first_row_of_question:
            issues.append(
                table.issue(row, "text", f"Câu hỏi trùng nội dung và phương án với câu ở dòng {first_row_of_question[fp]}.")
            )
            repeated = True
        elif fp is not None:
            first_row_of_question[fp] = row.number
        if code and code in first_row_of_code:
            issues.append(table.issue(row, "code", f"Mã câu hỏi “{code}” bị trùng với câu ở dòng {first_row_of_code[code]}."))
            repeated = True
        elif code:
            first_row_of_code[code] = row.number
        if question is not None and not repeated:
            questions.append(question)
    return questions, issues


def _row_of(question: QuestionData, number: int) -> list[object]:
    choices = question.choices + [""] * (len(LABELS) - len(question.choices))
    return [
        number,
        question.code,
        question.topic,
        DIFFICULTY_LABELS[question.difficulty],
        KIND_LABELS[question.kind],
        question.text,
        *choices,
        ", ".join(question.correct),
        question.explanation,
        question.legal_basis,
    ]


def export_workbook(questions: Iterable[QuestionData], title: str | None = None, *, progress: Progress | None = None) -> bytes:
    """The bank in the import format, so that importing the export gives the same bank."""
    rows = (_row_of(q, i) for i, q in enumerate(questions, start=1))
    return write_table(TEMPLATE_COLUMNS, rows, title=title, sheet_title="Câu hỏi", progress=progress)


EXAMPLES = [
    QuestionData(
        topic="Cải cách thủ tục hành chính", difficulty=Difficulty.easy, kind=QuestionKind.single,
        text="Nghị định nào quy định về thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính?",
        choices=["Nghị định 63/2010/NĐ-CP", "Nghị định 61/2018/NĐ-CP", "Nghị định 45/2020/NĐ-CP", "Nghị định 30/2020/NĐ-CP"],
        correct=["B"], code="MAU-01",
        explanation="Nghị định 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ về thực hiện cơ chế một cửa, một cửa liên thông.",
        legal_basis="Nghị định 61/2018/NĐ-CP ngày 23/4/2018",
    ),
    QuestionData(
        topic="Chính quyền số", difficulty=Difficulty.medium, kind=QuestionKind.multiple,
        text="Những văn bản nào sau đây là luật?",
        choices=["Luật Giao dịch điện tử năm 2023", "Nghị định 45/2020/NĐ-CP", "Luật An ninh mạng năm 2018", "Quyết định 06/QĐ-TTg"],
        correct=["A", "C"], code="MAU-02",
    ),
    QuestionData(
        topic="Cải cách hành chính chung", difficulty=Difficulty.easy, kind=QuestionKind.true_false,
        text="Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021 - 2030 được ban hành kèm theo Nghị quyết 76/NQ-CP ngày 15/7/2021 của Chính phủ.",
        choices=["Đúng", "Sai"], correct=["A"], code="MAU-03",
        legal_basis="Nghị quyết 76/NQ-CP ngày 15/7/2021",
    ),
]

INSTRUCTIONS = [
    "Mỗi dòng ở trang “Câu hỏi” là một câu hỏi. Không đổi tên các cột ở dòng tiêu đề; có thể thêm dòng tiêu đề/ghi chú phía trên.",
    "STT: không bắt buộc, chỉ để đánh số.",
    "Mã câu hỏi: không bắt buộc; nếu có, phải là duy nhất trong ngân hàng. Nhập lại tệp có cùng mã sẽ cập nhật câu hỏi đó.",
    "Chủ đề: bắt buộc, ví dụ “Cải cách thủ tục hành chính”.",
    "Mức độ: Dễ, Trung bình hoặc Khó (hoặc 1, 2, 3).",
    "Loại: Một đáp án, Nhiều đáp án hoặc Đúng/Sai. Để trống thì hệ thống tự xác định theo số đáp án đúng.",
    "Phương án A … F: từ 2 đến 6 phương án, không để trống phương án ở giữa, không trùng nhau.",
    "Câu Đúng/Sai: có thể để trống các phương án; hệ thống tự tạo A = Đúng, B = Sai.",
    "Đáp án: chữ cái của phương án đúng, ví dụ “B”; câu nhiều đáp án ghi “A, C”. Câu một đáp án chỉ có đúng một chữ cái.",
    "Giải thích, Căn cứ: không bắt buộc; Căn cứ ghi văn bản pháp luật, ví dụ “Nghị quyết 76/NQ-CP ngày 15/7/2021”.",
    f"Tối đa {MAX_QUESTION_ROWS} câu hỏi mỗi tệp. Nếu tệp có bất kỳ lỗi nào, hệ thống không ghi câu nào và liệt kê từng lỗi theo dòng, cột.",
]


# Every answer that can be written for six choices: "A" … "F", then "A, B" … "A, B, C, D, E, F".
ANSWER_CHOICES = [", ".join(combo) for size in range(1, len(LABELS) + 1) for combo in combinations(LABELS, size)]


def template() -> bytes:
    rows = [_row_of(q, i) for i, q in enumerate(EXAMPLES, start=1)]
    return template_workbook(
        TEMPLATE_COLUMNS,
        examples=rows,
        instructions=INSTRUCTIONS,
        choices={
            "difficulty": list(DIFFICULTY_LABELS.values()),
            "kind": list(KIND_LABELS.values()),
            "answer": ANSWER_CHOICES,
        },
        sheet_title="Câu hỏi",
    )
