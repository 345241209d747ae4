"""Real servers and databases for tests: gunicorn processes that are waited for patiently and always
stopped, and PostgreSQL databases with names no other run can share.

Every test that starts gunicorn or creates a database goes through this module, so a busy machine
(a slow first /healthz) or a failing test never leaves a server running or a database behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import requests
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_name(prefix: str) -> str:
    """A database name no other test, run or machine user shares (PostgreSQL identifiers: lower case)."""
    return f"{prefix[:40]}_{os.getpid()}_{uuid.uuid4().hex[:10]}".lower()  # PostgreSQL keeps 63 characters


def _admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _on_database(url: str, database: str) -> str:
    """`url` with its database replaced (password and query kept)."""
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _maintenance_url(url: str) -> str:
    """Where CREATE/DROP DATABASE run: the server's `postgres` database, which always exists."""
    return _on_database(url, "postgres")


def _maintain(url: str, statement: str) -> None:
    """Run CREATE or DROP DATABASE on the maintenance database of `url`'s server, outside any transaction."""
    admin = create_engine(_maintenance_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def create_database(prefix: str, sqlite_dir: Path, server_url: str | None = None) -> str:
    """A fresh empty database with a unique name: on the PostgreSQL server of `server_url`
    (default TEST_DATABASE_URL; only its server and credentials are used), else a SQLite file."""
    name = unique_name(prefix)
    base = server_url or _admin_url()
    if not base:
        return f"sqlite:///{sqlite_dir / (name + '.sqlite3')}"
    _maintain(base, f'CREATE DATABASE "{name}"')
    return _on_database(base, name)


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    _maintain(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@contextlib.contextmanager
def temporary_database(prefix: str, sqlite_dir: Path, server_url: str | None = None) -> Iterator[str]:
    url = create_database(prefix, sqlite_dir, server_url)
    try:
        yield url
    finally:
        drop_database(url)


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment for a flask command or gunicorn on this database (the test suite's own variables removed)."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-server-secret", **extra}
    env.pop("TEST_DATABASE_URL", None)
    return env


def flask(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def wait_for_health(url: str, process: subprocess.Popen | None = None, timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Wait until GET /healthz answers 200, tolerating any request error, for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before answering")
        try:
            response = requests.get(url + "/healthz", timeout=5)
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            last_error = repr(exc)
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy within {timeout:.0f} s: {last_error}")


class Gunicorn:
    """gunicorn.conf.py on a free port; use as a context manager so it is stopped whatever happens."""

    def __init__(self, env: dict, workers: int = 2, threads: int | None = None, log_path: Path | None = None,
                 app: str = "wsgi:app", **extra_env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = {"GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(workers),
                    "GUNICORN_ACCESS_LOG": "", "GUNICORN_LOG_LEVEL": "warning", **extra_env}
        if threads is not None:
            settings["GUNICORN_THREADS"] = str(threads)
        # Always logged to a file, so a server that fails to start says why.
        self._own_log = log_path is None
        if log_path is None:
            descriptor, name = tempfile.mkstemp(prefix="gunicorn-", suffix=".log")
            os.close(descriptor)
            log_path = Path(name)
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", app],
            cwd=ROOT, env={**env, **settings}, start_new_session=True, stdout=self._log, stderr=self._log,
        )
        try:
            wait_for_health(self.url, self.process)
        except BaseException as exc:
            output = self.log()[-3000:]
            self.stop()
            if isinstance(exc, RuntimeError):
                raise RuntimeError(f"{exc}\n--- gunicorn output ---\n{output}") from None
            raise

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Workers are in the same process group; make sure none outlives the master.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if not self._log.closed:
            self._log.close()
        if self._own_log:
            with contextlib.suppress(FileNotFoundError):
                self.log_path.unlink()

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def log_in_and_start(base: str, phone: str, password: str, contest_id: int, round_id: int
                     ) -> tuple[requests.Session, str, str, list[int]]:
    """Log in through a real server's pages and start a round: the session, the attempt page's path,
    its autosave CSRF token and the ids of its questions."""
    s = requests.Session()
    token = CSRF.search(s.get(base + "/dang-nhap").text).group(1)
    assert s.post(base + "/dang-nhap", data={"identifier": phone, "password": password, "csrf_token": token},
                  allow_redirects=False).status_code == 302
    token = CSRF.search(s.get(f"{base}/cuoc-thi/{contest_id}").text).group(1)
    location = s.post(f"{base}/cuoc-thi/{contest_id}/vong/{round_id}/bat-dau", data={"csrf_token": token},
                      allow_redirects=False).headers["Location"]
    page = s.get(base + location).text
    csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
    questions = sorted({int(q) for q in re.findall(r'name="q-(\d+)"', page)})
    assert questions, "the attempt page shows no question"
    return s, location, csrf, questions
