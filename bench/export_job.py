"""Benchmark (acceptance): a 300,000-row results export runs as a background job with its progress shown, while
the web server keeps answering other requests quickly.

Data: one contest round with 300,000 people who each finished an attempt (PostgreSQL, a new uniquely named
database on BENCH_DATABASE_URL's server, dropped at the end). Servers: gunicorn (gunicorn.conf.py, 2 workers) with
REDIS_URL set, so the export is an RQ job, and one `flask --app wsgi worker` process running it. The organiser asks
for the results workbook: the request creates the job and redirects (its time is measured); then the job's JSON
status is polled every 0.5 s (the page's script polls every second) and, all the while, another client asks for a
light page (the job page itself) as fast as it is answered; its latencies are compared with the same requests
before the export started.

Run: .venv/bin/python -m bench.export_job   (or `make bench-export-job`); `--smoke` (or BENCH_SCALE=smoke) on 3,000
rows with EXPORT_INLINE_MAX_ROWS=1,000, figures printed, BENCHMARKS.md left alone; --people sets the rows.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import requests
from sqlalchemy import insert, text

from bench.common import ROOT, arguments, machine, postgres_database, publish
from contest import create_app, db
from contest.migrate import upgrade_to_head
from contest.models import Attempt, Contest, Role, Round, Unit, User
from contest.services import users as user_service
from tests.servers import BIN, Gunicorn, app_env
from contest.db import dispose_engines

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
ORGANISER_PHONE = "0999999999"
PASSWORD = "Bench@2026"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CHUNK = 20_000


def seed(url: str, people: int) -> None:
    """Units, `people` participants and one finished attempt each in round 1 of contest 1, and the organiser
    (ORGANISER_PHONE, PASSWORD). The browser test of export jobs uses it too, on SQLite or PostgreSQL."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        session = db.session
        connection = session.connection()
        dialect = connection.dialect.name
        units = [{"id": 1, "code": "T", "name": "UBND tỉnh", "kind": "province", "parent_id": None, "headcount": 0, "path": "/1/", "depth": 0,
                  "created_at": T0}]
        units += [{"id": u, "code": f"U-{u:03d}", "name": f"Đơn vị {u}", "kind": "office", "parent_id": 1, "headcount": 500,
                   "path": f"/1/{u}/", "depth": 1, "created_at": T0} for u in range(2, 102)]
        connection.execute(insert(Unit), units)
        for first in range(1, people + 1, CHUNK):
            connection.execute(insert(User), [
                {"id": i, "full_name": f"Người dự thi {i}", "search_name": f"nguoi du thi {i}", "cccd": f"{i:012d}", "phone": f"08{i:08d}",
                 "unit_id": 2 + i % 100, "role": "participant", "password_hash": "x", "active": True, "created_at": T0}
                for i in range(first, min(first + CHUNK, people + 1))
            ])
        connection.execute(insert(Contest), [{
            "id": 1, "owner_unit_id": 1, "title": "Cuộc thi benchmark", "rules_html": "", "status": "published", "audience": "public",
            "shuffle_questions": True, "shuffle_choices": False, "attempts_allowed": 1, "grading": "best", "points_per_question": 1,
            "review_policy": "after_close", "leaderboard_visibility": "public", "created_at": T0, "updated_at": T0}])
        connection.execute(insert(Round), [{"id": 1, "contest_id": 1, "number": 1, "title": "Vòng 1", "opens_at": T0,
                                            "closes_at": T0 + timedelta(days=7), "time_limit_minutes": 15}])
        for first in range(1, people + 1, CHUNK):
            rows = []
            for i in range(first, min(first + CHUNK, people + 1)):
                used = 60 + (i * 7919) % 840
                started = T0 + timedelta(seconds=(i * 104_729) % (6 * 86_400))
                rows.append({"id": i, "round_id": 1, "user_id": i, "unit_id": 2 + i % 100, "number": 1, "status": "submitted", "seed": i,
                             "started_at": started, "deadline": started + timedelta(minutes=15), "finished_at": started + timedelta(seconds=used),
                             "score": i % 11, "max_score": 10, "correct_count": i % 11, "time_used_ms": used * 1000})
            connection.execute(insert(Attempt), rows)
        if dialect == "postgresql":
            for table in ("units", "users", "attempts", "contests", "rounds"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        session.commit()
        user_service.create_user(session, full_name="Ban tổ chức", phone=ORGANISER_PHONE, password=PASSWORD, role=Role.organizer,
                                 unit=session.get(Unit, 1))
        session.commit()
        if dialect == "postgresql":
            with db.get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as plain:
                plain.execute(text("VACUUM ANALYZE"))
        else:
            session.execute(text("ANALYZE"))
            session.commit()
    dispose_engines(app)


def log_in(base: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(base + "/dang-nhap").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = browser.post(base + "/dang-nhap", data={"identifier": ORGANISER_PHONE, "password": PASSWORD, "csrf_token": token},
                            allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    return browser


def latencies(browser: requests.Session, url: str, stop: threading.Event, seconds: float | None = None) -> list[float]:
    """Ask for `url` back to back until `stop` is set (or for `seconds`); each answer's time in ms."""
    times, until = [], time.monotonic() + seconds if seconds else None
    while not stop.is_set() and (until is None or time.monotonic() < until):
        started = time.perf_counter()
        response = browser.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def run(url: str, people: int, inline_max: int) -> dict:
    queue = f"bench-exports-{uuid.uuid4().hex[:8]}"
    env = app_env(url, REDIS_URL=REDIS_URL, JOB_QUEUE=queue, EXPORT_INLINE_MAX_ROWS=str(inline_max), CONTEST_ENV="development")
    worker = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        with Gunicorn(env, workers=2) as server:
            base = server.url
            organiser, other = log_in(base), log_in(base)
            idle = latencies(other, base + "/bao-cao/tep-xuat", threading.Event(), seconds=3)
            started = time.perf_counter()
            response = organiser.get(base + "/bao-cao/cuoc-thi/1/xuat/ket-qua.xlsx?vong=1", allow_redirects=False)
            request_ms = (time.perf_counter() - started) * 1000
            assert response.status_code == 303, (response.status_code, response.text[:300])
            job_url = base + response.headers["Location"]
            stop = threading.Event()
            busy: list[float] = []
            prober = threading.Thread(target=lambda: busy.extend(latencies(other, job_url, stop)))
            prober.start()
            samples = []
            while True:
                status = organiser.get(job_url + "/trang-thai").json()
                samples.append((time.perf_counter() - started, status["done"], status["text"]))
                if status["finished"]:
                    break
                if time.perf_counter() - started > 900:
                    raise RuntimeError("the export job did not finish within 15 minutes")
                time.sleep(0.5)
            stop.set()
            prober.join()
            assert status["status"] == "done", status
            download = organiser.get(base + status["download"])
            assert download.status_code == 200 and download.content[:2] == b"PK"
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=30)
        if worker.returncode not in (0, -15, 1) and errors:
            print(errors[-2000:], file=sys.stderr)
    moving = [s for s in samples if 0 < s[1] < people]
    return {
        "people": people, "request_ms": request_ms, "job_seconds": samples[-1][0], "samples": samples, "moving": moving,
        "idle_p50": statistics.median(idle), "idle_p95": p95(idle), "busy_p50": statistics.median(busy), "busy_p95": p95(busy),
        "busy_max": max(busy), "busy_count": len(busy), "bytes": len(download.content),
    }


def main() -> None:
    args = arguments(__doc__.splitlines()[0], people=(300_000, 3_000, "rows of the results export (finished attempts)"))
    inline_max = 1_000 if args.smoke else 10_000
    with postgres_database("bench_export_job") as url:
        upgrade_to_head(url)
        began = time.perf_counter()
        seed(url, args.people)
        print(f"seeded {args.people} attempts in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        r = run(url, args.people, inline_max)
    shown = [text for _, _, text in r["moving"]]
    body = "\n".join([
        f"`make bench-export-job` (`bench/export_job.py`), {machine()}, PostgreSQL, one run: the results export of one round with "
        f"{r['people']:,} finished attempts, asked for by an organiser on gunicorn (2 workers), run as an RQ job by one "
        f"`flask --app wsgi worker`; meanwhile a second client asks for a light page (the job's page) back to back.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| the export request (creates the job, redirects to its page) | {r['request_ms']:.0f} ms |",
        f"| job: asked → file ready | {r['job_seconds']:.1f} s ({r['bytes'] / 2**20:.1f} MiB workbook) |",
        f"| progress polls that showed rows part-way (0 < done < total) | {len(r['moving'])} of {len(r['samples'])}"
        + (f", e.g. “{shown[len(shown) // 2]}”" if shown else "") + " |",
        f"| other page, before the export: p50 / p95 | {r['idle_p50']:.0f} / {r['idle_p95']:.0f} ms |",
        f"| other page, during the export: p50 / p95 / max ({r['busy_count']} requests) | "
        f"{r['busy_p50']:.0f} / {r['busy_p95']:.0f} / {r['busy_max']:.0f} ms |",
        "",
        "The job runs in the worker process, not in a gunicorn worker: the web workers only create the job and answer "
        "the small status JSON; on this 2-core machine the export, PostgreSQL and gunicorn share the cores, so the other "
        "page's latency during the export is the cost of that sharing, not of a held worker.",
    ])
    summary = (f"export job benchmark: {r['people']} rows as a job in {r['job_seconds']:.1f} s, request {r['request_ms']:.0f} ms, "
               f"{len(r['moving'])} part-way progress polls, other page p95 {r['busy_p95']:.0f} ms during (idle {r['idle_p95']:.0f} ms)")
    publish("Export jobs (a 300,000-row results export in the background)", body, summary, args.smoke)
    if args.smoke and not r["moving"] and r["people"] > 2_000:
        print("note: the smoke export finished between two polls", file=sys.stderr)


if __name__ == "__main__":
    main()
