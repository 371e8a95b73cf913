# The two set-up commands: `make run` and `make test`. Both work on a fresh machine.
VENV    := .venv
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
STAMP   := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# pytest-xdist: one worker per core; the browser tests share one worker (one live server)
PYTEST_WORKERS ?= -n auto --dist loadgroup

.PHONY: run test test-sqlite test-postgres lint install translations bench bench-search bench-rush clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,browser,s3]'
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(PY) -m marketplace.i18n_build

run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "Demo data loaded: accounts use the password 'demo-password' (for a local machine only)."
	@echo "Serving http://127.0.0.1:5000 (and the job worker: mail, search, dashboard figures)"
	@# the job worker beside the web server, stopped with it (`; true`: dash would exec the
	@# last command and skip the trap)
	$(FLASK) worker & trap 'kill $$! 2>/dev/null' EXIT INT TERM; $(FLASK) run --host 127.0.0.1 --port 5000; true

# The whole suite on SQLite (with the browser tests when Chromium is present), then
# again on PostgreSQL when TEST_DATABASE_URL is set: the tests that use the database
# (marked `database` by tests/conftest.py), without the browser tests.
test: install translations
	@if [ ! -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then \
		echo "NOTE: Chromium not found at $${CHROMIUM_PATH:-/usr/bin/chromium}: the browser tests will be SKIPPED (apt-get install -y chromium)"; \
	fi
	env -u TEST_DATABASE_URL $(PY) -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL: $$TEST_DATABASE_URL"; \
		$(PY) -m pytest -m "database and not browser" $(PYTEST_WORKERS) $(PYTEST_ARGS); \
	else \
		echo "TEST_DATABASE_URL is not set: the PostgreSQL run is skipped."; \
	fi

lint: install
	$(VENV)/bin/ruff check marketplace tests migrations config.py wsgi.py

# The benchmark (issue 7): generates or reuses the data sets under bench/data/, serves the
# app with gunicorn on 127.0.0.1, writes bench/results/report.md and chart.png.
BENCH_SIZES    ?= 1000,100000
BENCH_DURATION ?= 10
BENCH_DATABASE ?= sqlite
BENCH_STAMP    := $(VENV)/.bench-stamp

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,browser,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) -m bench.run --sizes $(BENCH_SIZES) --duration $(BENCH_DURATION) --database $(BENCH_DATABASE)
	@if [ -n "$(BENCH_PG_URL)" ]; then \
		$(PY) -m bench.pg_search_bench --database-url "$(BENCH_PG_URL)" \
			--synthetic $(BENCH_SEARCH_SIZE) --whoosh; \
	else \
		echo "BENCH_PG_URL is not set: the search engines side by side are skipped."; \
	fi

# Issue 21: the search engines side by side (PostgreSQL full-text, Whoosh, SQLite FTS5) on
# one corpus of BENCH_SEARCH_SIZE challenges, in the migrated PostgreSQL database
# BENCH_PG_URL (its search_documents table is replaced).
BENCH_SEARCH_SIZE ?= 100000
bench-search: $(BENCH_STAMP)
	$(PY) -m bench.pg_search_bench --database-url "$(BENCH_PG_URL)" \
		--synthetic $(BENCH_SEARCH_SIZE) --whoosh

# Issue 15: the deadline rush — BENCH_RUSH_SOLVERS solvers (and BENCH_RUSH_LATE late ones)
# bid over HTTP against gunicorn in the last minute before a deadline, on SQLite and on
# PostgreSQL (database bench_rush on BENCH_POSTGRES_URL's server) → bench/results/rush.md.
# Behind nginx stamping X-Request-Start as docs/deploy.md, when nginx is installed
# (apt-get install nginx-light; bench/front.py); otherwise gunicorn directly, said so.
# Fails unless there are 0 errors and 0 lost bids.
BENCH_RUSH_SOLVERS   ?= 200
BENCH_RUSH_LATE      ?= 10
BENCH_RUSH_WORKERS   ?= 4
BENCH_RUSH_DATABASES ?= sqlite,postgresql
bench-rush: install
	$(PY) -m bench.rush --database $(BENCH_RUSH_DATABASES) --solvers $(BENCH_RUSH_SOLVERS) \
		--late $(BENCH_RUSH_LATE) --workers $(BENCH_RUSH_WORKERS)

clean:
	rm -rf $(VENV) instance .pytest_cache
