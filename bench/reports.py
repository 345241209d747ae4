"""Benchmark: participation report and the four exports on 1,000 units and 100,000 finished attempts.

Each export is compared with raw openpyxl write-only writing the same rows and
cells (values only, no styles), and its peak Python memory is measured.

Run: .venv/bin/python -m bench.reports   (or `make bench-reports`); `--smoke` (or BENCH_SCALE=smoke)
runs on 100 units and 500 people and prints the figures without touching BENCHMARKS.md; --units and
--people set the sizes. Default database: a temporary SQLite file; with BENCH_DATABASE_URL set to a
PostgreSQL URL, a new uniquely named database on that server (dropped at the end).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import insert, text

from bench.common import arguments, machine, measure, peak_memory, postgres_database, publish
from contest import create_app, db
from contest.migrate import upgrade_to_head
from contest.models import Answer, Attempt, AttemptQuestion, BlueprintItem, Choice, Contest, Question, QuestionBank, Round, Topic, Unit, User
from contest.services import exports, statistics
from contest.services.attempts import AttemptPolicy
from contest.services.statistics import Scope

UNITS = 1000
PEOPLE = 50_000
ROUNDS = 2  # every person finishes one attempt per round: 100,000 attempts
QUESTIONS_PER_ATTEMPT = 10
BANK_QUESTIONS = 100
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


def seed(session) -> Contest:
    rng = random.Random(7)
    connection = session.connection()
    units = [{"id": 1, "code": "T", "name": "UBND tỉnh", "kind": "province", "parent_id": None, "headcount": 0, "path": "/1/", "depth": 0, "created_at": T0}]
    next_id = 2
    children = 40
    for c in range(children):
        parent_id = next_id
        units.append({"id": parent_id, "code": f"T-{c:02d}", "name": f"Sở/Huyện {c}", "kind": "department", "parent_id": 1,
                      "headcount": rng.randint(10, 40), "path": f"/1/{parent_id}/", "depth": 1, "created_at": T0})
        next_id += 1
    while next_id <= UNITS:
        parent = units[1 + (next_id % children)]
        units.append({"id": next_id, "code": f"U-{next_id:04d}", "name": f"Phòng/Xã {next_id}", "kind": "office", "parent_id": parent["id"],
                      "headcount": rng.randint(20, 80), "path": f"{parent['path']}{next_id}/", "depth": 2, "created_at": T0})
        next_id += 1
    connection.execute(insert(Unit), units)
    leaf_ids = [u["id"] for u in units if u["depth"] == 2]
    connection.execute(insert(User), [
        {"id": i, "full_name": f"Người dự thi {i}", "search_name": f"nguoi du thi {i}", "cccd": f"{i:012d}", "phone": f"09{i:08d}",
         "unit_id": leaf_ids[i % len(leaf_ids)], "role": "participant", "password_hash": "x", "active": True, "created_at": T0}
        for i in range(1, PEOPLE + 1)
    ])
    connection.execute(insert(QuestionBank), [{"id": 1, "name": "Bench", "owner_unit_id": 1, "created_at": T0}])
    connection.execute(insert(Topic), [{"id": 1, "bank_id": 1, "name": "Chủ đề 1"}, {"id": 2, "bank_id": 1, "name": "Chủ đề 2"}])
    connection.execute(insert(Question), [
        {"id": q, "bank_id": 1, "topic_id": 1 + q % 2, "code": f"Q{q:03d}", "kind": "single", "difficulty": 1 + q % 3,
         "text": f"Câu hỏi số {q}?", "status": "active", "search_text": f"cau hoi so {q}", "fingerprint": f"{q:064d}",
         "created_at": T0, "updated_at": T0}
        for q in range(1, BANK_QUESTIONS + 1)
    ])
    connection.execute(insert(Choice), [
        {"question_id": q, "label": label, "position": p, "text": f"Phương án {label} của câu {q}", "is_correct": label == "B"}
        for q in range(1, BANK_QUESTIONS + 1) for p, label in enumerate("ABCD")
    ])
    connection.execute(insert(Contest), [{"id": 1, "owner_unit_id": 1, "title": "Cuộc thi benchmark", "rules_html": "", "status": "published",
                                          "audience": "public", "shuffle_questions": True, "shuffle_choices": False, "attempts_allowed": 1,
                                          "grading": "best", "points_per_question": 1, "review_policy": "after_close",
                                          "leaderboard_visibility": "public", "created_at": T0, "updated_at": T0}])
    connection.execute(insert(Round), [{"id": r, "contest_id": 1, "number": r, "title": f"Vòng {r}", "opens_at": T0 + timedelta(days=7 * (r - 1)),
                                        "closes_at": T0 + timedelta(days=7 * r), "time_limit_minutes": 15} for r in range(1, ROUNDS + 1)])
    connection.execute(insert(BlueprintItem), [{"round_id": r, "bank_id": 1, "topic_id": t, "question_count": 5} for r in range(1, ROUNDS + 1) for t in (1, 2)])
    attempt_id = aq_id = 0
    batch_attempts, batch_questions, batch_answers = [], [], []
    for r in range(1, ROUNDS + 1):
        for person in range(1, PEOPLE + 1):
            attempt_id += 1
            started = T0 + timedelta(days=7 * (r - 1), seconds=rng.randint(0, 6 * 86400))
            used = rng.randint(60, 900)
            drawn = rng.sample(range(1, BANK_QUESTIONS + 1), QUESTIONS_PER_ATTEMPT)
            score = 0
            for position, question in enumerate(drawn, start=1):
                aq_id += 1
                picked = "B" if rng.random() < 0.7 else rng.choice("ACD")
                score += picked == "B"
                batch_questions.append({"id": aq_id, "attempt_id": attempt_id, "question_id": question, "position": position, "kind": "single",
                                        "text": f"Câu hỏi số {question}?", "choices": [], "correct_keys": ["B"], "points": 1})
                batch_answers.append({"attempt_id": attempt_id, "attempt_question_id": aq_id, "selected": picked, "selected_original": picked,
                                      "saved_at": started, "is_correct": picked == "B"})
            batch_attempts.append({"id": attempt_id, "round_id": r, "user_id": person, "number": 1, "status": "submitted", "seed": attempt_id,
                                   "started_at": started, "deadline": started + timedelta(minutes=15),
                                   "finished_at": started + timedelta(seconds=used), "score": score,
                                   "max_score": QUESTIONS_PER_ATTEMPT, "correct_count": score, "time_used_ms": used * 1000})
            if len(batch_attempts) >= 5000:
                connection.execute(insert(Attempt), batch_attempts)
                connection.execute(insert(AttemptQuestion), batch_questions)
                connection.execute(insert(Answer), batch_answers)
                batch_attempts, batch_questions, batch_answers = [], [], []
    if batch_attempts:
        connection.execute(insert(Attempt), batch_attempts)
        connection.execute(insert(AttemptQuestion), batch_questions)
        connection.execute(insert(Answer), batch_answers)
    if connection.dialect.name == "postgresql":
        for table in ("units", "users", "questions", "attempts", "attempt_questions"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        connection.execute(text("ANALYZE"))
    session.commit()
    return session.get(Contest, 1)


def raw_write(rows: list[list[object]]) -> bytes:
    """The ceiling: openpyxl write-only appending plain values."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cells_of(content: bytes, header_row: int) -> list[list[object]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(r) for r in sheet.iter_rows(min_row=header_row, values_only=True)]


