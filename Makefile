# Developer / CI entry points. `make help` lists targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV       := .venv
VPY        := $(VENV)/bin/python
STAMP      := $(VENV)/.stamp
# Override with `make PYTHON=/path/to/python3.12 venv`; otherwise the first of
# these on PATH that is >= 3.11 is used.
PYTHON_CANDIDATES := python3.13 python3.12 python3.11 python3
PG         := bash scripts/pg.sh
CHROMIUM   := /usr/bin/chromium

export DEBIAN_FRONTEND := noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv db migrate load run dev secret test chromium stop lint fmt bench eval clean-db status psql \
	backup restore bench-serve bench-import

help:
	@echo "make venv      create .venv (python >= 3.11), install requirements.lock, compile search/_speedups.c"
	@echo "make db        start the local PostgreSQL cluster (.pgdata) and create db 'policykb'"
	@echo "make migrate   apply Django migrations"
	@echo "make load      load policy documents (manage.py load_policies)"
	@echo "make run       venv + db + migrate + load, then gunicorn on http://127.0.0.1:8000"
	@echo "make dev       the same with Django's runserver (DEBUG on, auto-reload)"
	@echo "make backup    pg_dump (custom format) into var/backups/"
	@echo "make restore FILE=var/backups/…dump   restore a backup over the database"
	@echo "make test      migrations check, ruff, pytest (CI entry point: .ci/run)"
	@echo "make lint      ruff check + ruff format --check"
	@echo "make fmt       ruff format + ruff check --fix"
	@echo "make bench     search benchmark (bench/search_bench.py; SIZE=provisions)"
	@echo "make replica   start a local streaming replica (read scaling; DATABASE_REPLICAS=local)"
	@echo "make bench-serve   load test of the served site (bench/serve_bench.py, 60 s)"
	@echo "make bench-import  time the load of a generated 20 MB file (bench/import_bench.py)"
	@echo "make eval      search evaluation on fixtures/eval/dev_queries.json"
	@echo "make stop      stop the local PostgreSQL cluster"
	@echo "make clean-db  stop the cluster and delete .pgdata"
	@echo "Set DATABASE_URL to use an external PostgreSQL instead of the local cluster."

# --- virtualenv --------------------------------------------------------------
# The stamp is newer than requirements.lock once it is installed, so a second
# `make venv` does nothing. The index build's C loops (search/_speedups.c) are compiled with it
# when the source is newer than the module (optional: see scripts/speedups.sh).
venv: $(STAMP)
	@bash scripts/speedups.sh $(VPY)

# The secret key of this checkout (settings read var/secret_key when DJANGO_SECRET_KEY is unset);
# generated once, never committed.
SECRET_FILE := var/secret_key
secret: $(SECRET_FILE)
$(SECRET_FILE):
	@mkdir -p var && umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > $@.tmp && mv $@.tmp $@
	@echo "generated $@"

$(STAMP): requirements.lock
	@ok() { "$$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; }; \
	if [ -x "$(VPY)" ] && ok "$(VPY)"; then :; else \
	  py="$(PYTHON)"; \
	  if [ -n "$$py" ]; then ok "$$py" || { echo "PYTHON=$$py is not a working python >= 3.11" >&2; exit 1; }; \
	  else \
	    for c in $(PYTHON_CANDIDATES); do \
	      if command -v "$$c" >/dev/null 2>&1 && ok "$$c"; then py="$$c"; break; fi; \
	    done; \
	  fi; \
	  [ -n "$$py" ] || { echo "ERROR: need python >= 3.11 on PATH (tried: $(PYTHON_CANDIDATES)); or set PYTHON=..." >&2; exit 1; }; \
	  echo "creating $(VENV) with $$(command -v $$py) ($$($$py -V 2>&1))"; \
	  rm -rf "$(VENV)"; \
	  if ! "$$py" -m venv "$(VENV)"; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "python venv module unusable; installing python3-venv"; \
	      rm -rf "$(VENV)"; \
	      apt-get update -q && apt-get install -y -q python3-venv; \
	      "$$py" -m venv "$(VENV)"; \
	    else \
	      echo "ERROR: '$$py -m venv' failed; install the python3-venv package" >&2; exit 1; \
	    fi; \
	  fi; \
	fi
	$(VPY) -m pip install -q -r requirements.lock
	@touch $(STAMP)

# --- database ------------------------------------------------------------------
db:
	$(PG) start
	$(PG) ensure-db

status:
	@$(PG) status

psql:
	@$(PG) psql

stop:
	$(PG) stop

clean-db:
	$(PG) stop
	rm -rf "$$(readlink .pgdata 2>/dev/null || echo /nonexistent-policykb)" .pgdata

# --- django --------------------------------------------------------------------
migrate: venv db secret
	$(VPY) manage.py migrate --noinput

load: venv db secret
	$(VPY) manage.py load_policies

# Production server on the loopback over plain HTTP: DEBUG off, and DJANGO_HTTPS=false is the one
# switch that turns off the HTTPS-only settings (secure cookies, HSTS, SSL redirect).
run: venv db migrate load
	DJANGO_DEBUG=false DJANGO_HTTPS=false $(VENV)/bin/gunicorn -c portal/gunicorn.conf.py

dev: venv db migrate load
	DJANGO_DEBUG=true $(VPY) manage.py runserver 127.0.0.1:8000

# --- backups -------------------------------------------------------------------
backup: db
	$(PG) backup

restore: db
	@[ -n "$${FILE:-}" ] || { echo "usage: make restore FILE=var/backups/<name>.dump" >&2; exit 2; }
	$(PG) restore "$$FILE"

# --- quality ---------------------------------------------------------------------
chromium:
	@if [ -x "$(CHROMIUM)" ]; then \
	  echo "chromium: $$($(CHROMIUM) --version 2>/dev/null || echo present)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium with apt-get"; \
	  apt-get update -q && apt-get install -y -q chromium; \
	else \
	  echo "WARNING: $(CHROMIUM) not found and not root: install it with 'sudo apt-get install -y chromium'" >&2; \
	  echo "         (browser tests will fail or be skipped without it)" >&2; \
	fi

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# pytest exits 5 when no tests are collected; like any non-zero exit status
# that fails the recipe and hence `make test` / CI.
test: venv db secret chromium
	$(VPY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

# SIZE=provisions (default 200000). The dedicated-engine comparison needs the bench extra
# (tantivy, pinned in requirements.lock and pyproject's [bench]).
SIZE ?= 200000
SENTENCES ?= 1
bench: venv db secret
	$(VPY) bench/search_bench.py --provisions $(SIZE)

# A local streaming replica of the cluster (.pgdata/replica, unix socket, port 5433); use it
# with DATABASE_REPLICAS=local (portal/routers.py).
.PHONY: replica replica-stop
replica: db
	bash scripts/replica.sh start

replica-stop:
	bash scripts/replica.sh stop

bench-serve: venv db migrate load
	$(VPY) bench/serve_bench.py

# SENTENCES per sub-item (a mean): 1 (default) gives ~95-byte provisions, 211k of them in 20 MB;
# 3 gives 98k; 2.75 gives ~190 bytes, 105k of them (the shape of the file issue 8 measured).
bench-import: venv db migrate
	$(VPY) bench/import_bench.py --sentences $(SENTENCES)

eval: venv db secret
	$(VPY) manage.py evaluate_search fixtures/eval/dev_queries.json
