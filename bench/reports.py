"""Benchmark: the contest reports and exports, and a year's period report, on PostgreSQL with SQLite beside it.

Data: 1,000 units, 50,000 people and 12 contests in 2026 with 600,000 finished attempts: contest 1 has two
rounds that everyone finishes with 10 saved answers each (100,000 attempts, 1,000,000 answers: participation,
item statistics, winners and the four exports), the other eleven one round each, one a month (the period
report over the year). Each export is compared with raw openpyxl write-only writing the same rows and cells
(values only, no styles), measured in the same run; its peak Python memory is measured too.

Run: .venv/bin/python -m bench.reports   (or `make bench-reports`). PostgreSQL: a new uniquely named database on
the server of BENCH_DATABASE_URL (default 127.0.0.1:5432), dropped at the end; then the same data in a temporary
SQLite file. BENCH_DATABASE_URL=sqlite:// runs on SQLite alone. `--smoke` (or BENCH_SCALE=smoke) runs on 100
units, 500 people and 6,000 attempts and prints the figures without touching BENCHMARKS.md; --units, --people
and --attempts set the sizes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text

from bench.common import analyze, arguments, cells_of, machine, measure, peak_memory, postgres_database, publish, raw_write
from contest import create_app, db
from contest.migrate import upgrade_to_head
from contest.models import BlueprintItem, Choice, Contest, Question, QuestionBank, Role, Round, Topic, Unit, User
from contest.services import exports, period_report, ranking, statistics, users as user_service
from contest.services.attempts import AttemptPolicy
from contest.services.periods import custom_period
from contest.services.statistics import Scope
from contest.db import dispose_engines

UNITS = 1000
PEOPLE = 50_000
ATTEMPTS = 600_000  # contest 1: 2 × PEOPLE with answers; the rest spread over contests 2-12
CONTESTS = 12
ROUNDS = 2  # of contest 1
QUESTIONS_PER_ATTEMPT = 10
BANK_QUESTIONS = 100
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
YEAR = custom_period(date(2026, 1, 1), date(2026, 12, 31))
PAGE = "/bao-cao/dinh-ky?ky=tu-chon&tu_ngay=01/01/2026&den_ngay=31/12/2026"
ORGANISER_PHONE = "0999999999"
PASSWORD = "Bench@2026"

TARGETS = {"participation": 0.3, "item statistics": 0.5, "winners": 0.3, "period page": 1.0}


def naive(moment: datetime) -> datetime:
    """How UTCDateTime stores a moment: naive UTC."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def bulk(connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Load rows fast: COPY on PostgreSQL, the driver's executemany on SQLite (values as the ORM would store them)."""
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        def stored(value):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value
        raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        ([stored(v) for v in row] for row in rows))


ATTEMPT_COLUMNS = ("id", "round_id", "user_id", "unit_id", "number", "status", "seed", "started_at", "deadline", "finished_at",
                   "score", "max_score", "correct_count", "time_used_ms")
QUESTION_COLUMNS = ("id", "attempt_id", "question_id", "position", "kind", "text", "choices", "correct_keys", "points")
ANSWER_COLUMNS = ("attempt_id", "attempt_question_id", "selected", "selected_original", "saved_at", "is_correct")


