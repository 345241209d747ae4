"""Every validation rule, with a failing and a passing case."""

from __future__ import annotations

import unicodedata

import pytest

from question_bank.model import Difficulty, QuestionKind, RawQuestion, auto_code, fingerprint
from question_bank.validation import validate


def raw(**overrides) -> RawQuestion:
    fields = dict(
        text="Nghị quyết nào ban hành Chương trình tổng thể CCHC 2021 - 2030?",
        choices=["Nghị quyết 30c/NQ-CP", "Nghị quyết 76/NQ-CP", "Nghị quyết 17/NQ-CP", ""],
        answer="B",
        kind="",
        topic="Cải cách hành chính chung",
        difficulty="Dễ",
        code="Q1",
    )
    fields.update(overrides)
    return RawQuestion(**fields)


def test_a_good_question_passes_with_inferred_kind():
    question, problems = validate(raw())
    assert problems == []
    assert question.kind == QuestionKind.single and question.correct == ["B"]
    assert question.choices == ["Nghị quyết 30c/NQ-CP", "Nghị quyết 76/NQ-CP", "Nghị quyết 17/NQ-CP"]
    assert question.difficulty == Difficulty.easy


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"text": "  "}, "text", "Thiếu nội dung câu hỏi."),
        ({"text": "x" * 5001}, "text", "Nội dung câu hỏi dài quá 5000 ký tự."),
        ({"topic": ""}, "topic", "Thiếu chủ đề."),
        ({"difficulty": ""}, "difficulty", "Thiếu mức độ (Dễ, Trung bình, Khó)."),
        ({"difficulty": "Rất khó"}, "difficulty", "Mức độ “Rất khó” không hợp lệ: dùng Dễ, Trung bình, Khó (hoặc 1, 2, 3)."),
        ({"kind": "Tự luận"}, "kind", "Loại câu hỏi “Tự luận” không hợp lệ: dùng Một đáp án, Nhiều đáp án hoặc Đúng/Sai (hoặc để trống)."),
        ({"choices": ["Chỉ một", "", "", ""], "answer": "A"}, "choice:A", "Câu hỏi cần ít nhất 2 phương án (hiện có 1)."),
        ({"choices": [f"P{i}" for i in range(7)]}, "choice:F", "Câu hỏi có tối đa 6 phương án (A–F)."),
        ({"choices": ["A1", "", "C1", ""]}, "choice:B", "Phương án B bị trống trong khi phương án C có nội dung."),
        ({"choices": ["Giống", "giống ", "Khác", ""]}, "choice:B", "Phương án B trùng với phương án A."),
        ({"choices": ["x" * 1001, "y", "", ""]}, "choice:A", "Phương án A dài quá 1000 ký tự."),
        ({"answer": ""}, "answer", "Thiếu đáp án."),
        ({"answer": "E"}, "answer", "Đáp án “E” không có trong các phương án của câu hỏi (chỉ có A, B, C)."),
        ({"answer": "B2"}, "answer", "Đáp án “B2” không hợp lệ: ghi chữ cái của phương án đúng, ví dụ “B” hoặc “A, C”."),
        ({"answer": "A, C", "kind": "Một đáp án"}, "answer", "Câu hỏi một đáp án chỉ được có đúng một đáp án (đang ghi “A, C”)."),
        ({"kind": "Đúng/Sai"}, "choice:A", "Câu Đúng/Sai phải có đúng 2 phương án “Đúng” và “Sai”."),
        ({"code": "mã có dấu"}, "code", "Mã câu hỏi “mã có dấu” không hợp lệ: chỉ gồm chữ cái không dấu, chữ số, dấu . _ / - (tối đa 64 ký tự)."),
    ],
)
def test_each_rule_names_the_field_and_the_problem(overrides, field, message):
    question, problems = validate(raw(**overrides))
    assert question is None
    assert (problems[0].field, problems[0].message) == (field, message)


@pytest.mark.parametrize(
    "overrides, kind, correct",
    [
        ({"answer": "a, c"}, QuestionKind.multiple, ["A", "C"]),
        ({"answer": "CA"}, QuestionKind.multiple, ["A", "C"]),
        ({"answer": "A;C", "kind": "Nhiều đáp án"}, QuestionKind.multiple, ["A", "C"]),
        ({"answer": "B", "kind": "nhieu dap an"}, QuestionKind.multiple, ["B"]),
        ({"choices": ["", "", "", ""], "kind": "Đúng/Sai", "answer": "Sai"}, QuestionKind.true_false, ["B"]),
        ({"choices": ["Đúng", "Sai"], "kind": "", "answer": "A"}, QuestionKind.true_false, ["A"]),
        ({"choices": ["Sai", "Đúng"], "kind": "đúng/sai", "answer": "Đúng"}, QuestionKind.true_false, ["B"]),
    ],
)
def test_answers_and_kinds_that_pass(overrides, kind, correct):
    question, problems = validate(raw(**overrides))
    assert problems == []
    assert (question.kind, question.correct) == (kind, correct)


@pytest.mark.parametrize("value, level", [("1", 1), ("trung binh", 2), ("KHÓ", 3), ("TB", 2), ("3", 3)])
def test_difficulty_words_and_numbers(value, level):
    question, _ = validate(raw(difficulty=value))
    assert question.difficulty == level


def test_text_is_normalised_to_nfc_with_collapsed_spaces():
    nfd = unicodedata.normalize("NFD", "Cải  cách   hành chính là gì?")
    question, _ = validate(raw(text=nfd, choices=[unicodedata.normalize("NFD", "Đổi mới"), "B", "", ""], answer="A"))
    assert question.text == "Cải cách hành chính là gì?"
    assert unicodedata.is_normalized("NFC", question.text) and unicodedata.is_normalized("NFC", question.choices[0])


def test_question_without_code_gets_a_stable_code_from_its_content():
    first, _ = validate(raw(code=""))
    again, _ = validate(raw(code="", text=raw().text + "  "))
    assert first.code == again.code == auto_code(first.fingerprint)


def test_fingerprint_ignores_case_spacing_and_choice_order():
    assert fingerprint("Câu  hỏi", ["A", "b"]) == fingerprint("câu hỏi", ["B", "a"])
    assert fingerprint("Câu hỏi", ["A", "B"]) != fingerprint("Câu hỏi", ["A", "C"])


def test_the_sample_bank_is_valid_and_covers_every_area():
    from collections import Counter

    from question_bank.sample import load_sample

    questions = load_sample()
    assert len(questions) >= 80
    assert len({q.code for q in questions}) == len(questions)
    assert len({q.fingerprint for q in questions}) == len(questions)
    topics = Counter(q.topic for q in questions)
    for area in ["Cải cách thể chế", "Cải cách thủ tục hành chính", "Cải cách tổ chức bộ máy", "Cải cách chế độ công vụ",
                 "Cải cách tài chính công", "Chính quyền điện tử, chính quyền số"]:
        assert topics[area] >= 5, area
    assert all(q.legal_basis for q in questions)
    assert {q.kind for q in questions} == set(QuestionKind)
    assert {q.difficulty for q in questions} == set(Difficulty)
    assert all(unicodedata.is_normalized("NFC", q.text) for q in questions)
    assert any("Nghị quyết 76/NQ-CP ngày 15/7/2021" in q.legal_basis for q in questions)
