# Concord: `make demo` runs the demo county, `make test` runs every test. Both create .venv/ themselves.
# The first interpreter that really runs and is 3.11+ (pyenv shims may exist for versions not enabled).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The background worker's log while `make demo` runs (var/ is where settings keep local state).
WORKER_LOG ?= $(or $(CONCORD_VAR_DIR),var)/worker.log

.PHONY: install install-dev demo serve test test-sqlite test-postgres lint format bench bench-full messages screenshots clean

$(VENV)/.base: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Concord needs Python 3.11 or newer; none was found on PATH."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.base
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.base
install-dev: $(VENV)/.dev

demo: install
	$(BIN)/concord migrate --noinput
	$(BIN)/concord load-demo
	@echo
	@echo "Concord is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo "Log in with any demo account above; every demo password is printed with the accounts."
	@echo "Beside it the background worker sends reminders, digests, e-mail and SMS (log: $(WORKER_LOG))."
	@$(BIN)/concord run_huey >>$(WORKER_LOG) 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT HUP INT TERM; \
	  $(BIN)/concord runserver --noreload $(HOST):$(PORT)

serve: install
	$(BIN)/concord migrate --noinput
	$(BIN)/concord runserver $(HOST):$(PORT)

test: install-dev
	bash scripts/test.sh

test-sqlite: install-dev
	CONCORD_TEST_DATABASES=sqlite bash scripts/test.sh

test-postgres: install-dev
	CONCORD_TEST_DATABASES=postgres bash scripts/test.sh

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests bench

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format src tests bench

# Each benchmark builds the databases it measures (SQLite files under var/bench/, a throwaway
# PostgreSQL cluster for the web figures) and writes its section of BENCHMARKS.md.
bench: install-dev
	$(BIN)/python -m bench --scale county

bench-full: install-dev
	$(BIN)/python -m bench --scale province

# The key pages of every role's journey, at 375 and 1440 px, into docs/screenshots/ (docs/user-guide.md).
screenshots: install-dev
	CONCORD_DOC_SCREENSHOTS=1 $(BIN)/pytest tests/e2e/journeys -q

messages: install-dev
	cd src/concord && ../../$(BIN)/concord makemessages -l zh_Hans --no-location --no-obsolete && ../../$(BIN)/concord compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var test-artifacts
