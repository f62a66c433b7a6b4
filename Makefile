# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL
PLAYWRIGHT_CORE := 1.65.1
BROWSER := .browser
BROWSER_STAMP := $(BROWSER)/.playwright-core-$(PLAYWRIGHT_CORE)
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint typecheck test-sqlite test-postgres browser-deps bench migrations schema docs clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## Serve the API on SQLite (var/parley.sqlite3), creating and seeding it the first time;
## on port 8000, or PORT (`PORT=9000 make run`), where the demo widget is then allowed too.
run: $(INSTALLED)
	$(BIN)/parley migrate
	$(BIN)/parley seed-demo --if-empty --port $(or $(PORT),8000)
	$(BIN)/parley serve --port $(or $(PORT),8000)

## Lint, type-check, then the suite in two legs: SQLite runs every behaviour with smaller example
## counts; PostgreSQL runs everything, the heavy tier (browser, faults, several processes, scale)
## and the full counts included (pytest -m heavy lists the tier).
test: $(INSTALLED) lint typecheck test-sqlite test-postgres

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

test-sqlite: $(INSTALLED) browser-deps
	PARLEY_TEST_DATABASE=sqlite PARLEY_DIFFERENTIAL_QUERIES=300 PARLEY_FUZZ_EXAMPLES=25 \
		$(BIN)/pytest -m "not heavy"

test-postgres: $(INSTALLED) browser-deps
	PARLEY_TEST_DATABASE=postgres $(BIN)/pytest

## Rewrite docs/screenshots from the browser tests (the suite itself writes them to a temporary
## folder and leaves the work tree alone).
.PHONY: screenshots
screenshots: $(INSTALLED) browser-deps
	PARLEY_TEST_DATABASE=sqlite PARLEY_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -q \
		tests/browser/test_widget.py tests/browser/test_dashboard_list.py \
		tests/browser/test_dashboard_pages.py tests/browser/test_dashboard_assistants.py \
		tests/browser/test_dashboard_inbox.py

## Headless Chromium (Debian's package; installed when missing and run as root) and npm's
## playwright-core in .browser/, for tests/browser. Without them that test skips, or fails under CI=true.
browser-deps: $(BROWSER_STAMP)
	@test -x $(CHROMIUM) || [ "$$(id -u)" != 0 ] || apt-get install -y chromium \
		|| { apt-get update && apt-get install -y chromium; } || true
	@test -x $(CHROMIUM) || echo "*** $(CHROMIUM) is missing: run 'apt-get install -y chromium' as root" >&2
	@# The README's shell examples are run with curl and jq.
	@command -v jq >/dev/null && command -v curl >/dev/null || [ "$$(id -u)" != 0 ] \
		|| apt-get install -y jq curl || { apt-get update && apt-get install -y jq curl; } || true

$(BROWSER_STAMP):
	@command -v npm >/dev/null || { echo "*** npm is missing: the browser test cannot run" >&2; exit 0; }; \
		npm install --prefix $(BROWSER) --no-audit --no-fund --save-exact --loglevel=error \
			playwright-core@$(PLAYWRIGHT_CORE) && touch $@

## Parley vs PostGraphile 5 vs a hand-written endpoint, side by side: writes bench/results.md
## (see README); then the live views (fan-out, and 10,000 idle sockets on one process):
## bench/results-live.md; then the webhook queue under a backlog (printed); then streamed
## replies (100 at once through one process, the engine's CPU per turn, a killed engine):
## bench/results-replies.md; then writes and scale (the ingest ratio against a raw transaction,
## messages/s and delivery p99 against 1, 2 and 4 processes, PostgreSQL alone and with the bus):
## bench/results-scale.md and .svg. wrk from apt (as root) and node@22 + postgraphile@5 from npm
## in bench/.peers/ are installed when missing.
## BENCH_ARGS go to `python -m bench.peers`; BENCH_TABLES=1 then runs the in-process tables
## (`python -m bench`) too.
PEERS := bench/.peers
PEERS_STAMP := $(PEERS)/.node22-postgraphile5
bench: $(INSTALLED) $(PEERS_STAMP)
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || apt-get install -y wrk \
		|| { apt-get update && apt-get install -y wrk; }
	@command -v wrk >/dev/null || { echo "*** wrk is missing: run 'apt-get install -y wrk' as root" >&2; exit 1; }
	$(BIN)/python -m bench.peers $(BENCH_ARGS)
	$(BIN)/python -m bench.live --idle-sockets 10000
	$(BIN)/python -m bench.webhooks
	$(BIN)/python -m bench.replies
	$(BIN)/python -m bench.scale
	@[ -z "$(BENCH_TABLES)" ] || $(BIN)/python -m bench

$(PEERS_STAMP):
	@command -v npm >/dev/null || { echo "*** npm is missing: PostGraphile cannot be installed" >&2; exit 1; }
	npm install --prefix $(PEERS) --no-audit --no-fund --save-exact --loglevel=error \
		node@22 postgraphile@5 && touch $@

## Write a migration for model changes.
migrations: $(INSTALLED)
	$(BIN)/python -m models.makemigrations

## Rewrite schema/schema.graphql from the code.
schema: $(INSTALLED)
	$(BIN)/python -m schema.export > schema/schema.graphql

## Build the manual (docs/, mkdocs.yml) into site/ (git-ignored), strictly: a broken link or anchor
## fails. The suite builds it too (tests/test_docs.py).
DOCS_INSTALLED := $(VENV)/.docs-installed
$(DOCS_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

docs: $(DOCS_INSTALLED)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) $(BROWSER) .mypy_cache .ruff_cache .pytest_cache
