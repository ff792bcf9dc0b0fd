# The two commands a newcomer needs (README): `make serve` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup model serve test lint

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# The default model is built from the shipped starter corpus when missing, stale or corrupted.
model: setup
	$(BIN)/cxtext classify --model models/default ok >/dev/null 2>&1 || $(BIN)/cxtext train --default

serve: model
	$(BIN)/cxtext serve --host 127.0.0.1 --port 8000

# PostgreSQL is the second backend of the API tests: started on loopback unless a URL is given.
test: setup
	bash scripts/setup_browser.sh
	$(BIN)/ruff check .
	CXTEXT_TEST_DATABASE_URL="$${CXTEXT_TEST_DATABASE_URL:-$$(bash scripts/start_postgres.sh)}" $(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
