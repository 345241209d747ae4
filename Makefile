# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app wsgi

.PHONY: install run test init-db demo-data clean bench-import

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

bench-import: install
	$(BIN)/python -m bench.question_import

clean:
	rm -rf $(VENV) instance .pytest_cache
