# Voisinage — every command a newcomer needs. `make demo` and `make test` work
# on a fresh Debian/Ubuntu machine: they install what is missing first.

SHELL := /bin/bash
VENV ?= .venv
# Debian's own Python: its sqlite3 can load extensions (SpatiaLite needs it).
PYTHON ?= $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_PACKAGES := gdal-bin libsqlite3-mod-spatialite gettext python3-venv
# Node and npm bring axe-core (package-lock.json) for the accessibility test; Debian's
# packages only when npm is missing (a machine may have Node from elsewhere).
NODE_PACKAGES := $(shell command -v npm >/dev/null 2>&1 || echo nodejs npm)
TEST_PACKAGES := $(DEMO_PACKAGES) postgresql-15-postgis-3 chromium $(NODE_PACKAGES)
export DATABASE_URL_TEST ?= postgis://postgres@127.0.0.1:5432/voisinage
export DATABASE_URL_BENCH ?= postgis://postgres@127.0.0.1:5432/voisinage_bench
export DATABASE_URL_BENCH_ALERTS ?= postgis://postgres@127.0.0.1:5432/voisinage_bench_alerts
export DATABASE_URL_BENCH_MESSAGES ?= postgis://postgres@127.0.0.1:5432/voisinage_bench_messages
export DATABASE_URL_BENCH_GROUPS ?= postgis://postgres@127.0.0.1:5432/voisinage_bench_groups
export DATABASE_URL_BENCH_MODERATION ?= postgis://postgres@127.0.0.1:5432/voisinage_bench_moderation
export DATABASE_URL_BENCH_POLLS ?= postgis://postgres@127.0.0.1:5432/voisinage_bench_polls
export DATABASE_URL_BENCH_REPORTS ?= postgis://postgres@127.0.0.1:5432/voisinage_bench_reports

.PHONY: help setup setup-test system-packages demo demo-data run test bench-fanout bench-alerts bench-messages bench-groups bench-moderation bench-polls bench-reports lint format messages compilemessages clean

help:
	@echo "make demo   install, migrate, load demo data, run site + worker (SQLite/SpatiaLite)"
	@echo "make test   lint + the whole suite on PostgreSQL/PostGIS and headless Chromium"
	@echo "make bench-fanout   the notification fan-out benchmark (PostgreSQL)"
	@echo "make bench-alerts   the alerts benchmark: town hall to 100,000, 20 twins (PostgreSQL)"
	@echo "make bench-messages the messages benchmark: an inbox of 1,000 conversations (PostgreSQL)"
	@echo "make bench-groups   the groups benchmark: a discussion group of 10,000 posts (PostgreSQL)"
	@echo "make bench-moderation the moderators' queue with 10,000 open cases (PostgreSQL)"
	@echo "make bench-polls    a poll answered by 5,000 residents, 500 suggestions (PostgreSQL)"
	@echo "make bench-reports  100,000 reports: nearby lookup, the map of 10,000 (PostgreSQL)"
	@echo "make lint | format | messages | clean"

# Installs Debian packages only when one is missing (apt-get, with sudo when not root).
system-packages:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q ".[test]"
	@touch $@

# The checkout's source roots (platform/ and the top level) on the virtualenv's path, so
# every tool run from it (lint-imports, python -c, later mypy) imports config, core… as
# manage.py and pytest do, without PYTHONPATH.
$(VENV)/.paths: $(VENV)/.installed
	@printf '%s\n%s\n' "$(CURDIR)/platform" "$(CURDIR)" \
	  > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/voisinage.pth"
	@touch $@

setup:
	@$(MAKE) --no-print-directory system-packages PACKAGES="$(DEMO_PACKAGES)"
	@$(MAKE) --no-print-directory $(VENV)/.paths

setup-test:
	@$(MAKE) --no-print-directory system-packages PACKAGES="$(TEST_PACKAGES)"
	@$(MAKE) --no-print-directory $(VENV)/.paths
	@$(MAKE) --no-print-directory node_modules/.package-lock.json

# npm's own record of what it installed: reinstalled when package-lock.json is newer.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

compilemessages:
	$(MANAGE) compilemessages --ignore "$(VENV)" -v 0

demo-data: setup compilemessages
	env -u DATABASE_URL $(MANAGE) collectstatic --no-input -v 0
	env -u DATABASE_URL $(MANAGE) migrate --no-input -v 0
	env -u DATABASE_URL $(MANAGE) load_demo

demo: demo-data
	@echo "Starting the site on http://127.0.0.1:8000 and the task worker (Ctrl-C stops both)."
	env -u DATABASE_URL PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho -f Procfile.demo start

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: setup-test lint compilemessages
	DATABASE_URL=$(DATABASE_URL_TEST) $(VENV)/bin/pytest --create-db -p no:logging $(PYTEST_ARGS)

bench-fanout: setup-test
	DATABASE_URL=$(DATABASE_URL_BENCH) $(VENV)/bin/python bench/fanout.py

bench-alerts: setup-test
	DATABASE_URL=$(DATABASE_URL_BENCH_ALERTS) $(VENV)/bin/python bench/alerts.py

bench-messages: setup-test
	DATABASE_URL=$(DATABASE_URL_BENCH_MESSAGES) $(VENV)/bin/python bench/messages.py

bench-groups: setup-test
	DATABASE_URL=$(DATABASE_URL_BENCH_GROUPS) $(VENV)/bin/python bench/groups.py

bench-moderation: setup-test
	DATABASE_URL=$(DATABASE_URL_BENCH_MODERATION) $(VENV)/bin/python bench/moderation_queue.py

bench-polls: setup-test
	DATABASE_URL=$(DATABASE_URL_BENCH_POLLS) $(VENV)/bin/python bench/polls.py

bench-reports: setup-test
	DATABASE_URL=$(DATABASE_URL_BENCH_REPORTS) $(VENV)/bin/python bench/reports.py

messages:
	$(MANAGE) makemessages -l fr -l en --ignore "$(VENV)/*" --ignore "var/*" --ignore "node_modules/*" --no-location
	$(MANAGE) makemessages -d djangojs -l fr -l en --ignore "$(VENV)/*" --ignore "var/*" --ignore "static_collected/*" --ignore "node_modules/*" --no-location

clean:
	rm -rf var/demo.sqlite3 var/demo.sqlite3-wal var/demo.sqlite3-shm var/media var/static
