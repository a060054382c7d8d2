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

MYPY_PATHS := service scoring schemas seed_data migrations tests bench
## make test: lint and import contracts, then the whole suite on SQLite and on PostgreSQL, spread
## over one pytest-xdist worker per core (each with its own SQLite files and PostgreSQL). mypy
## (about 40 s of one core from a cold cache, as in CI) runs alongside the suite, niced so that it
## takes the cores' idle moments, not before it; its report is printed after the suite's, and
## either failing fails the target.
test: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	@mkdir -p var
	@nice -n 10 $(BIN)/mypy $(MYPY_PATHS) > var/mypy.log 2>&1 & types=$$!; \
	$(BIN)/pytest -n auto; suite=$$?; \
	wait $$types; typed=$$?; echo "mypy:"; cat var/mypy.log; \
	test $$suite -eq 0 -a $$typed -eq 0

## make test-sqlite: the suite on SQLite alone (quicker while developing)
test-sqlite: setup
	COHORTS_TEST_DATABASES=sqlite $(BIN)/pytest -n auto

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy $(MYPY_PATHS)
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
