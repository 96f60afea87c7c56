# The two commands of the README: `make demo` and `make test`. Everything they need is set up here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: demo test test-fast venv serve simulate seed lint bench clean browser catalogs

# The stamp holds a hash of the requirements, not only a date: a fresh clone's files are all newer than a venv
# built before it, and with the same requirements pip has nothing to do (it still took seconds to say so).
REQUIREMENTS_HASH = $(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -x $(BIN)/python ] && [ "$$(cat $(STAMP) 2>/dev/null)" = "$(REQUIREMENTS_HASH)" ]; then touch $(STAMP); else \
	  set -e; test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
	  echo "installing requirements-dev.txt into $(VENV)"; \
	  $(BIN)/python -m pip install --quiet --upgrade pip; \
	  $(BIN)/python -m pip install --quiet -r requirements-dev.txt; \
	  echo $(REQUIREMENTS_HASH) > $(STAMP); fi

venv: $(STAMP)

# Creates the SQLite store with demo data if missing, then serves the dashboard with the live simulator beside it
# (Mimika's own volume on the wall clock; a store left since yesterday is first caught up to now). Ctrl-C stops
# both. Another port: `make demo PORT=8060`. At Mimika's volume a quiet night has hours between two reports; the
# simulator's and the sweeper's heartbeat keep the wall calm through it (data_access/store/heartbeat.py).
demo: $(STAMP)
	$(BIN)/python -m dashboard seed-demo --if-empty
	DEMO_MODE=1 $(BIN)/python -m dashboard demo-accounts --base-url http://$(HOST):$(PORT)
	@echo "Mimika Center: http://$(HOST):$(PORT)/  (Ctrl-C stops the dashboard and the simulator)"
	@$(BIN)/python -m dashboard simulate --catch-up & SIM=$$!; \
	  trap 'kill $$SIM 2>/dev/null; wait $$SIM 2>/dev/null' EXIT INT TERM; \
	  DEMO_MODE=1 $(BIN)/python -m dashboard serve --host $(HOST) --port $(PORT)

# Debian's chromium drives the browser tests (Playwright cannot download a browser here); poppler's pdftotext and
# pdftoppm read the PDFs the tests download; nginx runs deploy/'s reverse-proxy site in front of a real gunicorn;
# axe-core from the npm registry checks the pages against WCAG 2.2 AA (tests/browser/test_a11y_browser.py pins the
# same version and installs it there itself when a single test runs first). .cache/ is not committed.
AXE_VERSION := 4.14.1
AXE := .cache/axe/node_modules/axe-core/axe.min.js

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing and we are not root: browser tests will be skipped"; fi; }
	@command -v pdftotext >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq poppler-utils >/dev/null; \
	  else echo "poppler-utils is missing: the PDF text checks will be skipped"; fi; }
	@command -v nginx >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq nginx >/dev/null; \
	  else echo "nginx is missing: the reverse-proxy test of deploy/ will be skipped"; fi; }
	@grep -qs "axe v$(AXE_VERSION)" $(AXE) || { command -v npm >/dev/null 2>&1 && \
	  npm install --no-save --no-audit --no-fund --silent --prefix .cache/axe axe-core@$(AXE_VERSION) >/dev/null || \
	  echo "npm is missing: the accessibility tests will be skipped"; }

# Every test on pytest-xdist workers, two per core: much of a test's time is spent waiting for a server, a browser or
# a child process, and a second worker per core fills it. Each worker's chunk starts with its share of the long files
# (servers, browsers, commands, tests marked slow: tests/conftest.py) and ends with quick tests that idle workers
# steal (worksteal). The import contracts are one of the tests (tests/unit/test_architecture.py runs lint-imports).
# Each worker has its own stores and Redis database. `make test-fast` leaves out what starts browsers, servers, venvs
# or command-line runs, what stops servers and what is marked slow (pytest.ini's markers).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
FAST := not browser and not server and not faults and not packaging and not cli and not slow

test: $(STAMP) browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "$(FAST)"

# Translations: edit core/locale/{id,en}/LC_MESSAGES/messages.po, then compile. Keys are written by hand in both
# catalogs (some are built at run time, t(f"age.{k}"), and extraction cannot see them); the extracted template
# core/locale/messages.pot lists the literal ones for translators, and tests/unit/test_i18n.py fails on any key
# the code uses that a catalog lacks. The compiled .mo files are committed: a deployment needs no build step.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k t -o core/locale/messages.pot --no-location --sort-output \
	  --omit-header dashboard callbacks layouts data_access core
	$(BIN)/pybabel compile -d core/locale --statistics

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_queries.py

serve: $(STAMP)
	$(BIN)/python -m dashboard serve --host $(HOST) --port $(PORT)

clean:
	rm -rf $(VENV) test-output .pytest_cache
