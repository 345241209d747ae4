"""Saving and finishing race through a real server (gunicorn, several workers and threads).

Many threads autosave one participant's answers while the participant submits, or while the attempt's
deadline passes and `expire-attempts`, a page touch and the saves themselves finish it. Afterwards:

- no save sent after the finish had returned was acknowledged;
- every acknowledged value is the stored answer, unless another acknowledged save of the same question
  that may have committed after it (it was answered after this one was sent) stored its own value;
- nothing is stored that no acknowledged save carried;
- the stored score equals the score the stored answers imply, recomputed here from the snapshot's key.

Runs on the suite's database: PostgreSQL (row lock) with TEST_DATABASE_URL, else SQLite (write lock).
"""

from __future__ import annotations

import json
import random
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests
from sqlalchemy import create_engine, text

from contest.models import Role, UnitKind
from contest.timeutil import utcnow
from tests.conftest import TEST_PASSWORD
from tests.servers import BIN, ROOT, Gunicorn, app_env, log_in_and_start

pytestmark = pytest.mark.slow
SAVERS = 12


@dataclass
class Save:
    question: int
    key: str
    sent: float
    answered: float
    saved: bool
    status: int


def _hammer(base: str, session_cookies, location: str, csrf: str, questions: list[int], stop: threading.Event,
            seed: int, saves: list[Save], lock: threading.Lock) -> None:
    """One saver: its own HTTP connection (same login cookie), random answers until told to stop."""
    s = requests.Session()
    s.cookies.update(session_cookies)
    rng = random.Random(seed)
    api = base + location.replace("/bai-thi/", "/api/bai-thi/") + "/tra-loi"
    refused_in_a_row = 0
    while not stop.is_set() and refused_in_a_row < 3:
        question, key = rng.choice(questions), rng.choice("AB")  # every kind has A and B; few values, many overwrites
        sent = time.monotonic()
        response = s.post(api, json={"question_id": question, "keys": [key]}, headers={"X-CSRFToken": csrf}, timeout=60)
        answered = time.monotonic()
        saved = response.status_code == 200 and response.json().get("saved") is True
        assert response.status_code in (200, 409), (response.status_code, response.text[:300])
        refused_in_a_row = 0 if saved else refused_in_a_row + 1
        with lock:
            saves.append(Save(question, key, sent, answered, saved, response.status_code))


def _snapshot(database_url: str, attempt_id: int):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            status, score = connection.execute(text("SELECT status, score FROM attempts WHERE id = :id"), {"id": attempt_id}).one()
            stored = {q: selected for q, selected in connection.execute(
                text("SELECT attempt_question_id, selected FROM answers WHERE attempt_id = :id"), {"id": attempt_id})}
            keys = {}
            for q, correct, points in connection.execute(
                    text("SELECT id, correct_keys, points FROM attempt_questions WHERE attempt_id = :id"), {"id": attempt_id}):
                keys[q] = (sorted(json.loads(correct) if isinstance(correct, str) else correct), points)
    finally:
        engine.dispose()
    return status, score, stored, keys


def _check(saves: list[Save], finished_at: float, status: str, score: int, stored: dict[int, str], keys: dict) -> dict:
    """The rules of the module docstring; returns counts for the report line."""
    acknowledged = [s for s in saves if s.saved]
    late = [s for s in acknowledged if s.sent > finished_at]
    assert late == [], f"{len(late)} saves sent after the finish returned were acknowledged"
    for question in keys:
        mine = [s for s in acknowledged if s.question == question]
        value = stored.get(question)
        if not mine:
            assert value is None, f"question {question}: {value!r} stored but no save of it was acknowledged"
            continue
        for save in mine:
            if save.key == value:
                continue
            # Excused only by an acknowledged save of the stored value that may have committed after this one.
            assert any(o.key == value and o.answered > save.sent for o in mine if o is not save), (
                f"question {question}: acknowledged {save.key!r} is not stored ({value!r}) and no later acknowledged save overwrote it")
    # Scored from exactly the answers that stand: the snapshot's key, a question scores on an exact match.
    expected = sum(points for q, (correct, points) in keys.items() if stored.get(q) and sorted(stored[q].split(",")) == correct)
    assert status in ("submitted", "expired")
    assert score == expected, f"stored score {score}, the stored answers imply {expected}"
    return {"acknowledged": len(acknowledged), "refused": len(saves) - len(acknowledged)}


