"""Where an answer-save spends its time: cProfile over many saves, in process, against the ceiling's upsert.

Run: `.venv/bin/python -m bench.profile_save` (PostgreSQL of BENCH_DATABASE_URL, default 127.0.0.1:5432;
a new database, dropped at the end). --saves sets the number of saves profiled (2,000), --top the
number of functions printed (25), --pages the participants first timed through every request of an attempt
(20): CPU milliseconds per request of each kind, and per participant, for the capacity plan (README.md).

One participant of the surge's seed logs in, starts and then saves answers through the Flask test client
(the whole WSGI stack: session cookie, CSRF check, rate limiter hooks, the view, the service, JSON); the
ceiling app (bench/ceiling_app.py) takes as many upserts the same way. Both are timed without the profiler
first — wall time, and this process's CPU time per request, which is what a saturated server divides its
cores by — and their database calls counted (the pool's ping, BEGIN, statements, COMMIT); then profiled on
CPU time (waits on PostgreSQL excluded), and the heaviest functions by own and cumulative time are printed.
--statements times the save's statement alone on one psycopg connection (no SQLAlchemy, no HTTP), sent the main
engine's way (ping, BEGIN, statement, COMMIT) and the fast path's (autocommit, alone), without its row lock, and
the ceiling's upsert: CPU of this process and of its PostgreSQL backend (/proc), and WAL, per save (3,000 each).
"""

from __future__ import annotations

import cProfile
import importlib
import io
import os
import pstats
import re
import sys
import time

from sqlalchemy import event, text

from bench import surge
from bench.common import arguments, postgres_database
from contest.db import dispose_engines


def _timed(fn, count: int) -> tuple[float, float]:
    """(wall, CPU of this process) in microseconds per call."""
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(count):
        fn(n)
    return (time.perf_counter() - started) / count * 1e6, (time.process_time() - cpu) / count * 1e6


def _round_trips(*engines) -> list[str]:
    """The statements sent on `engines` (a list that grows), BEGIN and COMMIT included where they are sent (not on an
    autocommit connection, where the driver sends neither)."""
    sent: list[str] = []

    def transaction(word: str):
        def note(connection) -> None:
            if not connection.connection.dbapi_connection.autocommit:
                sent.append(word)
        return note

    for engine in engines:
        event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: sent.append(statement.split()[0]))
        event.listen(engine, "begin", transaction("BEGIN"))
        event.listen(engine, "commit", transaction("COMMIT"))
    return sent


def _per_request(fn, sent: list[str], count: int = 20) -> str:
    sent.clear()
    for n in range(count):
        fn(n)
    return f"{len(sent) / count:.1f} ({', '.join(sent[: len(sent) // count])})"


