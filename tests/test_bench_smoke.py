"""Every benchmark still runs: each bench module in smoke mode (a few dozen participants, a small
import, a small report, the hostile uploads through one page) as a subprocess, as `make bench*` would run it, printing its figures and
leaving BENCHMARKS.md as it was. The surge needs PostgreSQL: it runs in the PostgreSQL pass of CI.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import subprocess
import sys

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.slow
POSTGRES = os.environ.get("TEST_DATABASE_URL", "") if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql") else ""


def run_benchmark(module: str, **env: str) -> str:
    before = (ROOT / "BENCHMARKS.md").read_bytes()
    # The smoke sizes, whatever BENCH_* sizes the caller's shell may have set.
    environment = {**{k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}, **env}
    result = subprocess.run([sys.executable, "-m", module, "--smoke"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{module} exited with {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert (ROOT / "BENCHMARKS.md").read_bytes() == before, "a smoke run must not rewrite BENCHMARKS.md"
    return result.stdout


def table_rows(output: str, table: int | None = None) -> dict[str, list[str]]:
    """The figures of the output's tables, or of its `table`-th one (headers and separators left out): first column ->
    the other cells."""
    tables = [list(lines)[2:] for is_table, lines in itertools.groupby(output.splitlines(), lambda line: line.startswith("|"))
              if is_table]
    rows = {}
    for line in itertools.chain(*tables) if table is None else tables[table]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.skipif(not POSTGRES, reason="the surge benchmark needs PostgreSQL: set TEST_DATABASE_URL (CI's PostgreSQL pass runs it)")
def test_surge_benchmark_plays_thirty_participants_without_an_error():
    if importlib.util.find_spec("aiohttp") is None and not os.environ.get("CI"):
        pytest.skip("aiohttp (the bench extra) is not installed: pip install -e '.[test,bench]'")
    output = run_benchmark("bench.surge", BENCH_DATABASE_URL=POSTGRES)
    rows = table_rows(output, 0)
    expected = {"login": 30, "contest page": 30, "start": 30, "attempt page": 30, "answer-save": 300, "reload": 30, "submit": 30,
                "ceiling upsert": 300}
    assert {name: int(rows[name][0].replace(",", "")) for name in expected} == expected
    assert all(rows[name][1] == "0" for name in expected), rows  # no request refused or failed
    assert re.search(r"answer-save/ceiling ratio: \d+\.\d\d", output)
    cpu = table_rows(output, 1)  # CPU per request by process, over the saves' and the ceiling's own slices
    assert set(cpu) == {"answer-save", "ceiling upsert"} and all(float(cells[-1]) > 0 for cells in cpu.values()), cpu
    assert "surge benchmark: 30 participants" in output


def test_question_import_benchmark_imports_a_small_workbook():
    output = run_benchmark("bench.question_import")
    rows = table_rows(output)
    assert "full import, new bank: parse + plan + write 200 questions in one transaction" in rows
    assert all(re.fullmatch(r"\d+\.\d\d", cells[0]) for cells in rows.values()), rows
    assert "question import benchmark: 200 questions" in output


def test_reports_benchmark_exports_a_small_contest():
    # In the PostgreSQL pass on that server (its own database) and on SQLite beside it; otherwise on SQLite alone.
    output = run_benchmark("bench.reports", BENCH_DATABASE_URL=POSTGRES or "sqlite://")
    rows = table_rows(output)
    databases = 2 if POSTGRES else 1
    assert rows["results and ranking (contest, 500 people)"][0] == "506 × 11"  # with the unit's code and parent
    assert rows["participation by unit (100 units)"][0] == "107 × 13"
    assert rows["period report (year, 100 units, 12 contests)"][0] == "114 × 14"  # heading, 100 units, signatures
    assert {"question statistics (100 questions)", "winners list (top 100)"} <= set(rows)
    for report in ("item statistics (contest 1: 10,000 saved answers)", "period report page (Flask test client, 100 units)"):
        assert len(rows[report]) == 1 + databases and all(re.fullmatch(r"\d+\.\d{3}", cell) for cell in rows[report][1:]), rows[report]
    assert f"Databases: {'PostgreSQL and SQLite' if POSTGRES else 'SQLite'}" in output
    assert f"reports benchmark: 100 units, 6000 attempts on {'PostgreSQL, SQLite' if POSTGRES else 'SQLite'}" in output


def test_exports_benchmark_compares_every_export_with_raw_openpyxl():
    # On PostgreSQL in CI's PostgreSQL pass (a database of its own on that server), on SQLite only otherwise.
    output = run_benchmark("bench.exports", **({"BENCH_DATABASE_URL": POSTGRES} if POSTGRES else {"BENCH_POSTGRES": "0"}))
    lines = [line for line in output.splitlines() if line.startswith("| ")][1:]
    names = {"results and ranking", "winners (top half)", "participation by unit", "not taken part", "question statistics",
             "period report", "question bank"}
    databases = ({"postgresql"} if POSTGRES else set()) | {"sqlite"}
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    assert {(c[0], c[1]) for c in cells} == {(name, database) for name in names for database in databases}
    assert all(re.fullmatch(r"\d+\.\d\d", c[5]) and float(c[5]) > 0 for c in cells), cells  # the ratio to raw openpyxl
    assert next(c[2] for c in cells if c[0] == "results and ranking") == "406 × 11"  # 400 people, the title block and header
    assert "exports benchmark: 400 people, 150 units" in output


def test_login_timing_benchmark_compares_unknown_and_known_accounts():
    rows = table_rows(run_benchmark("bench.login_timing"))
    assert set(rows) == {"known account, wrong password", "unknown phone", "unknown e-mail"}
    assert rows["known account, wrong password"][2] == "1.00"


def test_hostile_uploads_benchmark_refuses_every_costly_workbook():
    output = run_benchmark("bench.hostile_uploads")
    rows = table_rows(output)
    assert len(rows) == 13 and "billion laughs: 10^10 entity expansions" in rows
    # size, staff-list time, ratio to the 2 s ceiling; the benchmark exits non-zero if any file was not refused
    assert all(re.fullmatch(r"\d+\.\d{2}", cells[0]) and re.fullmatch(r"\d+\.\d{3}", cells[2]) for cells in rows.values()), rows
    assert "hostile uploads benchmark: 13 files × 1 uploads" in output
    assert re.search(r"banner uploads: 18 hostile pictures refused, the slowest in \d+\.\d{3} s", output), output



@pytest.mark.skipif(not POSTGRES, reason="the export job benchmark needs PostgreSQL (and Redis): set TEST_DATABASE_URL (CI's PostgreSQL pass runs it)")
def test_export_job_benchmark_runs_a_results_export_in_the_background():
    output = run_benchmark("bench.export_job", BENCH_DATABASE_URL=POSTGRES)
    rows = table_rows(output)
    assert "export job benchmark: 3000 rows as a job" in output
    assert rows["job: asked → file ready"][0].endswith("workbook)")


@pytest.mark.skipif(not POSTGRES, reason="the save's profile needs PostgreSQL: set TEST_DATABASE_URL (CI's PostgreSQL pass runs it)")
def test_save_profile_counts_one_database_call_a_save_and_times_the_statement_each_way():
    output = run_benchmark("bench.profile_save", BENCH_DATABASE_URL=POSTGRES)
    assert "answer-save: " in output and "database calls per request 1.0 (WITH)" in output  # the fast path: one round trip
    assert re.search(r"CPU ratio \(ceiling ÷ save\): \d+\.\d\d", output)
    statements = table_rows(output)
    assert {name.split(":")[0] for name in statements} >= {"save", "ceiling"} and len(statements) == 4, statements
    assert all(int(cells[-1]) > 0 for cells in statements.values())  # every way wrote WAL: the saves were made