def seed(session) -> None:
    """The year's data (sizes from UNITS, PEOPLE, ATTEMPTS), the same on every database (a fixed random seed)."""
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
    unit_of = {i: leaf_ids[i % len(leaf_ids)] for i in range(1, PEOPLE + 1)}
    connection.execute(insert(User), [
        {"id": i, "full_name": f"Người dự thi {i}", "search_name": f"nguoi du thi {i}", "cccd": f"{i:012d}", "phone": f"09{i:08d}",
         "unit_id": unit_of[i], "role": "participant", "password_hash": "x", "active": True, "created_at": T0}
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
    # Contest 1 in November (two weekly rounds); contests 2-12 one round each, from January to November.
    rounds = [(r, 1, r, T0 + timedelta(days=7 * (r - 1))) for r in range(1, ROUNDS + 1)]
    rounds += [(ROUNDS + c - 1, c, 1, datetime(2026, c - 1, 5, 1, 0, tzinfo=timezone.utc)) for c in range(2, CONTESTS + 1)]
    connection.execute(insert(Contest), [
        {"id": c, "owner_unit_id": 1, "title": "Cuộc thi benchmark" if c == 1 else f"Cuộc thi tháng {c - 1}", "rules_html": "",
         "status": "published", "audience": "public", "shuffle_questions": True, "shuffle_choices": False, "attempts_allowed": 1,
         "grading": "best", "points_per_question": 1, "review_policy": "after_close", "leaderboard_visibility": "public",
         "created_at": T0, "updated_at": T0}
        for c in range(1, CONTESTS + 1)
    ])
    connection.execute(insert(Round), [{"id": r, "contest_id": c, "number": n, "title": f"Vòng {n}", "opens_at": opens,
                                        "closes_at": opens + timedelta(days=7), "time_limit_minutes": 15} for r, c, n, opens in rounds])
    connection.execute(insert(BlueprintItem), [{"round_id": r, "bank_id": 1, "topic_id": t, "question_count": 5} for r, *_ in rounds for t in (1, 2)])

    choices, keys = json.dumps([]), json.dumps(["B"])
    attempt_id = aq_id = 0

    def attempt_row(round_id: int, person: int, opens: datetime, score: int) -> tuple:
        started = opens + timedelta(seconds=rng.randint(0, 6 * 86400))
        used = rng.randint(60, 900)
        return (attempt_id, round_id, person, unit_of[person], 1, "submitted", attempt_id, naive(started),
                naive(started + timedelta(minutes=15)), naive(started + timedelta(seconds=used)), score, QUESTIONS_PER_ATTEMPT,
                score, used * 1000)

    for round_id, _, _, opens in rounds[:ROUNDS]:
        for first in range(1, PEOPLE + 1, 5000):
            attempts, questions, answers = [], [], []
            for person in range(first, min(first + 5000, PEOPLE + 1)):
                attempt_id += 1
                score = 0
                for position, question in enumerate(rng.sample(range(1, BANK_QUESTIONS + 1), QUESTIONS_PER_ATTEMPT), start=1):
                    aq_id += 1
                    picked = "B" if rng.random() < 0.7 else rng.choice("ACD")
                    score += picked == "B"
                    questions.append((aq_id, attempt_id, question, position, "single", f"Câu hỏi số {question}?", choices, keys, 1))
                    answers.append((attempt_id, aq_id, picked, picked, naive(opens), picked == "B"))
                attempts.append(attempt_row(round_id, person, opens, score))
            bulk(connection, "attempts", ATTEMPT_COLUMNS, attempts)
            bulk(connection, "attempt_questions", QUESTION_COLUMNS, questions)
            bulk(connection, "answers", ANSWER_COLUMNS, answers)
    others = rounds[ROUNDS:]
    remaining = max(0, ATTEMPTS - ROUNDS * PEOPLE)
    for index, (round_id, _, _, opens) in enumerate(others):
        count = min(PEOPLE, remaining // len(others) + (index < remaining % len(others)))
        offset = rng.randrange(PEOPLE)
        rows = []
        for j in range(count):
            attempt_id += 1
            rows.append(attempt_row(round_id, 1 + (offset + j) % PEOPLE, opens, rng.choices(range(11), weights=range(1, 12))[0]))
        bulk(connection, "attempts", ATTEMPT_COLUMNS, rows)
    if connection.dialect.name == "postgresql":
        for table in ("units", "users", "questions", "attempts", "attempt_questions", "answers", "contests", "rounds"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    session.commit()
    user_service.create_user(session, full_name="Ban tổ chức", phone=ORGANISER_PHONE, password=PASSWORD, role=Role.organizer,
                             unit=session.get(Unit, 1))
    session.commit()
    analyze(session)


def step(name: str, seconds: float) -> float:
    """Report a measured step on stderr as it ends (a full run takes minutes), and return its time."""
    print(f"  {name}: {seconds:.3f} s", file=sys.stderr, flush=True)
    return seconds


def run(url: str, tmp: str, memory: bool) -> dict:
    """Seed `url` and measure everything on it: {"seed": s, "times": {name: s}, "exports": {name: (shape, export s, raw s,
    MiB, raw MiB)}}; the peak memory (traced, slow) only with `memory`, else 0."""
    upgrade_to_head(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}, instance_path=tmp)
    now = T0 + timedelta(days=30)
    policy = AttemptPolicy()
    result: dict = {"times": {}, "exports": {}}
    with app.app_context():
        started = time.perf_counter()
        seed(db.session)
        result["seed"] = step(f"{db.get_engine().dialect.name}: loading", time.perf_counter() - started)
        session = db.session
        contest = session.get(Contest, 1)
        scope = Scope(contest)
        root = contest.owner_unit
        settings = period_report.ReportSettings()
        made_on = period_report.report_date(now)
        result["rows"] = len(statistics.participation_by_unit(session, scope, root))
        times = result["times"]
        times["participation"] = step("participation", measure(lambda: statistics.participation_by_unit(session, scope, root)))
        times["item statistics"] = step("item statistics", measure(lambda: statistics.item_statistics(session, scope)))
        times["winners"] = step("winners", measure(lambda: ranking.leaderboard(session, contest, None, now, policy, frozen=False, limit=100)))
        times["period service"] = step("period service", measure(lambda: period_report.period_report(session, root, YEAR, settings)))
        session.rollback()
        client = app.test_client()
        assert client.post("/dang-nhap", data={"identifier": ORGANISER_PHONE, "password": PASSWORD}).status_code == 302, "log-in failed"

        def page(path: str = PAGE) -> None:
            response = client.get(path)
            assert response.status_code == 200, f"{path}: HTTP {response.status_code}"

        page()
        times["period page"] = step("period page", measure(page))
        jobs: dict[str, Callable[[], bytes]] = {
            f"results and ranking (contest, {PEOPLE:,} people)": lambda: exports.export_results(session, scope, now, policy),
            f"participation by unit ({UNITS:,} units)": lambda: exports.export_participation(session, scope, root, 50, now),
            f"question statistics ({BANK_QUESTIONS} questions)": lambda: exports.export_question_statistics(session, scope, now),
            "winners list (top 100)": lambda: exports.export_winners(session, scope, now, policy, 100),
            f"period report (year, {UNITS:,} units, {CONTESTS} contests)":
                lambda: period_report.export_period_report(period_report.period_report(session, root, YEAR, settings), made_on, "Tỉnh"),
            # The same workbook from a report computed once before: the writing alone against the raw writer (issue 17
            # item 6), apart from the report's queries, which the line above includes and "period service" times.
            "period report, the workbook alone": lambda: period_report.export_period_report(year_report, made_on, "Tỉnh"),
        }
        year_report = period_report.period_report(session, root, YEAR, settings)
        for name, job in jobs.items():
            rows = cells_of(job())
            export_s = step(f"export: {name}", measure(job, repeat=3))
            raw_s = step("  openpyxl alone", measure(lambda rows=rows: raw_write(rows), repeat=3))
            peaks = (peak_memory(job), peak_memory(lambda rows=rows: raw_write(rows))) if memory else (0.0, 0.0)
            result["exports"][name] = (f"{len(rows):,} × {max(len(r) for r in rows)}", export_s, raw_s, *peaks)
        session.rollback()
    dispose_engines(app)
    return result


LABELS = {
    "participation": "participation roll-up (contest 1, whole tree)",
    "item statistics": "item statistics (contest 1: {answers} saved answers)",
    "winners": "winners (contest ranking, top 100 of {people} people)",
    "period service": "period report, service (year: {attempts} attempts, {contests} contests)",
    "period page": "period report page (Flask test client, {units} units)",
}


def main() -> None:
    global UNITS, PEOPLE, ATTEMPTS
    args = arguments(__doc__.split("\n")[0], units=(UNITS, 100, "units (1,000; smoke: 100)"),
                     people=(PEOPLE, 500, "people, each finishing both rounds of contest 1 (50,000; smoke: 500)"),
                     attempts=(ATTEMPTS, 6000, "finished attempts in the year, all contests (600,000; smoke: 6,000)"))
    UNITS, PEOPLE, ATTEMPTS = args.units, args.people, max(args.attempts, ROUNDS * args.people)
    started_run = time.perf_counter()
    server = os.environ.get("BENCH_DATABASE_URL") or ""
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if not server.startswith("sqlite"):
            with postgres_database("contest_bench_reports") as url:
                results["PostgreSQL"] = run(url, tmp, memory=True)
        results["SQLite"] = run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", tmp, memory=not results)
    names = list(results)
    sizes = {"answers": f"{PEOPLE * ROUNDS * QUESTIONS_PER_ATTEMPT:,}", "people": f"{PEOPLE:,}", "attempts": f"{ATTEMPTS:,}",
             "contests": CONTESTS, "units": f"{UNITS:,}"}
    first = results[names[0]]
    lines = [f"| {LABELS[key].format(**sizes)} | {TARGETS.get(key, '—')} | " + " | ".join(f"{results[n]['times'][key]:.3f}" for n in names) + " |"
             for key in LABELS]
    export_lines = []
    for name, (shape, *_rest) in first["exports"].items():
        cells = []
        for n in names:
            _, export_s, raw_s, memory, raw_memory = results[n]["exports"][name]
            cells.append(f"{export_s:.2f} | {raw_s:.2f} | {export_s / raw_s:.2f}")
        memory, raw_memory = first["exports"][name][3:]
        export_lines.append(f"| {name} | {shape} | " + " | ".join(cells) + f" | {memory:.1f} | {raw_memory:.1f} |")
    columns = " | ".join(f"{n} (s)" for n in names)
    export_columns = " | ".join(f"{n}: export (s) | openpyxl alone (s) | ratio" for n in names)
    seeding = ", ".join(f"{n} {results[n]['seed']:.0f} s" for n in names)
    body = f"""
Command: `make bench-reports` (`python -m bench.reports`). Machine: {machine()}. Databases: {' and '.join(names)}
(PostgreSQL 127.0.0.1, a new database; SQLite a temporary file), the same data on each, one run of the command.
Data: {UNITS:,} units (3 levels), {PEOPLE:,} people, {CONTESTS} contests in 2026 with {ATTEMPTS:,} finished attempts:
contest 1 has {ROUNDS} rounds everyone finishes with {QUESTIONS_PER_ATTEMPT} saved answers each ({PEOPLE * ROUNDS * QUESTIONS_PER_ATTEMPT:,} answers),
the other {CONTESTS - 1} one round a month. Loading (COPY on PostgreSQL, executemany on SQLite) took {seeding}.
Times are medians of 3 runs. "openpyxl alone" writes the same rows and cells with write-only mode and no
styles, in the same run; the export time includes its database queries. Peak memory is the Python heap
(tracemalloc, {names[0]}); the raw writer's rows are built before it is measured, so its figure is the writer alone.

| report ({first['rows']:,} unit rows) | target on PostgreSQL (s) | {columns} |
|---|---:|{'---:|' * len(names)}
""" + "\n".join(lines) + f"""

| export | rows × columns | {export_columns} | export peak (MiB) | openpyxl alone peak (MiB) |
|---|---:|{'---:|' * (3 * len(names) + 2)}
""" + "\n".join(export_lines) + """

Where the time goes on PostgreSQL. Participation: one roll-up query over the tree; each person's unit is that of
their latest attempt, looked up per person on the index attempts (user_id, finished_at DESC, id DESC). Item
statistics: the attempts per score and the ids where the 27 % cuts fall from the index attempts (round_id,
status, score, id), then one grouped pass over the drawn questions and their answers, per score level of the
attempt (the cuts split at most two levels, by attempt id), hashed and run in parallel. Winners: the top 100 ordered and
cut before names and units are joined, the count from the same pass. The period report: one query per period;
the (person, contest) pairs are grouped in person order over the same index (a streaming pass, no hash of every
pair); the previous period and the contests the report covers (distinct people per contest) are read at the
same time on their own connections (`contest/services/sessions.py`; SQLite: one after the other), so the report
takes about as long as its longest query; the page then writes about 10,000 numbers. Connections are opened
without JIT compilation, which cost these queries about 80 ms each. Its workbook line includes computing the
report; "the workbook alone" writes a report computed before, against the raw writer.
"""
    publish("Reports and exports (1,000 units, 600,000 attempts, PostgreSQL and SQLite)", body,
            f"reports benchmark: {UNITS} units, {ATTEMPTS} attempts on {', '.join(names)} in {time.perf_counter() - started_run:.0f} s", args.smoke)


if __name__ == "__main__":
    main()
