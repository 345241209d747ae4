"""GIFT and Aiken, against Moodle's own sample files and hand-written cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from question_bank.aiken import parse_aiken
from question_bank.gift import parse_gift
from question_bank.model import Difficulty, QuestionKind

MOODLE = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "moodle"
needs_moodle = pytest.mark.skipif(not MOODLE.is_dir(), reason="../shared/fixtures/moodle is not beside this clone")


def _read(name: str) -> str:
    return (MOODLE / name).read_text(encoding="utf-8")


@needs_moodle
def test_moodle_aiken_sample():
    questions, issues = parse_aiken(_read("questions.aiken.txt"), "questions.aiken.txt", "Chung")
    assert issues == []
    assert [(q.text, q.correct, len(q.choices)) for q in questions] == [
        ("The Moodle project was started by:", ["B"], 4),
        ('Moodle\'s abilities include handling user input that includes <html class="cool"> & images:', ["A"], 2),
    ]
    assert questions[0].choices[1] == "Martin Dougiamas"


@needs_moodle
def test_moodle_aiken_errors_are_line_numbered():
    questions, issues = parse_aiken(_read("aiken_errors.txt"), "aiken_errors.txt", "Chung")
    assert [(q.text, q.correct) for q in questions] == [("A good question", ["A"]), ("A second good question", ["B"])]
    assert questions[1].choices == ["Incorrect (No space)", "Correct (No space)"]
    assert [str(i) for i in issues] == [
        "aiken_errors.txt, dòng 1: Câu hỏi cần ít nhất 2 phương án (hiện có 1).",
        "aiken_errors.txt, dòng 5: Phương án xuất hiện khi chưa có nội dung câu hỏi.",
        "aiken_errors.txt, dòng 7: Dòng ANSWER xuất hiện khi chưa có câu hỏi.",
        "aiken_errors.txt, dòng 18: Câu hỏi bắt đầu ở dòng 14 chưa có dòng ANSWER trước khi câu hỏi mới bắt đầu.",
    ]


@needs_moodle
def test_moodle_gift_sample():
    questions, issues = parse_gift(_read("questions.gift.txt"), "questions.gift.txt", "Chung")
    summary = [(q.line, q.kind, q.correct, q.choices) for q in questions]
    assert summary == [
        (14, QuestionKind.single, ["A"], ["yellow", "red", "blue"]),
        (22, QuestionKind.multiple, ["A", "C"], ["yellow", "red", "off-beige", "blue"]),
        (41, QuestionKind.true_false, ["B"], ["Đúng", "Sai"]),  # FALSE
        (46, QuestionKind.true_false, ["A"], ["Đúng", "Sai"]),  # {T}
        (49, QuestionKind.true_false, ["A"], ["Đúng", "Sai"]),  # {TRUE}
    ]
    assert questions[0].text == "What's between orange and green in the spectrum?"
    assert all(i.warning for i in issues)
    assert [(i.line, i.message.split(":")[0]) for i in issues] == [
        (2, "Bỏ qua câu hỏi dạng tự luận (essay)"),
        (5, "Bỏ qua câu hỏi dạng ghép đôi (matching)"),
        (31, "Bỏ qua câu hỏi dạng số (numerical)"),
        (34, "Bỏ qua câu hỏi dạng trả lời ngắn (short answer)"),
    ]


@needs_moodle
def test_moodle_gift_category_becomes_the_topic():
    questions, issues = parse_gift(_read("questions_in_category.gift.txt"), "c.gift", "Chung")
    assert [(q.topic, q.kind, q.correct) for q in questions] == [
        ("Default for New Features", QuestionKind.single, ["B"]),
        ("Default for New Features", QuestionKind.true_false, ["A"]),
    ]
    assert questions[0].text == "Listen to this greeting: What language is being spoken?"
    assert questions[1].text == "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Environment."
    assert [(i.line, i.warning) for i in issues] == [(5, True), (22, True)]


def test_gift_vietnamese_with_escapes_and_defaults():
    text = (
        "// Chủ đề CCHC\n"
        "$CATEGORY: $course$/Cải cách thể chế\n\n"
        "::C1:: Tỷ lệ 50\\% hay 1\\:2 \\= ? {\n  =Một nửa # đúng\n  ~Gấp đôi\n}\n\n"
        "Câu không có đáp án đóng {\n=A ~B\n"
    )
    questions, issues = parse_gift(text, "vn.gift", "Mặc định", Difficulty.hard)
    assert [(q.text, q.choices, q.topic, q.difficulty) for q in questions] == [
        ("Tỷ lệ 50\\% hay 1:2 = ?", ["Một nửa", "Gấp đôi"], "Cải cách thể chế", Difficulty.hard)
    ]
    assert [str(i) for i in issues] == ["vn.gift, dòng 9: Thiếu dấu “{” hoặc “}” bao phần đáp án."]


def test_aiken_multiple_answers_and_bad_key():
    text = "Câu 1?\nA. Một\nB. Hai\nC. Ba\nANSWER: A, C\n\nCâu 2?\nA) X\nB) Y\nANSWER: D\n"
    questions, issues = parse_aiken(text, "a.txt", "Chung")
    assert [(q.kind, q.correct) for q in questions] == [(QuestionKind.multiple, ["A", "C"])]
    assert [str(i) for i in issues] == ["a.txt, dòng 10: Đáp án “D” không có trong các phương án của câu hỏi (chỉ có A, B)."]


def test_aiken_question_with_one_option_reports_its_key_too():
    _, issues = parse_aiken("Câu hỏi?\nA) X\nANSWER: C\n", "a.txt", "Chung")
    assert [str(i) for i in issues] == [
        "a.txt, dòng 1: Câu hỏi cần ít nhất 2 phương án (hiện có 1).",
        "a.txt, dòng 3: Đáp án “C” không có trong các phương án của câu hỏi (chỉ có A).",
    ]


def test_aiken_unfinished_question_at_end_of_file():
    _, issues = parse_aiken("Câu hỏi?\nA) X\nB) Y\n", "a.txt", "Chung")
    assert [str(i) for i in issues] == ["a.txt, dòng 1: Câu hỏi bắt đầu ở dòng 1 chưa có dòng ANSWER ở cuối tệp."]
