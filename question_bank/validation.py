"""Rules every question obeys, whatever file it came from.

`validate` turns a RawQuestion into a QuestionData, or into a list of
problems, each tied to the field it concerns so that a spreadsheet importer
can point at the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from question_bank.model import (
    FALSE_TEXT,
    LABELS,
    MAX_CHOICES,
    MIN_CHOICES,
    TRUE_TEXT,
    Difficulty,
    QuestionData,
    QuestionKind,
    RawQuestion,
    auto_code,
    fingerprint,
)
from question_bank.text import fold, normalize_text

MAX_TEXT = 5000
MAX_CHOICE_TEXT = 1000
MAX_TOPIC = 255
MAX_CODE = 64
CODE_PATTERN = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._/-]{{0,{MAX_CODE - 1}}}$")

_KIND_ALIASES = {
    **{fold(k.value): k for k in QuestionKind},
    **{fold(k.label): k for k in QuestionKind},
    "mot dap an": QuestionKind.single,
    "1 dap an": QuestionKind.single,
    "mot lua chon": QuestionKind.single,
    "trac nghiem": QuestionKind.single,
    "nhieu dap an": QuestionKind.multiple,
    "nhieu lua chon": QuestionKind.multiple,
    "dung sai": QuestionKind.true_false,
    "dung/sai": QuestionKind.true_false,
    "true/false": QuestionKind.true_false,
    "truefalse": QuestionKind.true_false,
}
_DIFFICULTY_ALIASES = {
    **{fold(label): level for level, label in ((d, d.label) for d in Difficulty)},
    **{str(int(d)): d for d in Difficulty},
    "tb": Difficulty.medium,
    "de": Difficulty.easy,
    "kho": Difficulty.hard,
    "easy": Difficulty.easy,
    "medium": Difficulty.medium,
    "hard": Difficulty.hard,
}
_TRUE_WORDS = {"dung", "d", "true", "t"}
_FALSE_WORDS = {"sai", "s", "false", "f"}


def parse_kind(value: str) -> QuestionKind | None:
    return _KIND_ALIASES.get(fold(value))


def parse_difficulty(value: str) -> Difficulty | None:
    return _DIFFICULTY_ALIASES.get(fold(value))


@dataclass(frozen=True)
class Problem:
    field: str  # "text", "topic", "difficulty", "kind", "answer", "code", "explanation", "legal_basis", "choice:A"...
    message: str


def _parse_answer(answer: str, labels: list[str], choices: list[str]) -> tuple[list[str], str | None]:
    """Answer text -> sorted labels. Accepts "B", "A, C", "a;c", "AC", or Đúng/Sai naming a choice."""
    raw = normalize_text(answer)
    if not raw:
        return [], "Thiếu đáp án."
    folded = fold(raw)
    by_text = {fold(c): label for label, c in zip(labels, choices)}
    if folded in _TRUE_WORDS | _FALSE_WORDS and folded not in {"d", "f"} | {label.lower() for label in labels}:
        word = TRUE_TEXT if folded in _TRUE_WORDS else FALSE_TEXT
        label = by_text.get(fold(word))
        if label is None:
            return [], f"Đáp án “{raw}” không khớp với phương án nào."
        return [label], None
    parts = [p for p in re.split(r"[\s,;/+&]+", raw.upper()) if p]
    if len(parts) == 1 and len(parts[0]) > 1 and parts[0].isalpha():
        parts = list(parts[0])
    keys: list[str] = []
    for part in parts:
        if len(part) != 1 or part not in LABELS:
            return [], f"Đáp án “{raw}” không hợp lệ: ghi chữ cái của phương án đúng, ví dụ “B” hoặc “A, C”."
        if part not in labels:
            return [], f"Đáp án “{part}” không có trong các phương án của câu hỏi (chỉ có {', '.join(labels)})."
        if part not in keys:
            keys.append(part)
    return sorted(keys), None


def _collect_choices(raw: RawQuestion, problems: list[Problem]) -> list[str]:
    texts = [normalize_text(c) for c in raw.choices]
    while texts and not texts[-1]:
        texts.pop()
    for index, text in enumerate(texts[:MAX_CHOICES]):
        if not text:
            later = next((LABELS[j] for j in range(index + 1, min(len(texts), MAX_CHOICES)) if texts[j]), "sau")
            problems.append(Problem(f"choice:{LABELS[index]}", f"Phương án {LABELS[index]} bị trống trong khi phương án {later} có nội dung."))
        elif len(text) > MAX_CHOICE_TEXT:
            problems.append(Problem(f"choice:{LABELS[index]}", f"Phương án {LABELS[index]} dài quá {MAX_CHOICE_TEXT} ký tự."))
    seen: dict[str, str] = {}
    for index, text in enumerate(texts[:MAX_CHOICES]):
        key = text.casefold()
        if text and key in seen:
            problems.append(Problem(f"choice:{LABELS[index]}", f"Phương án {LABELS[index]} trùng với phương án {seen[key]}."))
        elif text:
            seen[key] = LABELS[index]
    return texts


def validate(raw: RawQuestion, default_topic: str = "", default_difficulty: Difficulty | None = None) -> tuple[QuestionData | None, list[Problem]]:
    problems: list[Problem] = []
    text = normalize_text(raw.text)
    if not text:
        problems.append(Problem("text", "Thiếu nội dung câu hỏi."))
    elif len(text) > MAX_TEXT:
        problems.append(Problem("text", f"Nội dung câu hỏi dài quá {MAX_TEXT} ký tự."))

    topic = normalize_text(raw.topic) or default_topic
    if not topic:
        problems.append(Problem("topic", "Thiếu chủ đề."))
    elif len(topic) > MAX_TOPIC:
        problems.append(Problem("topic", f"Tên chủ đề dài quá {MAX_TOPIC} ký tự."))

    difficulty = parse_difficulty(raw.difficulty) if raw.difficulty.strip() else default_difficulty
    if difficulty is None:
        problems.append(
            Problem("difficulty", f"Mức độ “{raw.difficulty}” không hợp lệ: dùng Dễ, Trung bình, Khó (hoặc 1, 2, 3)." if raw.difficulty.strip() else "Thiếu mức độ (Dễ, Trung bình, Khó).")
        )

    kind: QuestionKind | None = None
    if raw.kind.strip():
        kind = parse_kind(raw.kind)
        if kind is None:
            problems.append(Problem("kind", f"Loại câu hỏi “{raw.kind}” không hợp lệ: dùng Một đáp án, Nhiều đáp án hoặc Đúng/Sai (hoặc để trống)."))

    choices = _collect_choices(raw, problems)
    if kind == QuestionKind.true_false and not choices:
        choices = [TRUE_TEXT, FALSE_TEXT]
    if len(choices) < MIN_CHOICES:
        problems.append(Problem("choice:A", f"Câu hỏi cần ít nhất {MIN_CHOICES} phương án (hiện có {len(choices)})."))
    elif len(choices) > MAX_CHOICES:
        problems.append(Problem(f"choice:{LABELS[MAX_CHOICES - 1]}", f"Câu hỏi có tối đa {MAX_CHOICES} phương án ({LABELS[0]}–{LABELS[MAX_CHOICES - 1]})."))

    labels = list(LABELS[: len(choices)])
    keys, answer_problem = _parse_answer(raw.answer, labels, choices)
    if answer_problem:
        problems.append(Problem("answer", answer_problem))

    is_true_false_pair = sorted(fold(c) for c in choices) == sorted([fold(TRUE_TEXT), fold(FALSE_TEXT)])
    if kind is None and keys:
        kind = QuestionKind.multiple if len(keys) > 1 else (QuestionKind.true_false if is_true_false_pair else QuestionKind.single)
    if kind in (QuestionKind.single, QuestionKind.true_false) and len(keys) > 1:
        problems.append(Problem("answer", f"Câu hỏi {kind.label.lower()} chỉ được có đúng một đáp án (đang ghi “{normalize_text(raw.answer)}”)."))
    if kind == QuestionKind.true_false and choices and not is_true_false_pair:
        problems.append(Problem("choice:A", f"Câu Đúng/Sai phải có đúng 2 phương án “{TRUE_TEXT}” và “{FALSE_TEXT}”."))

    code = normalize_text(raw.code)
    if code and not CODE_PATTERN.match(code):
        problems.append(Problem("code", f"Mã câu hỏi “{code}” không hợp lệ: chỉ gồm chữ cái không dấu, chữ số, dấu . _ / - (tối đa {MAX_CODE} ký tự)."))

    if problems:
        return None, problems
    question = QuestionData(
        topic=topic,
        difficulty=difficulty,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        text=text,
        choices=choices,
        correct=keys,
        explanation=normalize_text(raw.explanation),
        legal_basis=normalize_text(raw.legal_basis),
        code=code or auto_code(fingerprint(text, choices)),
        sheet=raw.sheet,
        row=raw.row,
        line=raw.line,
    )
    return question, []


def claimed_identity(raw: RawQuestion) -> tuple[str, str | None]:
    """The code a question asks for ("" when none or malformed) and its fingerprint (None when unreadable).

    Read from the raw fields, so that a spreadsheet importer can also report a
    row that repeats another row's code or question when that row has other
    errors as well, instead of leaving the repeat for the next upload.
    """
    code = normalize_text(raw.code)
    text = normalize_text(raw.text)
    choices = [c for c in (normalize_text(c) for c in raw.choices) if c]
    readable = bool(text) and len(choices) >= MIN_CHOICES
    return (code if CODE_PATTERN.match(code) else ""), (fingerprint(text, choices) if readable else None)
