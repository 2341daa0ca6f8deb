# homthu: `make run` sets up and serves; `make test` sets up and runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make test` also installs the transformers extra (torch CPU build, transformers) so its tests run
# in CI; `make run` keeps the light install. Separate stamps, so each knows what it installed.
TEST_STAMP := $(VENV)/.installed-transformers
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint model clean-models demo

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,transformers]'
	touch $(TEST_STAMP)

## setup: install into .venv and make sure a model is in service (trained from corpus/ if none)
setup: $(STAMP) model

model: $(STAMP)
	@$(BIN)/python -c "from models.registry import Registry; import sys; sys.exit(0 if Registry().current() else 1)" \
	  || $(BIN)/homthu train --promote

## run: set up, then serve the API on http://$(HOST):$(PORT) (SQLite by default)
run: setup
	$(BIN)/homthu serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .

## test: set up, then lint and run the whole test suite (the corpus checks, SQLite and a local
## PostgreSQL server, started by .ci/postgres.sh unless HOMTHU_TEST_DATABASE_URL names one)
test: $(TEST_STAMP) setup lint
	@bash .ci/chromium.sh || true  # the browser tests (tests/test_web.py); under CI a missing browser fails them
	@url="$${HOMTHU_TEST_DATABASE_URL:-$$(bash .ci/postgres.sh || true)}"; \
	  HOMTHU_TEST_DATABASE_URL="$$url" $(BIN)/python -m pytest -q

clean-models:
	rm -rf models/versions models/registry.json

## demo: set up, fill the database with a demo year of letters (prints keys per role), then serve
demo: setup
	$(BIN)/homthu demo seed
	$(BIN)/homthu serve --host $(HOST) --port $(PORT)
