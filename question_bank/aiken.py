"""Aiken format (Moodle): question text, options "A) ..." or "A. ...", then "ANSWER: B".

Moodle's Aiken allows one answer; "ANSWER: A, C" is also accepted here and
makes a several-answers question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from question_bank.model import LABELS, MAX_CHOICES, Difficulty, QuestionData, RawQuestion
from question_bank.issues import ImportIssue
from question_bank.validation import validate

_OPTION = re.compile(r"^([A-Z])[).]\s*(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)


@dataclass
class _Pending:
    line: int
    text: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)


def parse_aiken(
    content: str, file: str, default_topic: str = "", default_difficulty: Difficulty | None = Difficulty.medium
) -> tuple[list[QuestionData], list[ImportIssue]]:
    questions: list[QuestionData] = []
    issues: list[ImportIssue] = []
    pending: _Pending | None = None

    def error(line: int, message: str) -> None:
        issues.append(ImportIssue(file, message, line=line))

    for number, raw_line in enumerate(content.splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        answer = _ANSWER.match(line)
        option = _OPTION.match(line)
        if answer:
            if pending is None or not pending.text:
                error(number, "Dòng ANSWER xuất hiện khi chưa có câu hỏi.")
            else:
                raw = RawQuestion(text=" ".join(pending.text), choices=pending.options, answer=answer.group(1), line=pending.line)
                question, problems = validate(raw, default_topic, default_difficulty)
                if question is not None:
                    questions.append(question)
                for problem in problems:
                    error(number if problem.field == "answer" else pending.line, problem.message)
            pending = None
        elif option:
            if pending is None or not pending.text:
                error(number, "Phương án xuất hiện khi chưa có nội dung câu hỏi.")
                continue
            expected = LABELS[len(pending.options)] if len(pending.options) < len(LABELS) else None
            if option.group(1) != expected:
                error(number, f"Phương án “{option.group(1)}” không đúng thứ tự (cần “{expected}”)." if expected else f"Câu hỏi có quá {MAX_CHOICES} phương án ({LABELS[0]}–{LABELS[-1]}).")
                continue
            pending.options.append(option.group(2))
        else:
            if pending is not None and pending.options:
                error(number, f"Câu hỏi bắt đầu ở dòng {pending.line} chưa có dòng ANSWER trước khi câu hỏi mới bắt đầu.")
                pending = None
            if pending is None:
                pending = _Pending(line=number)
            pending.text.append(line)
    if pending is not None:
        error(pending.line, f"Câu hỏi bắt đầu ở dòng {pending.line} chưa có dòng ANSWER ở cuối tệp.")
    return questions, issues
