"""Running export jobs away from the request that asked for them.

JOB_RUNNER chooses how (contest/config.py): `rq` (the default when REDIS_URL is set) enqueues the job on Redis for
`flask --app wsgi worker`; `thread` (the default otherwise) runs it in a thread of the app server, never the request's
own; `inline` runs it at once (tests, one-off scripts). Whatever runs it, the job's state is only in the database:
any app server answers its page, and a job whose process dies stops its heartbeat and shows as failed
(ExportJob.state).

A job reads on its own session and reports its progress on another, in one short transaction at most every
PROGRESS_SECONDS (and a heartbeat every HEARTBEAT_SECONDS while a long query runs). On SQLite the reading session
uses a deferred BEGIN, so the export does not hold the write lock that the progress updates (and every other
writer of the app) need.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from sqlalchemy.orm import sessionmaker

from contest import clock, db
from contest.services import jobs as job_service
from contest.timeutil import utcnow

log = logging.getLogger(__name__)

PROGRESS_SECONDS = 0.5
HEARTBEAT_SECONDS = 5.0
_LOADED_IN = os.getpid()  # the worker's own process; RQ forks a work horse per job


def start(job_id: int) -> None:
    """Hand a committed job to the configured runner."""
    app = current_app._get_current_object()
    runner = app.config["JOB_RUNNER"]
    if runner == "rq":
        queue().enqueue(execute, job_id, job_timeout=app.config["JOB_TIMEOUT_SECONDS"], result_ttl=0,
                        failure_ttl=int(job_service.KEEP.total_seconds()))
    elif runner == "thread":
        threading.Thread(target=run, args=(app, job_id), name=f"export-job-{job_id}", daemon=True).start()
    else:
        run(app, job_id)


def queue():
    from rq import Queue  # noqa: PLC0415  (only deployments with REDIS_URL need RQ loaded)

    return Queue(current_app.config["JOB_QUEUE"], connection=db.redis_client())


def execute(job_id: int) -> None:
    """The RQ entry point, run by `flask --app wsgi worker` (whose app context the work horse inherits). A forked work
    horse must not reuse the parent's pooled connections: it drops them without closing the parent's sockets."""
    if not has_app_context():
        raise RuntimeError("Export jobs run in `flask --app wsgi worker`, which provides the app (not in a plain `rq worker`).")
    app = current_app._get_current_object()
    if os.getpid() != _LOADED_IN:
        app.extensions["db_engine"].dispose(close=False)
    run(app, job_id)


class _Reporter:
    """The progress callback: it only notes the count; a ticker thread writes it, at most every PROGRESS_SECONDS,
    and a heartbeat every HEARTBEAT_SECONDS even when the count has not moved."""

    def __init__(self, sessions: sessionmaker, job_id: int, now):
        self.sessions, self.job_id, self.now = sessions, job_id, now
        self.done = 0
        self._written, self._beat = 0, time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name=f"export-job-{job_id}-progress", daemon=True)

    def __call__(self, done: int) -> None:
        self.done = done

    def __enter__(self) -> _Reporter:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    def _tick(self) -> None:
        while not self._stop.wait(PROGRESS_SECONDS):
            done = self.done
            if done == self._written and time.monotonic() - self._beat < HEARTBEAT_SECONDS:
                continue
            try:
                with self.sessions() as session:
                    job_service.record_progress(session, self.job_id, done, self.now())
                    session.commit()
            except Exception:  # a missed update is retried on the next tick; the export goes on
                log.warning("export job %s: progress not recorded", self.job_id, exc_info=True)
                continue
            self._written, self._beat = done, time.monotonic()


def _reader(app: Flask):
    """A session for the export's reads: the app's, except on SQLite (a deferred BEGIN, see the module's docstring)."""
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite"):
        return app.extensions["db_sessionmaker"](), None
    engine = db.make_engine(url, sqlite_immediate=False)
    return sessionmaker(engine)(), engine


def run(app: Flask, job_id: int) -> None:
    """Claim the job, write its export with progress, store the file; any error marks it failed with a message."""
    now = app.config.get("CLOCK") or utcnow  # the app's clock (tests move it), callable from the ticker thread too
    with app.app_context():
        sessions = app.extensions["db_sessionmaker"]
        with sessions() as session:
            job = job_service.claim(session, job_id, now())
            session.commit()
            if job is None:
                return
            kind, params = job.kind, dict(job.params)
        reporter = _Reporter(sessions, job_id, now)
        reader, engine = _reader(app)
        try:
            with reporter, tempfile.TemporaryFile() as spool:
                job_service.write(reader, kind, params, spool, reporter)
                reader.rollback()
                spool.seek(0)
                content = spool.read()
            with sessions() as session:
                job_service.finish(session, job_id, content, reporter.done, now())
                session.commit()
        except Exception as error:
            log.exception("export job %s (%s) failed", job_id, kind)
            reader.rollback()
            with sessions() as session:
                job_service.fail(session, job_id, error, now())
                session.commit()
        finally:
            reader.close()
            if engine is not None:
                engine.dispose()


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Dừng khi hàng đợi trống")
def worker_command(burst: bool) -> None:
    """Run the RQ worker of the export jobs (needs REDIS_URL)."""
    if current_app.config["JOB_RUNNER"] != "rq":
        raise click.ClickException("REDIS_URL chưa được đặt (hoặc JOB_RUNNER không phải rq): việc xuất tệp chạy ngay trong máy chủ web, không cần worker.")
    from rq import Worker  # noqa: PLC0415

    Worker([queue()], connection=db.redis_client()).work(burst=burst)


@click.command("purge-jobs")
@with_appcontext
def purge_jobs_command() -> None:
    """Delete the exported files kept past their day (pages also purge when a job is created)."""
    count = job_service.purge_expired(db.session, clock.now())
    db.session.commit()
    click.echo(f"Đã xóa {count} tệp đã xuất quá hạn.")


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(purge_jobs_command)
