"""Benchmark: every big export against raw openpyxl writing the same cells, on PostgreSQL (and SQLite).

Each export (results and ranking, winners, participation by unit, who has not taken part, question
statistics, the period report, the question bank) is timed with its queries, its cells are read back and
written again by raw openpyxl (write-only mode, no styles, rows already in memory) in the same run, and its
peak Python heap (tracemalloc) is measured at two sizes: the whole contest, tree or bank, and a fifth of it
(a round taken by a fifth of the people, one of the five departments, a bank a fifth the size), to show that
memory does not grow with the rows.

Run: .venv/bin/python -m bench.exports   (or `make bench-exports`); `--smoke` (or BENCH_SCALE=smoke) runs on
small data and prints the figures without touching BENCHMARKS.md; --people, --units, --questions set the
sizes. PostgreSQL: a new uniquely named database on 127.0.0.1:5432 (or BENCH_DATABASE_URL's server), dropped
at the end (--postgres 0 leaves it out); then the same on a temporary SQLite file (--sqlite 0 leaves it out).
"""

from __future__ import annotations

import io
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert

from bench.common import analyze, arguments, cells_of, machine, measure, peak_memory, postgres_database, publish, raw_write
from contest import create_app, db
from contest.migrate import upgrade_to_head
from contest.models import Answer, Attempt, AttemptQuestion, BlueprintItem, Choice, Contest, Question, QuestionBank, Round, Topic, Unit, User
from contest.services import exports, questions
from contest.services.attempts import AttemptPolicy
from contest.services.period_report import export_period_report, period_report
from contest.services.periods import custom_period
from contest.services.statistics import Scope
from contest.db import dispose_engines

DEPARTMENTS = 5  # the small size is one department's subtree, a fifth of the units
QUESTIONS_PER_ATTEMPT = 10
CONTEST_QUESTIONS = 2000  # the contest draws from the first 2,000 questions of the big bank
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(days=30)
MADE_ON = date(2026, 12, 2)


