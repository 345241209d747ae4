"""GIFT format (Moodle): multiple choice, multiple response and true/false.

Other GIFT question types (essay, matching, numerical, short answer,
description) are reported as skipped, with their line, not as errors.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from question_bank.model import FALSE_TEXT, LABELS, TRUE_TEXT, Difficulty, QuestionData, QuestionKind, RawQuestion
from question_bank.issues import ImportIssue
from question_bank.validation import validate

# Escaped special characters are swapped for private-use code points while parsing.
_ESCAPES = {"\\:": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003", "\\{": "\ue004", "\\}": "\ue005", "\\n": "\n"}
_UNESCAPE = {v: k[1] for k, v in _ESCAPES.items() if k != "\\n"}
_FORMAT_PREFIX = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]\s*", re.IGNORECASE)
_BREAKING_TAGS = re.compile(r"<\s*/?\s*(br|p|div|li|tr)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = re.compile(r"^(T|TRUE|F|FALSE)\s*(#.*)?$", re.IGNORECASE | re.DOTALL)


@dataclass
class _Chunk:
    line: int
    text: str


def _chunks(content: str) -> list[_Chunk]:
    """Questions are separated by blank lines; lines starting with // are comments."""
    chunks: list[_Chunk] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(content.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if current:
                chunks.append(_Chunk(start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        chunks.append(_Chunk(start, "\n".join(current)))
    return chunks


def _escape(text: str) -> str:
    for escaped, placeholder in _ESCAPES.items():
        text = text.replace(escaped, placeholder)
    return text


def _plain(text: str, is_html: bool) -> str:
    for placeholder, char in _UNESCAPE.items():
        text = text.replace(placeholder, char)
    if is_html:
        text = html.unescape(_TAGS.sub("", _BREAKING_TAGS.sub(" ", text)))
    return text.strip()


def _strip_format(text: str) -> tuple[str, bool]:
    match = _FORMAT_PREFIX.match(text)
    if not match:
        return text, False
    return text[match.end():], match.group(1).lower() == "html"


def _split_answers(block: str) -> list[tuple[str, str]]:
    """'=a ~b ~%50%c' -> [('=', 'a'), ('~', 'b'), ('~', '%50%c')]; feedback after # is dropped."""
    parts: list[tuple[str, str]] = []
    for match in re.finditer(r"([=~])([^=~]*)", block):
        answer = match.group(2).split("#", 1)[0].strip()
        parts.append((match.group(1), answer))
    return parts


def _skip(file: str, line: int, kind: str) -> ImportIssue:
    return ImportIssue(
        file,
        f"Bỏ qua câu hỏi dạng {kind}: chỉ nhập câu một đáp án, nhiều đáp án và đúng/sai.",
        line=line,
        warning=True,
    )


def parse_gift(
    content: str, file: str, default_topic: str = "", default_difficulty: Difficulty | None = Difficulty.medium
) -> tuple[list[QuestionData], list[ImportIssue]]:
    """Parse GIFT text. Skipped types come back as warnings (ImportIssue.warning) beside real errors."""
    questions: list[QuestionData] = []
    issues: list[ImportIssue] = []
    topic = default_topic
    for chunk in _chunks(content):
        text = _escape(chunk.text.strip())
        if text.startswith("$CATEGORY:"):
            path = text[len("$CATEGORY:"):].strip()
            topic = _plain(path.rstrip("/").split("/")[-1], False) or default_topic
            continue
        title_match = re.match(r"^::(.*?)::", text, re.DOTALL)
        if title_match:
            text = text[title_match.end():]
        text, is_html = _strip_format(text.strip())
        start, end = text.find("{"), text.find("}")
        if start == -1 or end == -1 or end < start:
            if start == -1 and end == -1:
                issues.append(_skip(file, chunk.line, "mô tả (không có phần đáp án)"))
            else:
                issues.append(ImportIssue(file, "Thiếu dấu “{” hoặc “}” bao phần đáp án.", line=chunk.line))
            continue
        block = text[start + 1 : end].strip()
        before, after = text[:start].strip(), text[end + 1 :].strip()
        # As in Moodle: text after the answers makes a "missing word" question.
        question_text = f"{before} _____ {after}" if after else before
        if not block:
            issues.append(_skip(file, chunk.line, "tự luận (essay)"))
            continue
        if block.startswith("#"):
            issues.append(_skip(file, chunk.line, "số (numerical)"))
            continue
        true_false = _TRUE_FALSE.match(block)
        if true_false:
            is_true = true_false.group(1).upper().startswith("T")
            raw = RawQuestion(
                text=_plain(question_text, is_html),
                choices=[TRUE_TEXT, FALSE_TEXT],
                answer="A" if is_true else "B",
                kind=QuestionKind.true_false.value,
                topic=topic,
                line=chunk.line,
            )
        else:
            answers = _split_answers(block)
            if any("->" in answer for marker, answer in answers if marker == "="):
                issues.append(_skip(file, chunk.line, "ghép đôi (matching)"))
                continue
            if not any(marker == "~" for marker, _ in answers):
                issues.append(_skip(file, chunk.line, "trả lời ngắn (short answer)"))
                continue
            choices, keys, partial = [], [], False
            for index, (marker, answer) in enumerate(answers):
                weight_match = _WEIGHT.match(answer)
                weight = float(weight_match.group(1)) if weight_match else (100.0 if marker == "=" else 0.0)
                if weight_match:
                    answer = answer[weight_match.end():]
                answer, _ = _strip_format(answer)
                choices.append(_plain(answer, is_html))
                if weight > 0 and index < len(LABELS):
                    keys.append(LABELS[index])
                    partial = partial or weight < 100
            kind = QuestionKind.multiple if partial or len(keys) > 1 else QuestionKind.single
            raw = RawQuestion(
                text=_plain(question_text, is_html),
                choices=choices,
                answer=", ".join(keys),
                kind=kind.value,
                topic=topic,
                line=chunk.line,
            )
        question, problems = validate(raw, default_topic=topic, default_difficulty=default_difficulty)
        if question is not None:
            questions.append(question)
        issues.extend(ImportIssue(file, p.message, line=chunk.line) for p in problems)
    return questions, issues
