"""What a question is, independent of where it is stored."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import KW_ONLY, dataclass, field

from question_bank.labels import LabelledEnum
from question_bank.text import normalize_text

# A question has 2 to 6 choices, A–F: the edit form, the import and the export alike.
LABELS = "ABCDEF"
MIN_CHOICES = 2
MAX_CHOICES = 6
TRUE_TEXT = "Đúng"
FALSE_TEXT = "Sai"


class QuestionKind(LabelledEnum):
    single = "single", "Một đáp án"
    multiple = "multiple", "Nhiều đáp án"
    true_false = "true_false", "Đúng/Sai"


KIND_LABELS = QuestionKind.labels()


class Difficulty(enum.IntEnum):
    easy = 1
    medium = 2
    hard = 3

    @property
    def label(self) -> str:
        return DIFFICULTY_LABELS[self]


DIFFICULTY_LABELS = {Difficulty.easy: "Dễ", Difficulty.medium: "Trung bình", Difficulty.hard: "Khó"}


@dataclass
class QuestionExtras:
    """What a question may carry besides its content, alike as read (RawQuestion) and once valid (QuestionData),
    and where it came from: a spreadsheet sheet and row, or a text line. Given by keyword only."""

    _: KW_ONLY
    explanation: str = ""
    legal_basis: str = ""
    code: str = ""
    sheet: str | None = None
    row: int | None = None
    line: int | None = None


@dataclass
class QuestionData(QuestionExtras):
    """A valid question. Choices are in the order written; their labels are A, B, C..."""

    topic: str
    difficulty: Difficulty
    kind: QuestionKind
    text: str
    choices: list[str]
    correct: list[str]  # labels, in order

    @property
    def labels(self) -> list[str]:
        return list(LABELS[: len(self.choices)])

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.text, self.choices)

    def choice_items(self) -> list[tuple[str, str, bool]]:
        """(label, text, is_correct) for each choice."""
        return [(label, text, label in self.correct) for label, text in zip(self.labels, self.choices)]


def fingerprint(text: str, choices: list[str]) -> str:
    """Identity of a question for duplicate detection: normalised text and the set of choices.

    Case and choice order are ignored: "Đúng/Sai" and "Sai/Đúng" with the same
    text are the same question.
    """
    parts = [normalize_text(text).casefold(), *sorted(normalize_text(c).casefold() for c in choices)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def auto_code(fp: str) -> str:
    """A stable code for a question imported without one: re-importing it updates, not duplicates."""
    return "AUTO-" + fp[:10].upper()


@dataclass
class RawQuestion(QuestionExtras):
    """A question as read from a file, every field still text, before validation."""

    text: str = ""
    choices: list[str] = field(default_factory=list)  # may hold empty strings (blank Excel cells)
    answer: str = ""
    kind: str = ""
    topic: str = ""
    difficulty: str = ""
