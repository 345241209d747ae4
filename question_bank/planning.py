"""Decide what an import does to a bank: create, update by code (only what differs), or skip duplicates."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from question_bank.model import DIFFICULTY_LABELS, KIND_LABELS, QuestionData
from question_bank.issues import ImportIssue
from question_bank.workbook_limits import number


@dataclass(frozen=True)
class ExistingQuestion:
    code: str
    fingerprint: str
    # The stored question, to tell a changed question from an unchanged one (None: not known, so it is rewritten).
    data: QuestionData | None = None


# What an update may change, as the preview names it.
CHANGE_LABELS = {
    "text": "nội dung",
    "choices": "phương án",
    "correct": "đáp án",
    "kind": "loại",
    "difficulty": "mức độ",
    "topic": "chủ đề",
    "explanation": "giải thích",
    "legal_basis": "căn cứ",
}


def changed_fields(old: QuestionData, new: QuestionData) -> list[str]:
    """The fields of CHANGE_LABELS in which `new` differs from `old` (empty: the same question)."""
    return [name for name in CHANGE_LABELS if getattr(old, name) != getattr(new, name)]


class Verdict(str, enum.Enum):
    """What confirming the import does to one parsed question."""

    new = "new"
    changed = "changed"
    unchanged = "unchanged"
    skipped = "skipped"

    @property
    def label(self) -> str:
        return {"new": "Mới", "changed": "Thay đổi", "unchanged": "Không đổi", "skipped": "Bỏ qua (trùng)"}[self.value]


@dataclass
class PlannedQuestion:
    """One parsed question of the file, in file order, with what the import does to it."""

    question: QuestionData
    verdict: Verdict
    changes: list[str] = field(default_factory=list)  # CHANGE_LABELS keys, for a changed question

    @property
    def change_labels(self) -> list[str]:
        return [CHANGE_LABELS[name] for name in self.changes]


@dataclass
class ImportPlan:
    file: str
    creates: list[QuestionData] = field(default_factory=list)
    updates: list[QuestionData] = field(default_factory=list)
    skipped: list[QuestionData] = field(default_factory=list)
    unchanged: list[QuestionData] = field(default_factory=list)  # in the bank already, exactly so: nothing to write
    issues: list[ImportIssue] = field(default_factory=list)
    items: list[PlannedQuestion] = field(default_factory=list)  # every parsed question, in file order

    @property
    def errors(self) -> list[ImportIssue]:
        return [i for i in self.issues if not i.warning]

    @property
    def warnings(self) -> list[ImportIssue]:
        return [i for i in self.issues if i.warning]

    @property
    def ok(self) -> bool:
        """Something to write and nothing wrong."""
        return not self.errors and bool(self.creates or self.updates)

    @property
    def to_write(self) -> list[QuestionData]:
        return self.creates + self.updates

    @property
    def nothing_changes(self) -> bool:
        """No error, and the bank already holds every question of the file as it is ("0 thay đổi")."""
        return not self.errors and not self.to_write and bool(self.unchanged)

    def counts(self) -> dict[str, Counter]:
        """Questions to write, counted by topic, difficulty and type (for the preview)."""
        return {
            "topic": Counter(q.topic for q in self.to_write),
            "difficulty": Counter(DIFFICULTY_LABELS[q.difficulty] for q in self.to_write),
            "kind": Counter(KIND_LABELS[q.kind] for q in self.to_write),
        }


def _where(question: QuestionData) -> str:
    if question.row is not None:
        return f"dòng {question.row}"
    return f"dòng {question.line}" if question.line is not None else "câu trước"


def _issue(file: str, question: QuestionData, message: str, warning: bool = False) -> ImportIssue:
    return ImportIssue(
        file,
        message,
        sheet=question.sheet,
        row=question.row,
        line=question.line,
        column=None,
        warning=warning,
    )


def plan_import(
    file: str,
    questions: list[QuestionData],
    parse_issues: list[ImportIssue],
    existing: list[ExistingQuestion],
) -> ImportPlan:
    """Match parsed questions against the bank.

    A code seen twice is an error. The same text and choices seen twice is a
    warning and the later copy is skipped (Moodle exports legitimately repeat
    questions; the spreadsheet reader reports its repeated rows as errors
    itself). A question already in the bank under another code is a warning
    and is skipped.
    """
    plan = ImportPlan(file=file, issues=list(parse_issues))
    by_code = {e.code: e for e in existing}

    def skip(question: QuestionData) -> None:
        plan.skipped.append(question)
        plan.items.append(PlannedQuestion(question, Verdict.skipped))

    code_of_fingerprint = {e.fingerprint: e.code for e in existing}
    seen_codes: dict[str, QuestionData] = {}
    seen_fingerprints: dict[str, QuestionData] = {}
    for question in questions:
        fp = question.fingerprint
        if fp in seen_fingerprints:
            first = _where(seen_fingerprints[fp])
            plan.issues.append(
                _issue(file, question, f"Câu hỏi trùng nội dung và phương án với câu ở {first}; bỏ qua câu này.", warning=True)
            )
            skip(question)
            continue
        if question.code in seen_codes:
            plan.issues.append(_issue(file, question, f"Mã câu hỏi “{question.code}” bị trùng với câu ở {_where(seen_codes[question.code])}."))
            continue
        seen_fingerprints[fp] = question
        seen_codes[question.code] = question
        owner = code_of_fingerprint.get(fp)
        if owner is not None and owner != question.code:
            plan.issues.append(
                _issue(file, question, f"Câu hỏi trùng nội dung và phương án với câu “{owner}” đã có trong ngân hàng; bỏ qua câu này.", warning=True)
            )
            skip(question)
            continue
        stored = by_code.get(question.code)
        if stored is None:
            plan.creates.append(question)
            plan.items.append(PlannedQuestion(question, Verdict.new))
            continue
        changes = changed_fields(stored.data, question) if stored.data is not None else []
        if changes or stored.data is None:
            plan.updates.append(question)
            plan.items.append(PlannedQuestion(question, Verdict.changed, changes))
        else:
            plan.unchanged.append(question)
            plan.items.append(PlannedQuestion(question, Verdict.unchanged))
    if not plan.errors and not plan.to_write and not plan.skipped and not plan.unchanged:
        plan.issues.append(ImportIssue(file, "Không có câu hỏi nào để nhập."))
    return plan


def summary(plan: ImportPlan) -> str:
    """"3 thay đổi (1 câu mới, 2 câu thay đổi, 7 câu không đổi)": the preview's and the report's one line."""
    parts = [f"{number(len(plan.creates))} câu mới", f"{number(len(plan.updates))} câu thay đổi", f"{number(len(plan.unchanged))} câu không đổi"]
    if plan.skipped:
        parts.append(f"bỏ qua {number(len(plan.skipped))} câu trùng")
    return f"{number(len(plan.to_write))} thay đổi ({', '.join(parts)})."


def report_lines(plan: ImportPlan) -> list[str]:
    """The import report as plain text lines (CLI)."""
    lines = [str(issue) for issue in plan.errors]
    lines += [f"Cảnh báo: {issue}" for issue in plan.warnings]
    if plan.errors:
        lines.append(f"Tệp {plan.file} có {number(len(plan.errors))} lỗi; không có câu hỏi nào được ghi.")
        return lines
    lines.append(f"{plan.file}: {summary(plan)}")
    for title, key in (("Chủ đề", "topic"), ("Mức độ", "difficulty"), ("Loại", "kind")):
        counts = plan.counts()[key]
        lines.append(f"  {title}: " + "; ".join(f"{name}: {number(count)}" for name, count in counts.most_common()))
    return lines
