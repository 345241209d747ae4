# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app wsgi

.PHONY: install run test init-db demo-data clean bench bench-import bench-reports mutation

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

# The surge benchmark needs PostgreSQL on 127.0.0.1:5432 (see BENCHMARKS.md).
bench: install
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python -m bench.surge

bench-import: install
	$(BIN)/python -m bench.question_import

bench-reports: install
	$(BIN)/python -m bench.reports

# Mutation testing of contest/services, the access helpers and question_bank (TESTING.md);
# hours on two cores. MUTANTS='contest.services.ranking.*' limits the run to one module.
mutation: install
	$(BIN)/pip install -q -e '.[test,mutation]'
	$(BIN)/mutmut run --max-children $${MUTATION_CHILDREN:-1} $(MUTANTS)
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) instance .pytest_cache
