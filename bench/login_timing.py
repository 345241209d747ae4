"""Login timing: a login naming no account takes as long as one with a wrong password for a real account.

Run: .venv/bin/python -m bench.login_timing (or `make bench-login`); `--smoke` (or BENCH_SCALE=smoke) runs 10
logins of each kind and prints the figures without touching BENCHMARKS.md; --logins sets the number.

Each login goes through the real login page (Flask test client, SQLite, the password hash as configured for
production, contest/passwords.py; rate limits off). The ceiling is one verification of that hash measured in
the same run: a login costs about one of them, and the unknown/known ratio is the figure that matters (issue 15
saw 14 ms against 130 ms, a ratio of 0.11). The CPU time of this process per login (one thread: one core) gives
the logins one core can serve per second and per minute; a successful login costs the same verification plus
the session write, which the wrong-password login also makes in its refusal page.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import arguments, machine, publish
from contest import create_app, db
from contest.migrate import upgrade_to_head
from contest.models import Role
from contest.passwords import DEFAULT_METHOD, hash_password, verify_password
from contest.services import units as unit_service
from contest.services import users as user_service
from contest.db import dispose_engines

PASSWORD = "Bench@2026"
LOGINS = 200


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def main() -> None:
    args = arguments(__doc__.split("\n")[0], logins=(LOGINS, 10, f"logins of each kind ({LOGINS}; smoke: 10)"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade_to_head(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False},
                         instance_path=tmp)
        with app.app_context():
            unit = unit_service.create_unit(db.session, code="B", name="Đơn vị đo", kind="province", headcount=1, parent=None)
            user_service.create_user(db.session, full_name="Người đo", phone="0900000009", password=PASSWORD,
                                     role=Role.participant, unit=unit)
            db.session.commit()
        client = app.test_client()
        kinds = {
            "known account, wrong password": lambda i: "0900000009",
            "unknown phone": lambda i: f"09{i:08d}1",
            "unknown e-mail": lambda i: f"khong-co-{i}@example.vn",
        }
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
        for i in range(args.logins):
            for kind, identifier in kinds.items():  # interleaved, so a slower moment hits every kind alike
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.post("/dang-nhap", data={"identifier": identifier(i), "password": "Sai-mat-khau-1"})
                times[kind].append(time.perf_counter() - started)
                cpu[kind].append(time.process_time() - started_cpu)
                assert response.status_code == 401, response.status_code
        with app.app_context():
            method = app.config["PASSWORD_HASH_METHOD"]
            stored = hash_password(PASSWORD)
        assert method == DEFAULT_METHOD, method
        ceiling = []
        for _ in range(args.logins):
            started = time.perf_counter()
            verify_password(stored, "Sai-mat-khau-1")
            ceiling.append(time.perf_counter() - started)
        dispose_engines(app)

    known = _median_ms(times["known account, wrong password"])
    one = _median_ms(ceiling)
    rows = "\n".join(
        f"| {kind} | {_median_ms(t):.1f} | {_median_ms(t) / one:.2f} | {_median_ms(t) / known:.2f} | {_median_ms(cpu[kind]):.1f} |"
        for kind, t in times.items()
    )
    per_second = 1000 / _median_ms(cpu["known account, wrong password"])
    body = f"""
Command: `make bench-login` (`python -m bench.login_timing`). Machine: {machine()}. {args.logins} logins of each
kind, interleaved, through the login page (SQLite, {stored.split("$")[1] if stored.startswith("$") else method} as configured: `{stored.rsplit("$", 2)[0]}`, rate limits off).
Ceiling: one verification of that hash alone, median {one:.1f} ms in the same run.

| login | median (ms) | ÷ one verification | ÷ known account | median CPU (ms) |
|---|---:|---:|---:|---:|
{rows}

**Logins per core**: one login of a known account takes a median {_median_ms(cpu["known account, wrong password"]):.1f} ms of CPU
of one core, so one core serves about **{per_second:.0f} logins a second, {per_second * 60:,.0f} a minute** (login page
and hash together, the form's GET not counted; a gunicorn worker adds its HTTP parsing).

An unknown identifier is verified against a dummy hash of the same method (`contest/passwords.py`,
`verify_nothing`), so its answer takes the time of a wrong password for a real account; before, it skipped
the hash and answered in about a tenth of the time (issue 15: 14 ms against 130 ms).
"""
    publish("Login timing (unknown and known accounts)", body, "login timing benchmark", args.smoke)


if __name__ == "__main__":
    main()