def _profile(fn, count: int, top: int, title: str) -> str:
    profiler = cProfile.Profile(time.process_time)  # CPU time: waits on the database are not this process's work
    profiler.enable()
    for n in range(count):
        fn(n)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write(f"===== {title}: by own time\n")
    stats.sort_stats("tottime").print_stats(top)
    out.write(f"===== {title}: by cumulative time\n")
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def _pages(app, count: int) -> str:
    """CPU milliseconds of this process (median) per request of each kind a participant makes, for `count`
    participants going through the whole attempt (test client: one thread, so CPU of one core)."""
    import statistics

    times: dict[str, list[float]] = {}

    def timed(kind: str, request):
        started = time.process_time()
        response = request()
        times.setdefault(kind, []).append((time.process_time() - started) * 1000)
        return response

    for number in range(2, count + 2):
        client = app.test_client()
        token = surge.CSRF.search(timed("login page", lambda: client.get("/dang-nhap")).data).group(1).decode()
        data = {"identifier": f"09{number:08d}", "password": surge.PASSWORD, "csrf_token": token}
        assert timed("login", lambda: client.post("/dang-nhap", data=data)).status_code == 302
        token = surge.START_FORM.search(timed("contest page", lambda: client.get("/cuoc-thi/1")).data).group(1).decode()
        location = timed("start", lambda: client.post("/cuoc-thi/1/vong/1/bat-dau", data={"csrf_token": token})).headers["Location"]
        page = timed("attempt page", lambda: client.get(location)).data
        csrf = surge.ATTEMPT_CSRF.search(page).group(1).decode()
        for question_id, key in dict((int(q), k.decode()) for q, k in surge.QUESTION.findall(page)).items():
            response = timed("answer-save", lambda: client.post(location.replace("/bai-thi/", "/api/bai-thi/") + "/tra-loi",
                                                                json={"question_id": question_id, "keys": [key]},
                                                                headers={"X-CSRFToken": csrf}))
            assert response.status_code == 200
        timed("reload", lambda: client.get(location))
        done = timed("submit", lambda: client.post(location, data={"csrf_token": csrf, "action": "submit", "confirmed": "1", "autosaved": "1"}))
        assert done.status_code == 302, done.status_code
        timed("result page", lambda: client.get(done.headers["Location"]))
    rows = [f"{kind}: {statistics.median(values):.1f} ms CPU (median of {len(values)})" for kind, values in times.items()]
    per_taker = sum(statistics.median(values) * len(values) / count for values in times.values())
    return "\n".join(rows) + f"\none participant's whole attempt: {per_taker:.0f} ms CPU"


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the PostgreSQL backend `pid` (on this machine, from /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _statements(url: str, attempt_id: int, user_id: int, questions: list[tuple[int, str]], count: int) -> str:
    """The save's statement alone, on one psycopg connection (no SQLAlchemy, no HTTP): CPU of this process and of
    its PostgreSQL backend, and WAL written, per save, sent the main engine's way and the fast path's way, beside
    the ceiling's upsert; each way `count` times, in two interleaved rounds (the second round's figures)."""
    import datetime

    import psycopg

    from contest.services.attempts import _SAVE_IN_ONE

    save = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", _SAVE_IN_ONE.element.text)  # SQLAlchemy's :name to psycopg's %(name)s
    upsert = ("INSERT INTO ceiling (id, value, saved_at) VALUES (%(id)s, 'B', now()) "
              "ON CONFLICT (id) DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at")

    def save_params(n: int) -> dict:
        question_id, key = questions[n % len(questions)]
        return {"attempt_id": attempt_id, "question_id": question_id, "user_id": user_id, "session_version": None,
                "in_progress": "in_progress", "now": datetime.datetime.now(datetime.timezone.utc), "grace_seconds": 30.0,
                "keys": [key], "key_count": 1, "selected": key}

    def in_transaction(statement: str, params, ping: bool):
        def run(connection, n: int) -> None:
            if ping:  # SQLAlchemy's pre-ping on psycopg: SELECT 1 in autocommit
                connection.autocommit = True
                connection.execute("SELECT 1")
                connection.autocommit = False
            connection.execute(statement, params(n))  # psycopg sends BEGIN first
            connection.commit()
        return run, False

    def alone(statement: str):
        return (lambda connection, n: connection.execute(statement, save_params(n))), True

    ways = {
        "save: ping, BEGIN, statement, COMMIT (main engine)": in_transaction(save, save_params, True),
        "save: the statement alone, autocommit (fast path)": alone(save),
        "save without the row lock, autocommit (not used)": alone(save.replace("FOR UPDATE OF a", "")),
        "ceiling: ping, BEGIN, upsert, COMMIT": in_transaction(upsert, lambda n: {"id": n % 5000}, True),
    }
    figures: dict[str, str] = {}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        connection.commit()
        for _round in range(2):
            for name, (run, autocommit) in ways.items():
                connection.autocommit = autocommit
                for n in range(20):  # warm: prepared after psycopg's fifth use
                    run(connection, n)
                wal_before = connection.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
                connection.commit()
                own, theirs, wall = time.process_time(), _backend_cpu(backend), time.perf_counter()
                for n in range(count):
                    run(connection, n)
                own, theirs = time.process_time() - own, _backend_cpu(backend) - theirs
                wall = time.perf_counter() - wall
                wal = connection.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (wal_before,)).fetchone()[0]
                connection.commit()
                connection.autocommit = False
                figures[name] = (f"| {name} | {own / count * 1e6:.0f} | {theirs / count * 1e6:.0f} | "
                                 f"{(own + theirs) / count * 1e6:.0f} | {wall / count * 1e6:.0f} | {float(wal) / count:.0f} |")
    return ("| the statement, sent | this process CPU (µs) | PostgreSQL backend CPU (µs) | both (µs) | wall (µs) | WAL (bytes) |\n"
            "|---|---:|---:|---:|---:|---:|\n" + "\n".join(figures.values()))