def seed(session, people: int, units: int, bank_questions: int) -> None:
    """Units in three levels; `people` take round 1 (drawing from the first CONTEST_QUESTIONS of bank 1) and a
    fifth of them round 2 (from a fifth of those); a quarter as many again have an account and no attempt;
    bank 2 is a fifth of bank 1."""
    rng = random.Random(7)
    connection = session.connection()
    rows = [{"id": 1, "code": "T", "name": "UBND tỉnh", "kind": "province", "parent_id": None, "headcount": 0, "path": "/1/", "depth": 0,
             "created_at": T0}]
    rows += [{"id": d, "code": f"T-{d:02d}", "name": f"Sở/Huyện {d}", "kind": "department", "parent_id": 1, "headcount": 20,
              "path": f"/1/{d}/", "depth": 1, "created_at": T0} for d in range(2, DEPARTMENTS + 2)]
    rows += [{"id": u, "code": f"U-{u:05d}", "name": f"Phòng/Xã {u}", "kind": "office", "parent_id": 2 + u % DEPARTMENTS,
              "headcount": rng.randint(5, 40), "path": f"/1/{2 + u % DEPARTMENTS}/{u}/", "depth": 2, "created_at": T0}
             for u in range(DEPARTMENTS + 2, units + 1)]
    connection.execute(insert(Unit), rows)
    offices = list(range(DEPARTMENTS + 2, units + 1))
    accounts = people + people // 4
    for start in range(1, accounts + 1, 10_000):
        connection.execute(insert(User), [
            {"id": i, "full_name": f"Người dự thi {i}", "search_name": f"nguoi du thi {i}", "cccd": f"{i:012d}", "phone": f"09{i:08d}",
             "position": "Chuyên viên", "email": f"u{i}@example.vn", "unit_id": offices[i % len(offices)], "role": "participant",
             "password_hash": "x", "active": True, "created_at": T0}
            for i in range(start, min(start + 10_000, accounts + 1))
        ])
    small = max(bank_questions // 5, QUESTIONS_PER_ATTEMPT)
    banks = [(1, 1, bank_questions), (2, bank_questions + 1, small)]
    connection.execute(insert(QuestionBank), [{"id": b, "name": f"Ngân hàng {b}", "owner_unit_id": 1, "created_at": T0} for b, _, _ in banks])
    connection.execute(insert(Topic), [{"id": b * 2 - 1 + t, "bank_id": b, "name": f"Chủ đề {t + 1}"} for b, _, _ in banks for t in (0, 1)])
    for bank, first, count in banks:
        ids = range(first, first + count)
        connection.execute(insert(Question), [
            {"id": q, "bank_id": bank, "topic_id": bank * 2 - 1 + q % 2, "code": f"Q{q:05d}", "kind": "single", "difficulty": 1 + q % 3,
             "text": f"Câu hỏi số {q} về cải cách hành chính?", "status": "active", "search_text": f"cau hoi so {q}",
             "fingerprint": f"{q:064d}", "explanation": "Giải thích.", "created_at": T0, "updated_at": T0}
            for q in ids
        ])
        connection.execute(insert(Choice), [
            {"question_id": q, "label": label, "position": p, "text": f"Phương án {label} của câu {q}", "is_correct": label == "B"}
            for q in ids for p, label in enumerate("ABCD")
        ])
    connection.execute(insert(Contest), [{"id": 1, "owner_unit_id": 1, "title": "Cuộc thi benchmark", "rules_html": "", "status": "published",
                                          "audience": "public", "shuffle_questions": True, "shuffle_choices": False, "attempts_allowed": 1,
                                          "grading": "best", "points_per_question": 1, "review_policy": "after_close",
                                          "leaderboard_visibility": "public", "created_at": T0, "updated_at": T0}])
    connection.execute(insert(Round), [{"id": r, "contest_id": 1, "number": r, "title": f"Vòng {r}", "opens_at": T0 + timedelta(days=7 * (r - 1)),
                                        "closes_at": T0 + timedelta(days=7 * r), "time_limit_minutes": 15} for r in (1, 2)])
    connection.execute(insert(BlueprintItem), [{"round_id": r, "bank_id": 1, "topic_id": t, "question_count": 5} for r in (1, 2) for t in (1, 2)])
    choices, keys = [], ["B"]
    attempt_id = aq_id = 0
    attempts, drawn_questions, answers = [], [], []
    pool = min(CONTEST_QUESTIONS, bank_questions)
    for round_id, takers, pool in ((1, people, pool), (2, people // 5, max(pool // 5, QUESTIONS_PER_ATTEMPT))):
        for person in range(1, takers + 1):
            attempt_id += 1
            started = T0 + timedelta(days=7 * (round_id - 1), seconds=rng.randint(0, 6 * 86400))
            used = rng.randint(60, 900)
            score = 0
            for position, question in enumerate(rng.sample(range(1, pool + 1), QUESTIONS_PER_ATTEMPT), start=1):
                aq_id += 1
                picked = "B" if rng.random() < 0.7 else rng.choice("ACD")
                score += picked == "B"
                drawn_questions.append({"id": aq_id, "attempt_id": attempt_id, "question_id": question, "position": position, "kind": "single",
                                        "text": f"Câu hỏi số {question}?", "choices": choices, "correct_keys": keys, "points": 1})
                answers.append({"attempt_id": attempt_id, "attempt_question_id": aq_id, "selected": picked, "selected_original": picked,
                                "saved_at": started, "is_correct": picked == "B"})
            attempts.append({"id": attempt_id, "round_id": round_id, "user_id": person, "number": 1, "status": "submitted", "seed": attempt_id,
                             "started_at": started, "deadline": started + timedelta(minutes=15), "finished_at": started + timedelta(seconds=used),
                             "score": score, "max_score": QUESTIONS_PER_ATTEMPT, "correct_count": score, "time_used_ms": used * 1000})
            if len(attempts) >= 5000 or (person == takers and attempts):
                connection.execute(insert(Attempt), attempts)
                connection.execute(insert(AttemptQuestion), drawn_questions)
                connection.execute(insert(Answer), answers)
                attempts, drawn_questions, answers = [], [], []
    session.commit()
    analyze(session)


def jobs(session, people: int, bank_questions: int) -> dict[str, tuple]:
    """Export name -> (the full export, the same export on a fifth of the data)."""
    contest = session.get(Contest, 1)
    whole, round_two = Scope(contest), Scope(contest, contest.rounds[1])
    root, department = session.get(Unit, 1), session.get(Unit, 2)
    policy = AttemptPolicy()
    month = custom_period(date(2026, 11, 1), date(2026, 11, 30))
    banks = session.get(QuestionBank, 1), session.get(QuestionBank, 2)
    return {
        "results and ranking": (lambda: exports.export_results(session, whole, NOW, policy),
                                lambda: exports.export_results(session, round_two, NOW, policy)),
        "winners (top half)": (lambda: exports.export_winners(session, whole, NOW, policy, people // 2),
                               lambda: exports.export_winners(session, whole, NOW, policy, people // 10)),
        "participation by unit": (lambda: exports.export_participation(session, whole, root, 50, NOW),
                                  lambda: exports.export_participation(session, whole, department, 50, NOW)),
        "not taken part": (lambda: exports.export_non_participants(session, round_two, root, NOW),
                           lambda: exports.export_non_participants(session, round_two, department, NOW)),
        "question statistics": (lambda: exports.export_question_statistics(session, whole, NOW),
                                lambda: exports.export_question_statistics(session, round_two, NOW)),
        "period report": (lambda: export_period_report(period_report(session, root, month), MADE_ON, "An Hòa"),
                          lambda: export_period_report(period_report(session, department, month), MADE_ON, "An Hòa")),
        "question bank": (lambda: questions.export_bank(session, banks[0]), lambda: questions.export_bank(session, banks[1])),
    }


def run(url: str, people: int, units: int, bank_questions: int, repeat: int) -> tuple[str, list[tuple], float]:
    with tempfile.TemporaryDirectory() as tmp:
        upgrade_to_head(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=tmp)
        with app.app_context():
            started = time.perf_counter()
            seed(db.session, people, units, bank_questions)
            seed_s = time.perf_counter() - started
            results = []
            for name, (full, small) in jobs(db.session, people, bank_questions).items():
                rows = cells_of(full())
                db.session.rollback()
                export_s = measure(full, repeat=repeat)
                raw_s = measure(lambda rows=rows: raw_write(rows), repeat=repeat)
                memory_small, memory_full = peak_memory(small), peak_memory(full)
                db.session.rollback()
                results.append((name, len(rows), max(len(r) for r in rows), export_s, raw_s, memory_small, memory_full))
            dialect = db.get_engine().dialect.name
        dispose_engines(app)
    return dialect, results, seed_s


def main() -> None:
    args = arguments(__doc__.split("\n")[0], people=(50_000, 400, "people finishing round 1 (50,000; smoke: 400)"),
                     units=(2_000, 150, "units in three levels (2,000; smoke: 150)"),
                     questions=(12_000, 300, "questions in the big bank (12,000; smoke: 300)"),
                     postgres=(1, 1, "on PostgreSQL (1) or not (0)"), sqlite=(1, 1, "also on SQLite (1) or not (0)"))
    started_run = time.perf_counter()
    repeat = 1 if args.smoke else 3
    runs = []
    if args.postgres:
        with postgres_database("contest_bench_exports") as url:
            runs.append(run(url, args.people, args.units, args.questions, repeat))
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.people, args.units, args.questions, repeat))
    lines, worst = [], 0.0
    for dialect, results, _ in runs:
        for name, rows, columns, export_s, raw_s, memory_small, memory_full in results:
            ratio = export_s / raw_s
            if rows > 10_000:
                worst = max(worst, ratio)
            lines.append(f"| {name} | {dialect} | {rows:,} × {columns} | {export_s:.2f} | {raw_s:.2f} | {ratio:.2f} | "
                         f"{memory_small:.1f} | {memory_full:.1f} |")
    seeds = "; ".join(f"{dialect} seeded in {seed_s:.0f} s" for dialect, _, seed_s in runs)
    body = f"""
Command: `make bench-exports` (`python -m bench.exports`). Machine: {machine()}, shared with other work
while it ran. Data: {args.units:,} units (a province, {DEPARTMENTS} departments, offices), {args.people:,} people
finishing round 1 and {args.people // 5:,} round 2 ({QUESTIONS_PER_ATTEMPT} questions each), {args.people // 4:,} more accounts
without an attempt, a bank of {args.questions:,} questions (the contest draws from {min(CONTEST_QUESTIONS, args.questions):,} of them)
and one of {max(args.questions // 5, QUESTIONS_PER_ATTEMPT):,}; {seeds}.
Times are medians of {repeat} runs in seconds, the export's queries included; "raw openpyxl" writes the
export's own cells (read back from it) with write-only mode and no styles, in the same run, from rows
already in memory. Peak memory is the Python heap (tracemalloc) of one export at a fifth of the data
(round 2, one department, the small bank, the top tenth) and at the whole.

| export | database | rows × columns | export (s) | raw openpyxl (s) | ratio | peak MiB, a fifth | peak MiB, whole |
|---|---|---:|---:|---:|---:|---:|---:|
""" + "\n".join(lines) + f"""

Worst ratio among the exports of more than 10,000 rows: **{worst:.2f}**.
"""
    publish("Exports against the raw writer", body,
            f"exports benchmark: {args.people} people, {args.units} units in {time.perf_counter() - started_run:.0f} s", args.smoke)


if __name__ == "__main__":
    main()
