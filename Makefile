# Territoire — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install demo test test-sqlite test-postgres test-postgres-browser lint lint-imports typecheck check bench serve \
	worker clean \
	browser-deps i18n-deps messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	TERRITOIRE_DEMO=1 $(BIN)/territoire demo --port $(PORT)

serve: install
	$(BIN)/territoire serve --port $(PORT)

worker: install
	$(BIN)/territoire worker

lint: install typecheck lint-imports
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench

# The layers and the no-cycle rule of docs/architecture.md (contracts in pyproject.toml).
lint-imports: install
	$(BIN)/lint-imports --no-cache

# mypy with django-stubs on the services, selectors and schemas (files in pyproject.toml).
typecheck: install
	$(BIN)/mypy

check: install
	TERRITOIRE_DEMO=1 $(BIN)/territoire check
	TERRITOIRE_DEMO=1 $(BIN)/territoire makemigrations --check --dry-run
	SECRET_KEY=check-only-$$(date +%s)-a-long-enough-random-value-for-deploy-checks TERRITOIRE_HTTPS=1 \
	  ALLOWED_HOSTS=territoire.example.fr $(BIN)/territoire check --deploy --fail-level WARNING

# The browser tests drive Debian's Chromium through Playwright's Python API (no browser download).
browser-deps: install
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium; }
	@$(BIN)/python -c "import playwright" 2>/dev/null || \
	  $(BIN)/python -m pip install --quiet "playwright>=1.48,<2"

# gettext is only needed to regenerate translations; the compiled .mo files are committed.
i18n-deps:
	@command -v msgfmt >/dev/null || { $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y gettext; }

messages: install i18n-deps
	cd src/territoire && TERRITOIRE_HOME=$(CURDIR)/var TERRITOIRE_DEMO=1 \
	  $(CURDIR)/$(BIN)/territoire makemessages -l en -l fr -e html,txt,py,svg --add-location=file --no-obsolete
	cd src/territoire && TERRITOIRE_HOME=$(CURDIR)/var TERRITOIRE_DEMO=1 \
	  $(CURDIR)/$(BIN)/territoire compilemessages

test-sqlite: install browser-deps
	$(BIN)/pytest -p no:cacheprovider --durations=25

# On PostgreSQL: every test that touches Django's database (the others, DuckDB and pure code,
# only repeat the SQLite run: src/territoire/conftest.py leaves them out), and of the browser
# tests the journeys of the issues' « done when » (marked `postgres_browser`: the staff
# workspace, participation, reports, access, anonymisation, dashboards). The whole browser suite
# passes on PostgreSQL too but takes 8 to 9 min more on the shared 2-core machine:
# `make test-postgres-browser` runs all of it there.
test-postgres: install browser-deps
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -p no:cacheprovider --durations=25 -m "not browser or postgres_browser"

test-postgres-browser: install browser-deps
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -p no:cacheprovider -m browser

test: lint check test-sqlite test-postgres

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
