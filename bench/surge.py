"""Benchmark: the Monday 8:00 surge, against the ceiling of the same stack.

Seeds a contest with N participants on PostgreSQL, starts the app under
gunicorn (gunicorn.conf.py) and plays participants with an asyncio HTTP
client: log in, start an attempt (all within 60 s), save every answer (as fast
as the app answers, CONCURRENCY at a time), reload once and submit (all within
60 s again). In the same run, a minimal Flask app doing one PostgreSQL upsert
per request runs under the same gunicorn settings and takes the same number of
requests at the same concurrency: its throughput is the ceiling. The saves and
the ceiling's upserts take turns in SLICES slices, both servers up, so that on a
machine shared with other work both meet the same moments of load.

Why an asyncio client (aiohttp) rather than Locust: one process on one core
drives hundreds of concurrent participants with exact per-request timing, and
needs no gevent monkey-patching or web UI; the server gets the other core.

Logins are rate limited per address (contest/ratelimit.py): as in a real province, where the
staff of one office share one address, every OFFICE_SIZE participants connect from their own
loopback address (127.0.0.0/8 is all local on Linux), so the limits run as configured and refuse nothing.

Run: `make bench`; `python -m bench.surge --smoke` (or BENCH_SCALE=smoke) plays 30 participants
in a few seconds and prints the figures without touching BENCHMARKS.md. --participants, --concurrency
and --start-window (or BENCH_PARTICIPANTS, BENCH_CONCURRENCY, BENCH_START_WINDOW) change the sizes.
The database is a new uniquely named one on the PostgreSQL server of BENCH_DATABASE_URL (default
127.0.0.1:5432), dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import aiohttp
from sqlalchemy import create_engine, insert, text

from bench.common import arguments, machine, postgres_database, publish
from contest.migrate import upgrade_to_head
from contest.models import BlueprintItem, Choice, Contest, Question, QuestionBank, Round, Topic, Unit, User, contest_units
from contest.passwords import hash_password
from contest.timeutil import utcnow
from tests.servers import Gunicorn, app_env

QUESTIONS = 10
PASSWORD = "Bench@2026"
# Idle connections are dropped before gunicorn's keepalive (5 s) closes them, as a browser's connection to nginx
# is never reused after nginx dropped it: else a request sent on a connection the server is just closing gets no
# answer (aiohttp keeps idle connections 15 s and does not resend a POST).
KEEPALIVE_SECONDS = 4
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
OFFICE_SIZE = 50  # participants behind one address; the login limit per address is contest.ratelimit.LOGIN_PER_ADDRESS
PARTICIPANTS = 1000
CONCURRENCY = 24
START_WINDOW = 60.0
SLICES = 5  # the saves and the ceiling's upserts take turns, in this many slices each


# ---------------------------------------------------------------- database


def seed(database_url: str) -> None:
    upgrade_to_head(database_url)
    engine = create_engine(database_url)
    now = utcnow()
    password_hash = hash_password(PASSWORD)  # one hash for all, of production's method: seeding stays fast, logins cost the same
    with engine.begin() as connection:
        connection.execute(insert(Unit), [{"id": 1, "code": "T", "name": "UBND tỉnh", "kind": "province", "headcount": 0, "path": "/1/", "depth": 0, "created_at": now}]
                           + [{"id": i, "code": f"T-{i}", "name": f"Sở {i}", "kind": "department", "parent_id": 1, "headcount": 100,
                               "path": f"/1/{i}/", "depth": 1, "created_at": now} for i in range(2, 12)])
        connection.execute(insert(User), [
            {"id": i, "full_name": f"Người dự thi {i}", "search_name": f"nguoi du thi {i}", "cccd": f"{i:012d}", "phone": f"09{i:08d}",
             "unit_id": 2 + i % 10, "role": "participant", "password_hash": password_hash, "active": True, "created_at": now}
            for i in range(1, PARTICIPANTS + 1)
        ])
        connection.execute(insert(QuestionBank), [{"id": 1, "name": "Bench", "owner_unit_id": 1, "created_at": now}])
        connection.execute(insert(Topic), [{"id": 1, "bank_id": 1, "name": "Chủ đề"}])
        connection.execute(insert(Question), [
            {"id": q, "bank_id": 1, "topic_id": 1, "code": f"Q{q}", "kind": "single", "difficulty": 1, "text": f"Câu hỏi {q}?",
             "status": "active", "search_text": "", "fingerprint": f"{q:064d}", "created_at": now, "updated_at": now}
            for q in range(1, 51)
        ])
        connection.execute(insert(Choice), [
            {"question_id": q, "label": label, "position": p, "text": f"Phương án {label} câu {q}", "is_correct": label == "B"}
            for q in range(1, 51) for p, label in enumerate("ABCD")
        ])
        connection.execute(insert(Contest), [{
            "id": 1, "owner_unit_id": 1, "title": "Cuộc thi benchmark", "rules_html": "", "status": "published", "audience": "units",
            "shuffle_questions": True, "shuffle_choices": True, "attempts_allowed": 1, "grading": "best", "points_per_question": 1,
            "review_policy": "immediate", "leaderboard_visibility": "public", "created_at": now, "updated_at": now,
        }])
        connection.execute(insert(contest_units), [{"contest_id": 1, "unit_id": 1}])
        connection.execute(insert(Round), [{"id": 1, "contest_id": 1, "number": 1, "title": "Vòng 1", "opens_at": now - timedelta(hours=1),
                                            "closes_at": now + timedelta(hours=3), "time_limit_minutes": 60}])
        connection.execute(insert(BlueprintItem), [{"round_id": 1, "bank_id": 1, "question_count": QUESTIONS}])
        for table in ("units", "users", "questions", "contests", "rounds"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        connection.execute(text("CREATE TABLE ceiling (id integer PRIMARY KEY, value text, saved_at timestamptz)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


# ---------------------------------------------------------------- servers


def server(database_url: str, app: str = "wsgi:app", workers: int | None = None) -> Gunicorn:
    """gunicorn.conf.py as in production (workers and threads from GUNICORN_WORKERS/THREADS or its defaults)."""
    workers = workers or int(os.environ.get("GUNICORN_WORKERS") or (os.cpu_count() or 1) * 2 + 1)
    return Gunicorn(app_env(database_url, SECRET_KEY="bench-secret"), workers=workers, app=app)


def address(number: int) -> str:
    """The loopback address of participant `number`'s office."""
    office = (number - 1) // OFFICE_SIZE
    return f"127.0.{1 + office // 250}.{1 + office % 250}"


