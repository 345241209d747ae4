"""The sample CCHC bank shipped with the project (loaded by `demo-data`).

Every question carries its legal reference; the file is plain JSON so that a
reviewer can check each answer key against its source.
"""

from __future__ import annotations

import json
from pathlib import Path

from question_bank.model import QuestionData, RawQuestion
from question_bank.validation import validate

SAMPLE_FILE = Path(__file__).with_name("data") / "cchc_sample.json"
SAMPLE_BANK_NAME = "Ngân hàng mẫu: Cải cách hành chính, chính quyền số"


def load_sample() -> list[QuestionData]:
    questions = []
    for entry in json.loads(SAMPLE_FILE.read_text(encoding="utf-8")):
        raw = RawQuestion(
            code=entry["code"],
            topic=entry["topic"],
            difficulty=str(entry["difficulty"]),
            text=entry["text"],
            choices=entry["choices"],
            answer=entry["answer"],
            explanation=entry["explanation"],
            legal_basis=entry["legal_basis"],
        )
        question, problems = validate(raw)
        if question is None:
            raise ValueError(f"{SAMPLE_FILE.name} {entry['code']}: " + "; ".join(p.message for p in problems))
        questions.append(question)
    return questions
