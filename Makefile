# Orders Office: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test install install-dev migrate seed worker lint format messages bench load faults clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: the demo on SQLite and the filesystem broker: web, Celery worker and beat
run: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} SANDBOX_ENABLED=$${SANDBOX_ENABLED:-true} $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py seed_demo
	@echo
	@echo "  Orders Office: http://127.0.0.1:8000/admin/"
	@echo "  Logins (password for all: demo12345):"
	@echo "    lead      team lead (all stores)"
	@echo "    anna      manager, store «Уютный дом»"
	@echo "    boris     manager, store «Спорт-Профи»"
	@echo "    vera      manager, both stores"
	@echo "    sklad     warehouse user"
	@echo "    admin     administrator"
	@echo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} SANDBOX_ENABLED=$${SANDBOX_ENABLED:-true} $(BIN)/honcho start -f Procfile

## test: lint, migrations check and the whole pytest suite (DATABASE_URL / CELERY_BROKER_URL if set)
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	@command -v chromium >/dev/null || echo "Chromium not found: the browser tests (tests/e2e) are skipped; apt-get install chromium runs them."
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: refresh and compile the Russian translation
messages: install
	$(BIN)/python manage.py makemessages -l ru --ignore=.venv --ignore=var --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

## bench: every benchmark, then one summary table written into docs/performance.md
##   make bench BENCH_ARGS="--quick"     (or --no-write, --only pages, --note "…")
## Without DATABASE_URL it uses BENCH_DATABASE_URL when PostgreSQL answers there (intake, the
## overdue sweep and the pages measure PostgreSQL only), else SQLite with those three skipped.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/orders_bench
bench: install-dev
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "make bench: DATABASE_URL is set, benchmarking on it"; \
	elif $(BIN)/python -c 'import sys, psycopg2; psycopg2.connect(sys.argv[1], dbname="postgres", connect_timeout=3).close()' "$(BENCH_DATABASE_URL)" 2>/dev/null; then \
		echo "make bench: DATABASE_URL unset and PostgreSQL answers: using $(BENCH_DATABASE_URL)"; \
		export DATABASE_URL="$(BENCH_DATABASE_URL)"; \
	else \
		echo "make bench: DATABASE_URL unset and no PostgreSQL at $(BENCH_DATABASE_URL): SQLite, the PostgreSQL-only benches are skipped"; \
	fi; \
	$(BIN)/python -m bench $(BENCH_ARGS)

## load: 10 minutes of mixed traffic against gunicorn, PostgreSQL, Redis, a worker and beat
## (docs/reliability.md); needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://…
LOAD_ARGS ?= --minutes 10
load: install-dev
	flock /tmp/heavy.lock $(BIN)/python -m bench.load $(LOAD_ARGS)

## faults: PostgreSQL and Redis cut, flaky providers, a killed worker (docs/reliability.md);
## one scenario alone: make faults FAULTS=redis
FAULTS ?= all
faults: install-dev
	flock /tmp/heavy.lock $(BIN)/python -m bench.faults $(FAULTS)

clean:
	rm -rf var/ .pytest_cache .ruff_cache