def main() -> None:
    args = arguments(__doc__.split("\n")[0], saves=(2000, 100, "saves profiled (2,000)"), top=(25, 10, "functions printed (25)"),
                     pages=(20, 3, "participants timed through every page of an attempt first (20)"),
                     statements=(3000, 100, "the save's statement alone, each way, on one psycopg connection (3,000)"))
    with postgres_database("contest_profile") as url:
        surge.PARTICIPANTS = 10 + args.pages
        surge.seed(url)
        os.environ.update(DATABASE_URL=url, SECRET_KEY="bench-secret")
        from contest import create_app

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret"})
        print(_pages(app, args.pages))
        client = app.test_client()
        token = surge.CSRF.search(client.get("/dang-nhap").data).group(1).decode()
        response = client.post("/dang-nhap", data={"identifier": "0900000001", "password": surge.PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.status_code
        token = surge.START_FORM.search(client.get("/cuoc-thi/1").data).group(1).decode()
        attempt_url = client.post("/cuoc-thi/1/vong/1/bat-dau", data={"csrf_token": token}).headers["Location"]
        page = client.get(attempt_url).data
        csrf = surge.ATTEMPT_CSRF.search(page).group(1).decode()
        questions = [(int(q), k.decode()) for q, k in surge.QUESTION.findall(page)]
        save_url = attempt_url.replace("/bai-thi/", "/api/bai-thi/") + "/tra-loi"

        def save(n: int) -> None:
            question_id, key = questions[n % len(questions)]
            response = client.post(save_url, json={"question_id": question_id, "keys": [key]}, headers={"X-CSRFToken": csrf})
            assert response.status_code == 200, response.data

        sys.modules.pop("bench.ceiling_app", None)
        ceiling = importlib.import_module("bench.ceiling_app").app.test_client()

        def upsert(n: int) -> None:
            assert ceiling.post("/upsert", json={"id": n % 5000, "value": "B"}).status_code == 200

        for fn in (save, upsert):  # warm up: pools, caches, compiled statements
            _timed(fn, 50)
        (save_wall, save_cpu), (upsert_wall, upsert_cpu) = _timed(save, args.saves), _timed(upsert, args.saves)
        save_sent = _round_trips(app.extensions["db_engine"], app.extensions["db_single_statement_engine"])
        upsert_sent = _round_trips(importlib.import_module("bench.ceiling_app").engine)
        print(f"answer-save: {save_wall:.0f} µs wall, {save_cpu:.0f} µs CPU per request, database calls per request "
              f"{_per_request(save, save_sent)}")
        print(f"ceiling upsert: {upsert_wall:.0f} µs wall, {upsert_cpu:.0f} µs CPU per request, database calls per request "
              f"{_per_request(upsert, upsert_sent)}")
        print(f"CPU ratio (ceiling ÷ save): {upsert_cpu / save_cpu:.2f}")
        attempt_id = int(re.search(r"/bai-thi/(\d+)", attempt_url).group(1))
        with app.extensions["db_engine"].connect() as connection:
            user_id = connection.execute(text("SELECT user_id FROM attempts WHERE id = :id"), {"id": attempt_id}).scalar_one()
        print(_statements(url, attempt_id, user_id, questions, args.statements))
        report = _profile(save, args.saves, args.top, "answer-save") + _profile(upsert, args.saves, args.top, "ceiling upsert")
        print(re.sub(r"\n{3,}", "\n\n", report))
        dispose_engines(app)
        importlib.import_module("bench.ceiling_app").engine.dispose()


if __name__ == "__main__":
    main()
