"""Faults on PostgreSQL: a gunicorn worker killed (SIGKILL) while participants save, and dropped connections.

Every answer acknowledged before the kill must be in the database, and the attempts must finish and
score from exactly those answers. Run by .ci/run on PostgreSQL; skipped on SQLite.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import create_engine, text

from contest import create_app
from contest.models import Attempt, Role, UnitKind
from contest.timeutil import utcnow
from tests.conftest import TEST_PASSWORD
from tests.servers import Gunicorn, app_env, log_in_and_start
from contest.db import dispose_engines

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"), reason="fault tests run on PostgreSQL"),
]
PARTICIPANTS = 12


def test_pool_pre_ping_recovers_dropped_connections(app_config, database_url, tmp_path):
    """The database drops the app's pooled connections (a restart, a failover): the next request still works."""
    tagged = create_app({**app_config, "DATABASE_URL": database_url + "?application_name=preping_check"}, instance_path=tmp_path)
    client = tagged.test_client()
    assert client.get("/healthz").status_code == 200  # a pooled connection now exists
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        killed = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'preping_check'"
        )).scalar()
    admin.dispose()
    assert killed >= 1
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"
    dispose_engines(tagged)


def worker_pids(master: int) -> list[int]:
    output = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in output.split()]


def test_no_acknowledged_answer_is_lost_when_a_worker_is_killed(app, db_session, make_unit, make_user, make_contest, make_bank, database_url):
    province = make_unit("K", kind=UnitKind.province)
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=5), per_topic=5, time_limit=60)
    round_ = contest.rounds[0]
    round_.opens_at, round_.closes_at = utcnow() - timedelta(minutes=5), utcnow() + timedelta(hours=2)
    users = [make_user(Role.participant, unit=province) for _ in range(PARTICIPANTS)]
    db_session.commit()

    env = app_env(database_url, SECRET_KEY="fault-secret", PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    with Gunicorn(env, workers=2, threads=2, GUNICORN_LOG_LEVEL="critical") as server:
        base = server.url
        master = server.process
        # Each participant logs in and starts an attempt through the server.
        sessions = []
        for user in users:
            s, location, csrf, questions = log_in_and_start(base, user.phone, TEST_PASSWORD, contest.id, round_.id)
            sessions.append((s, location, csrf, questions))

        acknowledged: dict[tuple[str, int], str] = {}
        # Saves that got no answer (cut by the kill, or slow on a busy machine) may still have been
        # written, even after a later acknowledged save of the same question: they are allowed too.
        unacknowledged: dict[tuple[str, int], set[str]] = {}
        lock = threading.Lock()
        stop_at = time.monotonic() + 6
        killed = threading.Event()
        failures = [0]
        saves = [0]

        def participant(index: int) -> None:
            s, location, csrf, questions = sessions[index]
            rng = random.Random(index)
            api = base + location.replace("/bai-thi/", "/api/bai-thi/") + "/tra-loi"
            while time.monotonic() < stop_at:
                question, key = rng.choice(questions), rng.choice("ABCD")
                try:
                    response = s.post(api, json={"question_id": question, "keys": [key]}, headers={"X-CSRFToken": csrf}, timeout=15)
                except requests.RequestException:
                    with lock:
                        failures[0] += 1  # not acknowledged: the browser would retry it
                        unacknowledged.setdefault((location, question), set()).add(key)
                    continue
                with lock:
                    if response.status_code == 200:
                        acknowledged[(location, question)] = key
                        saves[0] += 1
                    else:
                        unacknowledged.setdefault((location, question), set()).add(key)

        def killer() -> None:
            time.sleep(2)
            victim = worker_pids(master.pid)[0]
            os.kill(victim, signal.SIGKILL)
            killed.set()

        with ThreadPoolExecutor(PARTICIPANTS + 1) as pool:
            pool.submit(killer)
            list(pool.map(participant, range(PARTICIPANTS)))
        assert killed.is_set()

        # Every acknowledged answer is in the database, with the last acknowledged choice.
        engine = create_engine(database_url)
        with engine.connect() as connection:
            stored = {
                (f"/bai-thi/{attempt_id}", question_id): selected
                for attempt_id, question_id, selected in connection.execute(text("SELECT attempt_id, attempt_question_id, selected FROM answers"))
            }
        engine.dispose()
        missing = {k: v for k, v in acknowledged.items() if stored.get(k) != v and stored.get(k) not in unacknowledged.get(k, ())}
        phantom = {k: v for k, v in stored.items() if k not in acknowledged and v not in unacknowledged.get(k, ())}
        print(f"\nfault test: {saves[0]} saves acknowledged; the last of each of {len(acknowledged)} answers: "
              f"{sum(1 for k, v in acknowledged.items() if stored.get(k) == v)} found in the database, "
              f"{failures[0]} requests cut by the kill, worker {'killed' if killed.is_set() else 'alive'}")
        assert missing == {}
        assert phantom == {}

        # The attempts finish, and score from exactly what was saved.
        for s, location, csrf, _ in sessions:
            assert s.post(base + location, data={"csrf_token": csrf, "action": "submit", "confirmed": "1", "autosaved": "1"},
                          allow_redirects=False).status_code == 302

    db_session.expire_all()
    for attempt in db_session.query(Attempt).all():
        assert attempt.status == "submitted"
        expected = sum(
            q.points for q in attempt.questions
            if stored.get((f"/bai-thi/{attempt.id}", q.id)) is not None
            and [stored[(f"/bai-thi/{attempt.id}", q.id)]] == q.correct_keys
        )
        assert attempt.score == expected
