# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

.PHONY: run test lint typecheck test-sqlite test-postgres bench migrations schema clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## Serve the API on SQLite (var/parley.sqlite3), creating and seeding it the first time.
run: $(INSTALLED)
	$(BIN)/parley migrate
	$(BIN)/parley seed-demo --if-empty
	$(BIN)/parley serve

## Lint, type-check, then the whole suite on SQLite and on PostgreSQL.
test: $(INSTALLED) lint typecheck test-sqlite test-postgres

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

test-sqlite: $(INSTALLED)
	PARLEY_TEST_DATABASE=sqlite $(BIN)/pytest

test-postgres: $(INSTALLED)
	PARLEY_TEST_DATABASE=postgres $(BIN)/pytest

## Print side-by-side benchmark ratios (see README).
bench: $(INSTALLED)
	$(BIN)/python -m bench

## Write a migration for model changes.
migrations: $(INSTALLED)
	$(BIN)/python -m models.makemigrations

## Rewrite schema/schema.graphql from the code.
schema: $(INSTALLED)
	$(BIN)/python -m schema.export > schema/schema.graphql

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
