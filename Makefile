# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app wsgi

.PHONY: install run test init-db demo-data clean bench bench-import bench-reports bench-exports bench-login bench-hostile bench-export-job bench-smoke mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

init-db: install
	$(FLASK) init-db

demo-data: init-db
	$(FLASK) demo-data

run: demo-data
	$(FLASK) run --host 127.0.0.1 --port 5000

# SQLite by default; set TEST_DATABASE_URL to run the same suite on PostgreSQL.
test: install
	$(BIN)/pytest

# The surge benchmark needs PostgreSQL on 127.0.0.1:5432, or the server of BENCH_DATABASE_URL (see BENCHMARKS.md);
# each run creates its own uniquely named database there and drops it afterwards.
bench: install
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python -m bench.surge

bench-import: install
	$(BIN)/python -m bench.question_import

bench-reports: install
	$(BIN)/python -m bench.reports

# Every big export against raw openpyxl writing the same cells, on PostgreSQL (127.0.0.1:5432 or
# BENCH_DATABASE_URL's server, a database of its own, dropped after) and SQLite.
bench-exports: install
	$(BIN)/python -m bench.exports

bench-hostile: install
	$(BIN)/python -m bench.hostile_uploads

bench-login: install
	$(BIN)/python -m bench.login_timing

# A 300,000-row results export as a background job (PostgreSQL and Redis on 127.0.0.1), see BENCHMARKS.md.
bench-export-job: install
	$(BIN)/python -m bench.export_job

# All of them on small data in about a minute, figures printed, BENCHMARKS.md untouched
# (tests/test_bench_smoke.py does the same in `make test`).
bench-smoke: install
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python -m bench.surge --smoke
	$(BIN)/python -m bench.profile_save --smoke
	$(BIN)/python -m bench.question_import --smoke
	$(BIN)/python -m bench.reports --smoke
	$(BIN)/python -m bench.exports --smoke
	$(BIN)/python -m bench.hostile_uploads --smoke
	$(BIN)/python -m bench.login_timing --smoke
	$(BIN)/python -m bench.export_job --smoke

# Mutation testing of contest/services, the access helpers and question_bank (TESTING.md);
# hours on two cores. MUTANTS='contest.services.ranking.*' limits the run to one module.
mutation: install
	$(BIN)/pip install -q -e '.[test,mutation]'
	$(BIN)/mutmut run --max-children $${MUTATION_CHILDREN:-1} $(MUTANTS)
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) instance .pytest_cache