@pytest.fixture
def race_setup(db_session, make_unit, make_user, make_contest, make_bank):
    province = make_unit("R", kind=UnitKind.province)
    contest = make_contest(unit=province, bank=make_bank(owner=province, per_topic=4), per_topic=4, time_limit=60,
                           attempts_allowed=10)
    round_ = contest.rounds[0]
    round_.opens_at, round_.closes_at = utcnow() - timedelta(minutes=5), utcnow() + timedelta(hours=2)
    users = [make_user(Role.participant, unit=province) for _ in range(3)]
    db_session.commit()
    return contest, round_, users


def _run_savers(base, s, location, csrf, questions, stop, saves, lock, seed):
    threads = [threading.Thread(target=_hammer, args=(base, s.cookies, location, csrf, questions, stop, seed * 100 + i, saves, lock))
               for i in range(SAVERS)]
    for t in threads:
        t.start()
    return threads


def test_saves_racing_a_submit(race_setup, database_url):
    contest, round_, users = race_setup
    env = app_env(database_url, SECRET_KEY="race-secret")
    with Gunicorn(env, workers=3, threads=4, GUNICORN_LOG_LEVEL="critical") as server:
        base = server.url
        reports = []
        for attempt_round in range(2):  # two attempts each: more races, still a quick test
            for index, user in enumerate(users):
                s, location, csrf, questions = log_in_and_start(base, user.phone, TEST_PASSWORD, contest.id, round_.id)
                saves: list[Save] = []
                lock, stop = threading.Lock(), threading.Event()
                threads = _run_savers(base, s, location, csrf, questions, stop, saves, lock, attempt_round * 10 + index)
                time.sleep(0.6)  # saves in full flight
                done = s.post(base + location, data={"csrf_token": csrf, "action": "submit", "confirmed": "1", "autosaved": "1"},
                              allow_redirects=False)
                finished_at = time.monotonic()
                assert done.status_code == 302 and done.headers["Location"].endswith("/ket-qua")
                time.sleep(0.4)  # the savers go on after the finish: all of them must be refused
                stop.set()
                for t in threads:
                    t.join()
                status, score, stored, keys = _snapshot(database_url, int(location.rsplit("/", 1)[1]))
                assert status == "submitted"
                assert any(not x.saved for x in saves), "no save came after the submit: the race was not run"
                reports.append(_check(saves, finished_at, status, score, stored, keys))
    print(f"\nrace (submit): {reports}")


def test_saves_racing_the_expiry(race_setup, database_url):
    contest, round_, users = race_setup
    env = app_env(database_url, SECRET_KEY="race-secret", ATTEMPT_GRACE_SECONDS="1")
    with Gunicorn(env, workers=3, threads=4, GUNICORN_LOG_LEVEL="critical") as server:
        base = server.url
        reports = []
        for index, user in enumerate(users):
            s, location, csrf, questions = log_in_and_start(base, user.phone, TEST_PASSWORD, contest.id, round_.id)
            attempt_id = int(location.rsplit("/", 1)[1])
            # The deadline passes while the savers run: 1.2 s from now, then 1 s of grace.
            engine = create_engine(database_url)
            with engine.begin() as connection:
                connection.execute(text("UPDATE attempts SET deadline = :d WHERE id = :id"),
                                   {"d": utcnow() + timedelta(seconds=1.2), "id": attempt_id})
            engine.dispose()
            saves: list[Save] = []
            lock, stop = threading.Lock(), threading.Event()
            threads = _run_savers(base, s, location, csrf, questions, stop, saves, lock, 50 + index)
            time.sleep(2.25)  # just past deadline + grace: the finishers race the saves still coming in
            finishers = []
            if index != 1:  # the CLI, as the timer would run it
                finishers.append(subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "expire-attempts"], cwd=ROOT, env=env,
                                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
            if index != 0:  # a page touch (the status poll of the attempt page)
                toucher = requests.Session()
                toucher.cookies.update(s.cookies)
                touched = toucher.get(f"{base}/api/bai-thi/{attempt_id}/trang-thai", timeout=60)
                assert touched.status_code == 200 and touched.json()["status"] == "expired"
            for process in finishers:
                output = process.communicate(timeout=120)[0]
                assert process.returncode == 0, output
            finished_at = time.monotonic()
            time.sleep(0.3)
            stop.set()
            for t in threads:
                t.join()
            status, score, stored, keys = _snapshot(database_url, attempt_id)
            assert status == "expired"
            reports.append(_check(saves, finished_at, status, score, stored, keys))
    print(f"\nrace (expiry): {reports}")