def main() -> None:
    global UNITS, PEOPLE
    args = arguments(__doc__.split("\n")[0], units=(UNITS, 100, "units (1,000; smoke: 100)"),
                     people=(PEOPLE, 500, "people, each finishing one attempt per round (50,000; smoke: 500)"))
    UNITS, PEOPLE = args.units, args.people
    started_run = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        if (os.environ.get("BENCH_DATABASE_URL") or "").startswith("postgresql"):
            url = stack.enter_context(postgres_database("contest_bench_reports"))
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade_to_head(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=tmp)
        now = T0 + timedelta(days=30)
        policy = AttemptPolicy()
        with app.app_context():
            started = time.perf_counter()
            contest = seed(db.session)
            seed_s = time.perf_counter() - started
            scope = Scope(contest)
            root = contest.owner_unit
            session = db.session
            report_s = measure(lambda: statistics.participation_by_unit(session, scope, root))
            units = statistics.participation_by_unit(session, scope, root)
            jobs = {
                f"results and ranking (contest, {PEOPLE:,} people)": lambda: exports.export_results(session, scope, now, policy),
                f"participation by unit ({UNITS:,} units)": lambda: exports.export_participation(session, scope, root, 50, now),
                f"question statistics ({BANK_QUESTIONS} questions)": lambda: exports.export_question_statistics(session, scope, now),
                "winners list (top 100)": lambda: exports.export_winners(session, scope, now, policy, 100),
            }
            lines = []
            for name, job in jobs.items():
                content = job()
                rows = cells_of(content, 1)
                export_s = measure(job, repeat=3)
                raw_s = measure(lambda rows=rows: raw_write(rows), repeat=3)
                memory = peak_memory(job)
                raw_memory = peak_memory(lambda rows=rows: raw_write(rows))
                lines.append(
                    f"| {name} | {len(rows):,} × {max(len(r) for r in rows)} | {export_s:.2f} | {raw_s:.2f} | {export_s / raw_s:.2f} | {memory:.1f} | {raw_memory:.1f} |"
                )
            dialect = db.get_engine().dialect.name
        app.extensions["db_engine"].dispose()

    body = f"""
Command: `make bench-reports` (`python -m bench.reports`). Machine: {machine()}. Database: {dialect}.
Data: {UNITS:,} units (3 levels), {PEOPLE:,} people, {ROUNDS} rounds, {PEOPLE * ROUNDS:,} finished attempts
with {QUESTIONS_PER_ATTEMPT} questions each ({PEOPLE * ROUNDS * QUESTIONS_PER_ATTEMPT:,} saved answers); seeding took {seed_s:.0f} s.
Times are medians of 3 runs. "openpyxl alone" writes the same rows and cells with write-only mode and no
styles; the export time includes its database queries. Peak memory is the Python heap (tracemalloc); the
raw writer's rows are built before it is measured, so its figure is the writer alone.

Participation report (SQL roll-up over the whole tree, {len(units):,} rows): **{report_s:.2f} s**.

| export | rows × columns | export (s) | openpyxl alone (s) | ratio | export peak (MiB) | openpyxl alone peak (MiB) |
|---|---:|---:|---:|---:|---:|---:|
""" + "\n".join(lines) + """

Where the time goes: the results export spends about half its time in the ranking query (a window
function over every finished attempt, then the ordering) and the rest writing cells with their number
formats; its memory is the ranked standings held before writing. The question statistics and winners
exports write few rows: their time is the SQL aggregation over the 1,000,000 saved answers (item
statistics) and the ranking of 100,000 attempts (winners), not the spreadsheet.
"""
    publish("Reports and exports (1,000 units, 100,000 attempts)", body,
            f"reports benchmark: {UNITS} units, {PEOPLE * ROUNDS} attempts in {time.perf_counter() - started_run:.0f} s", args.smoke)


if __name__ == "__main__":
    main()
