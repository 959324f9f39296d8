# Lessons KB. `make run` sets everything up and serves the app; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
KB := $(BIN)/kb
HOST ?= 127.0.0.1
PORT ?= 8000
# Pinned front-end assets, fetched from the npm registry into an ignored folder.
HTMX := htmx.org@2.0.9
PICO := @picocss/pico@2.1.1
CHARTJS := chart.js@4.5.1
VENDOR := web/static/vendor
INSTALLED := $(VENV)/.installed
# Test processes: one per core, at most four (each loads the model, about 0.5 GB); JOBS=0 runs in one.
JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; [ $$n -lt 2 ] && n=0; echo $$n)
PYTEST := $(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile

.PHONY: install run serve demo test test-scaleout test-fast bench clean browser-deps help migration i18n catalogues

help:
	@echo "make run    install what is missing, load the demo corpus, serve on http://$(HOST):$(PORT)"
	@echo "make test   install what is missing and run the test suite, then its scale-out part on PostgreSQL + Chroma server"
	@echo "make bench  retrieval quality, latency, ingestion throughput and memory (uses ../shared/corpus)"
	@echo "make i18n   collect new strings of the code and templates into kb/locale/*/LC_MESSAGES/messages.po"

install: $(INSTALLED) $(VENDOR)/.fetched catalogues

# The app's strings in each language (kb/locale/*/LC_MESSAGES/messages.po), compiled to .mo files
# (ignored by git). `make i18n` collects new strings from the code and templates into the .po files.
LOCALE := kb/locale
PYBABEL := $(BIN)/pybabel
catalogues: $(INSTALLED)
	$(PYBABEL) -q compile -d $(LOCALE) -D messages --use-fuzzy

i18n: $(INSTALLED)
	$(PYBABEL) -q extract -F babel.cfg -k N_ -k pgettext:1c,2 --no-location --sort-output \
	  --project "Lessons KB" -o $(LOCALE)/messages.pot .
	$(PYBABEL) -q update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(PYBABEL) compile -d $(LOCALE) -D messages --statistics

# torch first: its CPU build lies on this disk; an unpinned torch would pull a multi-GB CUDA build.
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENDOR)/.fetched: Makefile
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	tmp=$$(mktemp -d) && cd $$tmp && \
	  npm pack --silent $(HTMX) $(PICO) $(CHARTJS) >/dev/null && \
	  for f in *.tgz; do mkdir -p x && tar -xzf $$f -C x; \
	    cp x/package/dist/htmx.min.js x/package/css/pico.min.css x/package/dist/chart.umd.min.js \
	       $(CURDIR)/$(VENDOR)/ 2>/dev/null; rm -rf x; done; \
	  cd / && rm -rf $$tmp
	test -s $(VENDOR)/htmx.min.js && test -s $(VENDOR)/pico.min.css && test -s $(VENDOR)/chart.umd.min.js
	touch $@

demo: install
	$(KB) ingest demo/ --quiet-unchanged

run: demo
	$(KB) serve --host $(HOST) --port $(PORT)

serve: install
	$(KB) serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (never `playwright install`); best effort outside CI.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "chromium not installed: browser tests will be skipped (apt-get install chromium)"; }

# Then the scale-out suite (-m scaleout: ingest, search, concurrency, kb serve --workers) again on
# PostgreSQL from Debian's packages (pg_ctlcluster) and `chroma run`, both on loopback, which
# tests/servers.sh starts and stops. Where they cannot start (not root, no apt-get) it says why and
# that pass is skipped, unless KB_REQUIRE_SERVERS=1 (CI) makes that a failure.
test: install browser-deps
	$(PYTEST)
	@$(MAKE) --no-print-directory test-scaleout

SERVERS := BIN=$(BIN) tests/servers.sh

test-scaleout:
	@$(SERVERS) start >/dev/null; rc=$$?; \
	if [ $$rc = 2 ] && [ "$${KB_REQUIRE_SERVERS:-}" != 1 ]; then echo "scale-out pass skipped (see above)"; exit 0; fi; \
	[ $$rc = 0 ] || { $(SERVERS) stop; exit 1; }; \
	trap '$(SERVERS) stop' EXIT; set -a; . .test-servers/env; set +a; \
	echo "scale-out pass: PostgreSQL + Chroma server"; \
	$(PYTEST) -m scaleout

test-fast: install
	$(PYTEST) -m "not browser and not slow"

bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m tests.bench.run

# A new schema revision from the model changes: make migration m="document versions"
migration: install
	@test -n "$(m)" || { echo 'say what changes: make migration m="document versions"'; exit 2; }
	$(BIN)/python -m kb.migrations revision "$(m)"

clean:
	rm -rf $(VENV) $(VENDOR) data *.egg-info .test-servers
