# The few commands a person types; CI calls the same targets (.ci/run -> make test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export COHORTS_DATABASE_URL ?= sqlite:///var/cohorts.db

.PHONY: setup run test test-sqlite lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

## make run: migrate the SQLite file, load the SYNTHETIC demo data, print the demo keys, serve on :8000
## (the keys are minted once into var/demo-keys.txt and reused; `cohorts keys demo --rotate` renews them)
run: setup
	$(BIN)/cohorts db upgrade
	$(BIN)/cohorts seed demo
	$(BIN)/cohorts keys demo
	$(BIN)/cohorts serve --host $(HOST) --port $(PORT)

## make test: lint, types and import contracts, then the whole suite on SQLite and on PostgreSQL
test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy service scoring schemas seed_data migrations
	$(BIN)/lint-imports
	$(BIN)/pytest

## make test-sqlite: the suite on SQLite alone (quicker while developing)
test-sqlite: setup
	COHORTS_TEST_DATABASES=sqlite $(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy service scoring schemas seed_data migrations
	$(BIN)/lint-imports

bench: setup
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
