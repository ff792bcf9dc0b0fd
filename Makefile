# The two commands a newcomer needs (README): `make serve` and `make test`. No target needs the venv
# activated: they call .venv/bin/ directly (for `cxtext` in a shell: export PATH="$PWD/.venv/bin:$PATH").
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup model serve test lint

# setup.py compiles the cxtext modules listed in compiled.txt (Cython): editing one of them reinstalls, so no
# stale build runs
COMPILED := $(shell grep -v '^\#' compiled.txt)

$(STAMP): pyproject.toml setup.py compiled.txt $(COMPILED)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# The default model is built from the shipped starter corpus when missing, stale or corrupted.
model: setup
	@$(BIN)/cxtext classify --model models/default ok >/dev/null 2>&1 || { \
	  echo "make: building the default model from the starter corpus (first run only, about a minute;" \
	       "progress per step below)" >&2; \
	  $(BIN)/cxtext train --default; }

serve: model
	$(BIN)/cxtext serve --host 127.0.0.1 --port 8000

# PostgreSQL is the second backend of the API tests: started on loopback unless a URL is given, and
# stopped afterwards only if this run started it (a cluster already running is left alone).
test: setup
	bash scripts/setup_browser.sh
	$(BIN)/ruff check .
	bash scripts/with_test_postgres.sh $(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
