# The few commands a person types; CI calls the same targets (.ci/run -> make test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export COHORTS_DATABASE_URL ?= sqlite:///var/cohorts.db

.PHONY: setup run test test-sqlite lint bench lock clean screenshots

# The pinned, hash-checked dependencies first; then the project itself, without resolving again.
$(VENV)/.installed: pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed

## make run: migrate the SQLite file, load the SYNTHETIC demo data, print the demo keys, serve on :8000
## (the keys are minted once into var/demo-keys.txt and reused; `cohorts keys demo --rotate` renews them)
run: setup
	$(BIN)/cohorts db upgrade
	$(BIN)/cohorts seed demo
	$(BIN)/cohorts keys demo
	@echo "pages: http://$(HOST):$(PORT)/ui/login (sign in with one of the keys above)"
	$(BIN)/cohorts serve --host $(HOST) --port $(PORT)

## make test: lint, types and import contracts, then the whole suite on SQLite and on PostgreSQL,
## spread over one pytest-xdist worker per core (each with its own SQLite files and PostgreSQL)
test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy service scoring schemas seed_data migrations tests bench
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto

## make test-sqlite: the suite on SQLite alone (quicker while developing)
test-sqlite: setup
	COHORTS_TEST_DATABASES=sqlite $(BIN)/pytest -n auto

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy service scoring schemas seed_data migrations tests bench
	$(BIN)/lint-imports

## make screenshots: a PNG of each page, taken by the browser tests, into var/screenshots (git-ignored);
## Chinese text needs a CJK font on the machine (the tests themselves do not)
screenshots: setup
	@fc-list :lang=zh 2>/dev/null | grep -q . || echo "screenshots: no CJK font, so Chinese will show as boxes; install one: apt-get install -y fonts-wqy-zenhei (or fonts-noto-cjk)"
	COHORTS_SCREENSHOTS=var/screenshots COHORTS_TEST_DATABASES=sqlite \
		$(BIN)/pytest tests/service/pages/test_browser.py -q
	@echo "screenshots in var/screenshots/"

bench: setup
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

## make lock: re-pin every dependency with hashes after pyproject.toml changes
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links
lock: setup
	$(BIN)/pip install --quiet pip-tools
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev --output-file requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