# ---------------------------------------------------------------- load


class PageError(RuntimeError):
    """A page did not have what a participant needs next: the benchmark no longer matches the app."""


@dataclass
class Recorder:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    spans: dict[str, tuple[float, float]] = field(default_factory=dict)
    busy: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # seconds of phases that ran `name` alone
    servers: dict[str, int] = field(default_factory=dict)  # gunicorn master pid of "app" and "ceiling"
    # CPU seconds by process kind over the phases that ran `name` alone (Linux /proc; empty elsewhere)
    cpu: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(float)))

    def cpu_now(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by each kind of process: the app's gunicorn, the ceiling's,
        PostgreSQL's backends, this load generator."""
        kinds = {pid: kind for kind, pid in self.servers.items()}
        used: dict[str, float] = defaultdict(float)
        for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                    command = cmdline.read(64)
            except OSError:
                continue  # ended meanwhile
            pid, parent = int(name), int(fields[1])
            kind = ("load generator" if pid == os.getpid() else kinds.get(pid) or kinds.get(parent)
                    or ("PostgreSQL" if command.startswith(b"postgres") else None))
            if kind:
                used[kind] += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        return used

    def charge(self, name: str, before: dict[str, float]) -> None:
        for kind, seconds in self.cpu_now().items():
            self.cpu[name][kind] += seconds - before.get(kind, 0.0)

    async def timed(self, name: str, make_request, ok=(200,)):
        """(status, body, Location header) of one timed request; a status outside `ok` is an error."""
        started = time.perf_counter()
        try:
            async with make_request() as response:
                body = await response.read()
                status, location = response.status, response.headers.get("Location", "")
        except (aiohttp.ClientError, asyncio.TimeoutError):
            body, status, location = b"", 0, ""
        ended = time.perf_counter()
        self.times[name].append(ended - started)
        first, last = self.spans.get(name, (started, ended))
        self.spans[name] = (min(first, started), max(last, ended))
        self.statuses[name][status] += 1
        if status not in ok:
            self.errors[name] += 1
        return status, body, location

    def row(self, name: str) -> tuple[str, int, int, float, float, float, float]:
        values = sorted(self.times[name]) or [float("nan")]
        first, last = self.spans.get(name, (0.0, 0.0))
        seconds = self.busy.get(name) or (last - first)  # interleaved phases: their own time only
        rps = len(values) / seconds if seconds > 0 else float("nan")

        def pct(p: float) -> float:
            return 1000 * values[min(len(values) - 1, int(p * len(values)))]

        return name, len(values), self.errors[name], rps, pct(0.50), pct(0.95), pct(0.99)

    def error_summary(self) -> str:
        return "; ".join(f"{name}: " + ", ".join(f"{count} × HTTP {status or 'no answer'}" for status, count in sorted(self.statuses[name].items()))
                         for name, count in self.errors.items() if count)


# The forms of templates/auth/login.html and templates/participant/contest.html (Flask-WTF hidden_tag),
# and the attempt page of templates/participant/take_attempt.html.
CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
START_FORM = re.compile(rb'<form method="post" action="/cuoc-thi/1/vong/1/bat-dau">.*?' + CSRF.pattern, re.S)
ATTEMPT_CSRF = re.compile(rb'data-csrf="([^"]+)"')
QUESTION = re.compile(rb'name="q-(\d+)" id="q-\d+-([A-H])"')


def found(pattern: re.Pattern, body: bytes, what: str, status: int) -> re.Match:
    match = pattern.search(body)
    if match is None:
        raise PageError(f"{what} not found (HTTP {status}): {body[:300].decode(errors='replace')!r}")
    return match


@dataclass
class Participant:
    number: int
    session: aiohttp.ClientSession
    attempt_url: str = ""
    csrf: str = ""
    questions: dict[int, list[str]] = field(default_factory=dict)
    lost: str = ""  # why this participant could not go on (their failed request is counted as an error)


async def guarded(p: Participant, coroutine) -> None:
    """One participant's step; a page without what comes next drops that participant, not the run."""
    if p.lost:
        coroutine.close()
        return
    try:
        await coroutine
    except PageError as error:
        p.lost = str(error)


async def log_in(base: str, p: Participant, rec: Recorder) -> None:
    status, body, _ = await rec.timed("login page", lambda: p.session.get(f"{base}/dang-nhap"))
    token = found(CSRF, body, "the login form", status).group(1).decode()
    data = {"identifier": f"09{p.number:08d}", "password": PASSWORD, "csrf_token": token}
    await rec.timed("login", lambda: p.session.post(f"{base}/dang-nhap", data=data, allow_redirects=False), ok=(302,))


async def start(base: str, p: Participant, rec: Recorder, delay: float) -> None:
    await asyncio.sleep(delay)
    status, body, _ = await rec.timed("contest page", lambda: p.session.get(f"{base}/cuoc-thi/1"))
    token = found(START_FORM, body, f"participant {p.number}: the start form of the contest page", status).group(1).decode()
    status, _, location = await rec.timed(
        "start", lambda: p.session.post(f"{base}/cuoc-thi/1/vong/1/bat-dau", data={"csrf_token": token}, allow_redirects=False), ok=(302,))
    if not re.fullmatch(r"/bai-thi/\d+", location):
        raise PageError(f"participant {p.number}: starting did not lead to an attempt (HTTP {status}, Location {location!r})")
    p.attempt_url = location
    await load_attempt(base, p, rec, "attempt page")


async def load_attempt(base: str, p: Participant, rec: Recorder, name: str) -> None:
    status, body, _ = await rec.timed(name, lambda: p.session.get(base + p.attempt_url))
    p.csrf = found(ATTEMPT_CSRF, body, f"participant {p.number}: the attempt page's token", status).group(1).decode()
    p.questions = defaultdict(list)
    for question_id, key in QUESTION.findall(body):
        p.questions[int(question_id)].append(key.decode())
    if len(p.questions) != QUESTIONS:
        raise PageError(f"participant {p.number}: {len(p.questions)} questions on the attempt page, {QUESTIONS} expected")


async def save_all(base: str, ceiling_base: str, participants: list[Participant], rec: Recorder) -> int:
    """Every answer saved, in SLICES slices, each followed by as many upserts of the ceiling app at the same
    concurrency: on a machine whose load drifts (shared with other work), both see the same moments."""
    saves = [(p, question_id, random.choice(keys)) for p in participants if not p.lost for question_id, keys in p.questions.items()]
    random.Random(2).shuffle(saves)  # participants' answers mixed, as they arrive
    connector = aiohttp.TCPConnector(limit=CONCURRENCY, keepalive_timeout=KEEPALIVE_SECONDS)
    async with aiohttp.ClientSession(connector=connector) as ceiling_session:
        for number in range(SLICES):
            queue = iter(saves[number::SLICES])
            started, cpu = time.perf_counter(), rec.cpu_now()

            async def worker():
                for p, question_id, key in queue:
                    await rec.timed(
                        "answer-save",
                        lambda: p.session.post(f"{base}{p.attempt_url.replace('/bai-thi/', '/api/bai-thi/')}/tra-loi",
                                               json={"question_id": question_id, "keys": [key]}, headers={"X-CSRFToken": p.csrf}),
                    )

            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            rec.busy["answer-save"] += time.perf_counter() - started
            rec.charge("answer-save", cpu)
            started, cpu = time.perf_counter(), rec.cpu_now()
            await ceiling(ceiling_base, ceiling_session, len(saves[number::SLICES]), number * len(saves), rec)
            rec.busy["ceiling upsert"] += time.perf_counter() - started
            rec.charge("ceiling upsert", cpu)
    return len(saves)


async def reload_and_submit(base: str, p: Participant, rec: Recorder, delay: float) -> None:
    await asyncio.sleep(delay)
    await load_attempt(base, p, rec, "reload")
    _, _, location = await rec.timed(
        "submit", lambda: p.session.post(base + p.attempt_url, data={"csrf_token": p.csrf, "action": "submit", "confirmed": "1", "autosaved": "1"},
                                         allow_redirects=False), ok=(302,))
    if not location.endswith("/ket-qua"):
        raise PageError(f"participant {p.number}: submitting did not lead to the result (Location {location!r})")


async def ceiling(base: str, session: aiohttp.ClientSession, count: int, first: int, rec: Recorder) -> None:
    """`count` upserts of the ceiling app, CONCURRENCY at a time (ids from `first`, wrapping at 5,000 rows)."""
    remaining = iter(range(first, first + count))

    async def worker():
        for n in remaining:
            await rec.timed("ceiling upsert", lambda: session.post(f"{base}/upsert", json={"id": n % 5000, "value": "B"}))

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def bounded(limit: int, coroutines) -> None:
    semaphore = asyncio.Semaphore(limit)

    async def run(coroutine):
        async with semaphore:
            await coroutine

    await asyncio.gather(*(run(c) for c in coroutines))


async def play(base: str, ceiling_base: str, rec: Recorder) -> tuple[int, list[str]]:
    # One connection pool per office address: each participant's requests come from their office.
    connectors = {a: aiohttp.TCPConnector(limit=0, local_addr=(a, 0), keepalive_timeout=KEEPALIVE_SECONDS) for a in sorted({address(n) for n in range(1, PARTICIPANTS + 1)})}
    timeout = aiohttp.ClientTimeout(total=300)  # aiohttp's default: a slow answer is timed, not dropped
    sessions = [aiohttp.ClientSession(connector=connectors[address(n)], connector_owner=False, timeout=timeout,
                                      cookie_jar=aiohttp.CookieJar(unsafe=True)) for n in range(1, PARTICIPANTS + 1)]
    try:
        participants = [Participant(i + 1, s) for i, s in enumerate(sessions)]
        await bounded(CONCURRENCY, [guarded(p, log_in(base, p, rec)) for p in participants])
        rng = random.Random(1)
        await asyncio.gather(*(guarded(p, start(base, p, rec, rng.uniform(0, START_WINDOW))) for p in participants))
        saves = await save_all(base, ceiling_base, participants, rec)
        # Everyone has the same time limit, so those who started within the window finish within one as long: the
        # reloads and submits arrive as the starts did (not all at once, which would time the queue, not the app).
        await asyncio.gather(*(guarded(p, reload_and_submit(base, p, rec, rng.uniform(0, START_WINDOW))) for p in participants))
        return saves, [p.lost for p in participants if p.lost]
    finally:
        for s in sessions:
            await s.close()
        for connector in connectors.values():
            await connector.close()


def cpu_table(rec: Recorder) -> str:
    """CPU milliseconds per request of the saves and the ceiling's upserts, by process, over their own slices."""
    if not rec.cpu:
        return ""
    names = ["answer-save", "ceiling upsert"]
    kinds = ["app (gunicorn)", "ceiling (gunicorn)", "PostgreSQL", "load generator"]
    count = {name: len(rec.times[name]) or 1 for name in names}
    per = {name: {kind: rec.cpu[name].get(kind, 0.0) * 1000 / count[name] for kind in kinds} for name in names}
    lines = [f"| {name} | " + " | ".join(f"{per[name][kind]:.2f}" for kind in kinds) + f" | {sum(per[name].values()):.2f} |"
             for name in names]
    return f"""
CPU per request over the same slices (ms, from /proc: every process of each gunicorn, PostgreSQL's backends, the
load generator; 2 cores give 2,000 ms a second):

| requests | {" | ".join(kinds)} | all |
|---|{"---:|" * (len(kinds) + 1)}
{chr(10).join(lines)}
"""


def stored_after(database_url: str) -> dict[str, int]:
    """What the database holds once everyone has submitted: the answers with a choice, the attempts submitted, and
    the attempts whose stored score disagrees with their stored answers (there must be none)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(text("""
                SELECT (SELECT count(*) FROM answers WHERE selected <> '') AS answers,
                       (SELECT count(*) FROM attempts WHERE status = 'submitted') AS submitted,
                       (SELECT count(*) FROM attempts a WHERE a.correct_count IS DISTINCT FROM
                            (SELECT count(*) FROM answers s WHERE s.attempt_id = a.id AND s.is_correct)) AS disagreeing
            """)).mappings().one())
    finally:
        engine.dispose()


def main() -> None:
    global PARTICIPANTS, CONCURRENCY, START_WINDOW
    args = arguments(
        __doc__.split("\n")[0],
        participants=(1000, 30, "simulated participants (1,000; smoke: 30)"),
        concurrency=(24, 8, "requests at a time in the login, save and ceiling phases (24; smoke: 8)"),
        start_window=(60, 3, "seconds over which everyone starts, and then finishes (60; smoke: 3)"),
    )
    PARTICIPANTS, CONCURRENCY, START_WINDOW = args.participants, args.concurrency, float(args.start_window)
    started = time.perf_counter()
    rec = Recorder()
    workers = 2 if args.smoke else None  # the smoke checks that it runs; two workers start faster
    with postgres_database("contest_bench") as database_url:
        seed(database_url)
        seeded = time.perf_counter()
        with server(database_url, workers=workers) as app, server(database_url, "bench.ceiling_app:app", workers=workers) as ceiling_server:
            servers_up = time.perf_counter()
            rec.servers = {"app (gunicorn)": app.process.pid, "ceiling (gunicorn)": ceiling_server.process.pid}
            saves, lost = asyncio.run(play(app.url, ceiling_server.url, rec))
        stored = stored_after(database_url)
    phases = (f"seeding {seeded - started:.0f} s, servers {servers_up - seeded:.0f} s, the surge with the interleaved ceiling "
              f"{time.perf_counter() - servers_up:.0f} s")

    order = ["login", "contest page", "start", "attempt page", "answer-save", "reload", "submit", "ceiling upsert"]
    rows = [rec.row(name) for name in order if rec.times[name]]
    save_rps, ceiling_rps = rec.row("answer-save")[3], rec.row("ceiling upsert")[3]
    start_first, start_last = rec.spans.get("start", (0.0, 0.0))
    finish_first, finish_last = rec.spans.get("reload", (0.0, 0.0))
    table = "\n".join(
        f"| {name} | {count:,} | {errors} | {rps:,.0f} | {p50:.0f} | {p95:.0f} | {p99:.0f} |" for name, count, errors, rps, p50, p95, p99 in rows
    )
    workers = workers or os.environ.get("GUNICORN_WORKERS") or f"{os.cpu_count() * 2 + 1} (default)"
    body = f"""
Command: `make bench` (`python -m bench.surge`). Machine: {machine()}; PostgreSQL on 127.0.0.1; the load generator
runs on the same machine. gunicorn.conf.py: gthread, {workers} workers × {os.environ.get('GUNICORN_THREADS', 4)} threads.
{PARTICIPANTS:,} participants, {OFFICE_SIZE} to an office address, log in (login rate limits on, as configured), then all start within {START_WINDOW:.0f} s (starts spread over {start_last - start_first:.0f} s),
save each of their {QUESTIONS} answers ({saves:,} saves in random order, {CONCURRENCY} at a time, as fast as the app answers),
then reload once and submit, those finishes spread over {finish_last - finish_first:.0f} s as the starts were. The
ceiling is a minimal Flask app doing one PostgreSQL upsert per request, under the same gunicorn settings, taking the
same number of requests at the same concurrency, in turns with the saves ({SLICES} slices each, both servers up);
requests/s of those two is over their own slices.

| request | count | errors | requests/s | p50 (ms) | p95 (ms) | p99 (ms) |
|---|---:|---:|---:|---:|---:|---:|
{table}

answer-save/ceiling ratio: {save_rps / ceiling_rps:.2f}

Stored after the submits: {stored["answers"]:,} answers with a choice (of {saves:,} saves), {stored["submitted"]:,} attempts
submitted, {stored["disagreeing"]} whose score disagrees with their stored answers.
{cpu_table(rec)}
Where the time goes: `python -m bench.profile_save` (BENCHMARKS.md, "Where an answer-save spends its time").
"""
    publish("Contest surge (gunicorn + PostgreSQL)", body,
            f"surge benchmark: {PARTICIPANTS} participants in {time.perf_counter() - started:.0f} s ({phases})", args.smoke)
    errors = sum(rec.errors.values())
    if stored["answers"] != saves or stored["disagreeing"]:
        print(f"the database does not hold what was saved: {stored}", file=sys.stderr)
        sys.exit(1)
    if errors or lost:
        print(f"{errors} error responses: {rec.error_summary()}", file=sys.stderr)
        if lost:
            print(f"{len(lost)} participants could not finish, for example: " + " | ".join(lost[:3]), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
