"""Helpers shared by the benchmarks: scale, databases, timing, peak memory, writing BENCHMARKS.md sections.

Servers and databases come from tests/servers.py (gunicorn waited for patiently and always stopped,
PostgreSQL databases with names no other run shares), so benchmarks and tests cannot drift apart.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import re
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def arguments(description: str, **sizes: tuple[int, int, str]) -> argparse.Namespace:
    """Command-line sizes, each `name=(full, smoke, help)`. `--smoke` (or BENCH_SCALE=smoke) picks the
    small sizes and leaves BENCHMARKS.md alone: it checks that the benchmark still runs, in CI."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--smoke", action="store_true", default=os.environ.get("BENCH_SCALE") == "smoke",
                        help="a few seconds on small data, figures printed only (also BENCH_SCALE=smoke)")
    for name, (_, _, help_text) in sizes.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None, help=help_text)
    args = parser.parse_args()
    for name, (full, smoke, _) in sizes.items():
        env = os.environ.get(f"BENCH_{name.upper()}")
        if getattr(args, name) is None:
            setattr(args, name, int(env) if env else (smoke if args.smoke else full))
    return args


@contextlib.contextmanager
def postgres_database(prefix: str, server_url: str | None = None) -> Iterator[str]:
    """A new, uniquely named PostgreSQL database on the server of `server_url` (default
    BENCH_DATABASE_URL, else 127.0.0.1:5432), dropped afterwards."""
    from tests.servers import temporary_database

    server = server_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRES
    with temporary_database(prefix, ROOT, server) as url:
        yield url


def measure(fn: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time in seconds over `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_memory(fn: Callable[[], object]) -> float:
    """Peak Python heap (MiB) during one run, traced separately because tracing slows the run."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def machine() -> str:
    """The machine, and when the run ended with the load average then (1, 5, 15 minutes): the figures of a machine
    shared with other work read differently from an idle one's."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    ended = datetime.now(timezone.utc)
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"run ended {ended:%Y-%m-%d %H:%M} UTC, load average {load}")


def publish(name: str, body: str, summary: str, smoke: bool) -> None:
    """Print a benchmark's section `## name` and its one-line summary; a full run also writes the section to
    BENCHMARKS.md, a smoke run leaves the file as it was."""
    if not smoke:
        write_section(name, body)
    print(body)
    print(summary + (" (smoke: BENCHMARKS.md left as it was)" if smoke else ""))


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section `## name` of BENCHMARKS.md."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else "# Benchmarks\n"
    section = f"## {name}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(section + "\n", text)
    else:
        text = text.rstrip() + "\n\n" + section
    BENCHMARKS_MD.write_text(text.rstrip() + "\n", encoding="utf-8")


def raw_write(rows: list[list[object]]) -> bytes:
    """The floor an export is measured against: openpyxl write-only appending the same plain values, no styles."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Dữ liệu")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cells_of(content: bytes) -> list[list[object]]:
    """An exported workbook's first sheet as plain values (what raw_write is given)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def analyze(session) -> None:
    """Give the planner statistics for the data just loaded, as a production database has them (autovacuum may be
    off on a test server, and freshly loaded tables without statistics make PostgreSQL plan for a few rows)."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as plain:
            plain.execute(text("VACUUM ANALYZE"))
    else:
        session.execute(text("ANALYZE"))
        session.commit()

