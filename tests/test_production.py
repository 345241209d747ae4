"""The README's production section, followed step by step: migrate, create the admin, two gunicorn
app servers on one database, a participant moving between them, the expiry timer, backup and restore.

Runs on PostgreSQL when TEST_DATABASE_URL is set (as in CI), otherwise on a SQLite file (no pg_dump step).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.servers import BIN, CSRF, ROOT, Gunicorn, app_env, flask, temporary_database


pytestmark = pytest.mark.slow


class Browser:
    """Carries the session cookie by hand: production cookies are Secure, and this test speaks plain HTTP."""

    def __init__(self):
        self.cookie = ""

    def request(self, method, url, **kw):
        response = requests.request(method, url, headers={"Cookie": self.cookie, **kw.pop("headers", {})}, allow_redirects=False, timeout=30, **kw)
        found = re.search(r"session=([^;]+)", response.headers.get("Set-Cookie", ""))
        if found:
            self.cookie = f"session={found.group(1)}"
        return response

    def token(self, url) -> str:
        return CSRF.search(self.request("GET", url).text).group(1)


def test_production_steps_with_two_app_servers(tmp_path):
    with temporary_database("contest_production_check", tmp_path) as url:
        env = app_env(url, CONTEST_ENV="production", SECRET_KEY="production-check-secret")
        # Migrations, then the first admin, as the README says.
        assert "phiên bản mới nhất" in flask(env, "init-db")
        flask(env, "create-user", "--role", "admin", "--phone", "0909000001", "--password", "Sao-bang-dem-9", "--name", "Quản trị")
        flask(env, "demo-data")  # a contest to play in this check
        with Gunicorn(env) as a, Gunicorn(env) as b:
            assert requests.get(a.url + "/healthz", timeout=10).json()["database"] == "ok"

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
            with temporary_database("contest_production_restore", tmp_path) as restored:
                subprocess.run(["pg_restore", "--no-owner", "--dbname", restored.replace("postgresql+psycopg://", "postgresql://"), str(dump)],
                               check=True, timeout=120)
                counts = []
                for database in (url, restored):
                    engine = create_engine(database)
                    with engine.connect() as connection:
                        counts.append([connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("users", "attempts", "answers", "questions")])
                    engine.dispose()
                assert counts[0] == counts[1] and counts[0][1] == 1


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "CONTEST_ENV": "production"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "init-db"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
