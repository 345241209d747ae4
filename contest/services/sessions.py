"""Reading through more than one connection at a time (the reports' independent queries)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")


def read_concurrently(session: Session, *jobs: Callable[[Session], T]) -> list[T]:
    """The results of `jobs`, each called with a session to read through. On PostgreSQL the first runs in `session`
    and the others at the same time, each in a thread with a session of its own on the same engine (a report's
    independent queries then take as long as the longest instead of their sum: the period report page, BENCHMARKS.md);
    elsewhere (SQLite, one writer and one process) one after the other in `session`.

    The other sessions see what is committed: call this for reads of committed data only (the reports finish the
    overdue attempts and commit first). They write nothing and are closed at the end; the objects the jobs are
    given must already be loaded (no lazy load from another thread)."""
    bind = session.get_bind()
    if len(jobs) < 2 or bind.dialect.name != "postgresql":
        return [job(session) for job in jobs]

    def beside(job: Callable[[Session], T]) -> T:
        with Session(bind) as side:
            return job(side)

    with ThreadPoolExecutor(len(jobs) - 1) as pool:
        others = [pool.submit(beside, job) for job in jobs[1:]]
        first = jobs[0](session)
        return [first, *(future.result() for future in others)]
