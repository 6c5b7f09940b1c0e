# Territoire — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
STAMP := $(VENV)/.installed

.PHONY: install demo test test-sqlite test-postgres lint check bench serve worker clean

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

lint: install
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench

check: install
	TERRITOIRE_DEMO=1 $(BIN)/territoire check
	TERRITOIRE_DEMO=1 $(BIN)/territoire makemigrations --check --dry-run
	SECRET_KEY=check-only-$$(date +%s)-a-long-enough-random-value-for-deploy-checks TERRITOIRE_HTTPS=1 \
	  ALLOWED_HOSTS=territoire.example.fr $(BIN)/territoire check --deploy --fail-level WARNING

test-sqlite: install
	$(BIN)/pytest -p no:cacheprovider

test-postgres: install
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -p no:cacheprovider -m "not browser"

test: lint check test-sqlite test-postgres

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
