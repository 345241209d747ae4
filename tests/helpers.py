"""Helpers shared by tests."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from openpyxl import Workbook
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from contest.services import attempts as attempt_service
from contest.services.attempts import AttemptPolicy

POLICY = AttemptPolicy(grace=timedelta(seconds=10))


def play(session, user, round_, start: datetime, correct: int, *, minutes: float = 2, seconds: float | None = None,
         prediction: int | None = None, ip: str | None = None, policy: AttemptPolicy = POLICY):
    """One finished attempt: started at `start`, `correct` right answers (each wrong one picks one wrong
    choice), an optional prediction, submitted `minutes` (or `seconds`) later from address `ip`."""
    attempt = attempt_service.start_attempt(session, user, round_, start, policy, client_ip=ip)
    answers = {q.id: (q.correct_keys if i < correct else [c["key"] for c in q.choices if c["key"] not in q.correct_keys][:1])
               for i, q in enumerate(attempt.questions)}
    attempt_service.save_answers(session, attempt, answers, start, policy)
    if prediction is not None:
        attempt_service.save_prediction(session, attempt, prediction, start, policy)
    elapsed = timedelta(seconds=seconds) if seconds is not None else timedelta(minutes=minutes)
    attempt_service.submit_attempt(session, attempt, start + elapsed, policy)
    session.commit()
    return attempt


def numbered_people(make_user, unit, names: dict[str, str]) -> dict:
    """One account in `unit` per key of `names` (key: full name), numbered in order: the n-th has phone
    09110000nn and CCCD 0000000000nn, so a test can write those numbers into a staff list or a search."""
    return {key: make_user(unit=unit, full_name=name, phone=f"0911{n:06d}", cccd=f"{n:012d}")
            for n, (key, name) in enumerate(names.items(), 1)}


def xlsx_bytes(rows: list[list[object]], title: str = "Sheet1", extra_sheets: dict | None = None) -> bytes:
    """Build an .xlsx in memory from rows (the first row is usually the header)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, (sheet_rows, state) in (extra_sheets or {}).items():
        extra = workbook.create_sheet(name)
        extra.sheet_state = state
        for row in sheet_rows:
            extra.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


QUESTION_HEADER = [
    "STT", "Mã câu hỏi", "Chủ đề", "Mức độ", "Loại", "Câu hỏi",
    "Phương án A", "Phương án B", "Phương án C", "Phương án D", "Phương án E", "Phương án F",
    "Đáp án", "Giải thích", "Căn cứ",
]


def question_row(number: int = 1, **overrides) -> list[object]:
    """One row of the question workbook; override columns by header key (code, topic, text, a..f, answer...)."""
    values = {
        "number": number,
        "code": f"Q{number:04d}",
        "topic": "Cải cách thủ tục hành chính",
        "difficulty": "Dễ",
        "kind": "",
        "text": f"Câu hỏi số {number} về cải cách hành chính?",
        "a": f"Phương án đúng {number}",
        "b": f"Phương án sai {number}",
        "c": "",
        "d": "",
        "e": "",
        "f": "",
        "answer": "A",
        "explanation": "",
        "legal_basis": "",
    }
    values.update(overrides)
    return list(values.values())


def rewrite_sheet_xml(content: bytes, old: bytes, new: bytes, sheet: str = "xl/worksheets/sheet1.xml") -> bytes:
    """Patch a sheet's XML inside an .xlsx (for cases openpyxl cannot write, such as cached formula values)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == sheet:
                assert old in data, "pattern to replace not found"
                data = data.replace(old, new)
            target.writestr(item, data)
    return out.getvalue()


def post_file(client, url: str, content: bytes, filename: str, **fields: str):
    """POST a form with one uploaded file, encoded in memory (the test client spools a large body to
    a temporary file it never closes)."""
    boundary, body = encode_multipart(MultiDict({"file": FileStorage(io.BytesIO(content), filename=filename), **fields}))
    return client.post(url, data=body, content_type=f'multipart/form-data; boundary="{boundary}"')



def upload_questions(client, bank_id: int, content: bytes, name: str = "cauhoi.xlsx", **fields: str):
    """Upload a question file to a bank's import page (the preview step), with the form's defaults."""
    data = {"file": (io.BytesIO(content), name), "file_format": "", "default_topic": "", "default_difficulty": "2", **fields}
    return client.post(f"/ban-to-chuc/ngan-hang/{bank_id}/nhap", data=data)
