"""Benchmark: importing a 5,000-question workbook, against openpyxl alone reading the same file.

Run: .venv/bin/python -m bench.question_import   (or `make bench-import`); `--smoke` (or BENCH_SCALE=smoke)
imports 200 questions and prints the figures without touching BENCHMARKS.md; `--rows N` sets the size.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

from bench.common import arguments, machine, measure, peak_memory, publish
from contest import create_app, db
from contest.migrate import upgrade_to_head
from contest.models import Unit
from contest.services import questions as question_service
from contest.services.questions import FileFormat
from question_bank.excel import QUESTION_COLUMNS, parse_excel
from contest.db import dispose_engines

ROWS = 5000


def build_workbook(rows: int = ROWS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.header for c in QUESTION_COLUMNS if c.key not in ("choice:G", "choice:H")])
    topics = ["Cải cách thể chế", "Cải cách thủ tục hành chính", "Cải cách tổ chức bộ máy", "Chính quyền số"]
    for i in range(1, rows + 1):
        sheet.append([
            i, f"B{i:05d}", topics[i % 4], ["Dễ", "Trung bình", "Khó"][i % 3], "",
            f"Câu hỏi số {i}: nội dung nào sau đây đúng về cải cách hành chính giai đoạn 2021 - 2030?",
            f"Phương án thứ nhất của câu {i}", f"Phương án thứ hai của câu {i}",
            f"Phương án thứ ba của câu {i}", f"Phương án thứ tư của câu {i}", "", "",
            "B" if i % 5 else "A, C", "Giải thích ngắn.", "Nghị quyết 76/NQ-CP ngày 15/7/2021",
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def openpyxl_read(content: bytes) -> int:
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    cells = sum(1 for row in workbook.active.iter_rows(values_only=True) for _ in row)
    workbook.close()
    return cells


def main() -> None:
    global ROWS
    args = arguments(__doc__.split("\n")[0], rows=(ROWS, 200, "questions in the workbook (5,000; smoke: 200)"))
    ROWS = args.rows
    started = time.perf_counter()
    content = build_workbook(ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade_to_head(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=tmp)

        def full_import() -> None:
            with app.app_context():
                session = db.session
                unit = session.query(Unit).first() or Unit(code="B", name="B", kind="province", path="/1/")
                session.add(unit)
                bank = question_service.get_or_create_bank(session, "Bench", unit)
                plan = question_service.plan_file_import(session, bank, question_service.Upload(content, "bench.xlsx", FileFormat.excel))
                assert not plan.errors, plan.errors[:3]
                assert len(plan.creates) + len(plan.updates) + len(plan.unchanged) + len(plan.skipped) == ROWS, (len(plan.creates), len(plan.updates))
                if plan.ok:
                    question_service.apply_plan(session, bank, plan)
                session.commit()

        read_s, read_mem = measure(lambda: openpyxl_read(content)), peak_memory(lambda: openpyxl_read(content))
        parse_s, parse_mem = measure(lambda: parse_excel(content, "bench.xlsx")), peak_memory(lambda: parse_excel(content, "bench.xlsx"))
        first_s = measure(full_import, repeat=1)  # the first run creates 5,000 questions
        update_s = measure(full_import, repeat=1)  # later runs compare them by code, field by field: unchanged, nothing written
        update_mem = peak_memory(full_import)
        dispose_engines(app)

    body = f"""
Command: `make bench-import` (`python -m bench.question_import`). Machine: {machine()}.
Workbook: {ROWS:,} questions × 15 columns ({len(content) / 1024:.0f} KiB). Times are medians of 3 runs
except the database imports (one each). SQLite file database.

| step | time (s) | ratio to openpyxl read | peak Python memory (MiB) |
|---|---:|---:|---:|
| openpyxl alone: load read-only, iterate every cell | {read_s:.2f} | 1.00 | {read_mem:.1f} |
| `parse_excel`: read, validate, normalise (no database) | {parse_s:.2f} | {parse_s / read_s:.2f} | {parse_mem:.1f} |
| full import, new bank: parse + plan + write {ROWS:,} questions in one transaction | {first_s:.2f} | {first_s / read_s:.2f} | — |
| full re-import of the same file (compared by code, nothing written) | {update_s:.2f} | {update_s / read_s:.2f} | {update_mem:.1f} |
"""
    publish("Question import (5,000-question workbook)", body,
            f"question import benchmark: {ROWS} questions in {time.perf_counter() - started:.0f} s", args.smoke)


if __name__ == "__main__":
    main()
