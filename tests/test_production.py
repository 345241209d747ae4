"""The README's production section, followed step by step: migrate, create the admin, two gunicorn
app servers on one database, a participant moving between them, the expiry timer, backup and restore.

Runs on PostgreSQL when TEST_DATABASE_URL is set (as in CI), otherwise on a SQLite file (no pg_dump step).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database(tmp_path, name: str) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)"))
        admin.dispose()


def flask(env, *args) -> str:
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class Server:
    def __init__(self, env: dict, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2", "GUNICORN_ACCESS_LOG": ""},
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        for _ in range(150):
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("gunicorn did not start: " + self.process.stderr.read().decode())

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
        self.process.stderr.close()


class Browser:
    """Carries the session cookie by hand: production cookies are Secure, and this test speaks plain HTTP."""

    def __init__(self):
        self.cookie = ""

    def request(self, method, url, **kw):
        response = requests.request(method, url, headers={"Cookie": self.cookie, **kw.pop("headers", {})}, allow_redirects=False, timeout=10, **kw)
        found = re.search(r"session=([^;]+)", response.headers.get("Set-Cookie", ""))
        if found:
            self.cookie = f"session={found.group(1)}"
        return response

    def token(self, url) -> str:
        return CSRF.search(self.request("GET", url).text).group(1)


def test_production_steps_with_two_app_servers(tmp_path):
    url = _database(tmp_path, "contest_production_check")
    env = {**os.environ, "DATABASE_URL": url, "CONTEST_ENV": "production", "SECRET_KEY": "production-check-secret"}
    env.pop("TEST_DATABASE_URL", None)
    servers = []
    try:
        # Migrations, then the first admin, as the README says.
        assert "phiên bản mới nhất" in flask(env, "init-db")
        flask(env, "create-user", "--role", "admin", "--phone", "0909000001", "--password", "Quantri2026", "--name", "Quản trị")
        flask(env, "demo-data")  # a contest to play in this check
        servers = [Server(env, free_port()), Server(env, free_port())]
        a, b = servers
        assert requests.get(a.url + "/healthz", timeout=5).json()["database"] == "ok"

        browser = Browser()
        login = browser.request("POST", a.url + "/dang-nhap", data={
            "identifier": "0900000004", "password": "Demo@2026", "csrf_token": browser.token(a.url + "/dang-nhap")})
        assert login.status_code == 302
        assert "Secure" in login.headers["Set-Cookie"] and "HttpOnly" in login.headers["Set-Cookie"]
        assert "Phạm Thị Dung" in browser.request("GET", b.url + "/tai-khoan").text  # the session works on the other server

        start = browser.request("POST", b.url + "/cuoc-thi/1/vong/1/bat-dau", data={"csrf_token": browser.token(b.url + "/cuoc-thi/1")})
        attempt_path = start.headers["Location"]
        page = browser.request("GET", a.url + attempt_path).text
        csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        question_id = int(re.search(r'name="q-(\d+)"', page).group(1))
        saved = browser.request("POST", b.url + attempt_path.replace("/bai-thi/", "/api/bai-thi/") + "/tra-loi",
                                json={"question_id": question_id, "keys": ["A"]}, headers={"X-CSRFToken": csrf})
        assert saved.json()["saved"] is True
        assert f'id="q-{question_id}-A" value="A" checked' in browser.request("GET", a.url + attempt_path).text
        done = browser.request("POST", a.url + attempt_path, data={"csrf_token": csrf, "action": "submit", "confirmed": "1"})
        assert done.headers["Location"].endswith("/ket-qua")
        assert "Phạm Thị Dung" in browser.request("GET", b.url + "/cuoc-thi/1/xep-hang?vong=1").text

        assert "bài thi quá hạn" in flask(env, "expire-attempts")  # the timer's command

        if url.startswith("postgresql") and shutil.which("pg_dump"):
            dump = tmp_path / "backup.dump"
            libpq_url = url.replace("postgresql+psycopg://", "postgresql://")
            subprocess.run(["pg_dump", "--format=custom", "--file", str(dump), libpq_url], check=True, timeout=120)
            restored = _database(tmp_path, "contest_production_restore")
            try:
                subprocess.run(["pg_restore", "--no-owner", "--dbname", restored.replace("postgresql+psycopg://", "postgresql://"), str(dump)],
                               check=True, timeout=120)
                counts = []
                for database in (url, restored):
                    engine = create_engine(database)
                    with engine.connect() as connection:
                        counts.append([connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("users", "attempts", "answers", "questions")])
                    engine.dispose()
                assert counts[0] == counts[1] and counts[0][1] == 1
            finally:
                _drop(restored)
    finally:
        for server in servers:
            server.stop()
        _drop(url)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "CONTEST_ENV": "production"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "init-db"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
