# landgis: `make run` serves the API and maps, `make test` runs the whole suite.
# Both install what is missing, start the project's own PostGIS under data/pg/,
# migrate and load the demo district first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CODE   := gis cadastre trading landgis client tests benchmarks

.PHONY: run test setup system system-test lint typecheck unit bench stop clean screenshots

run: setup
	$(BIN)/landgis serve

test: setup system-test lint typecheck
	$(BIN)/python -m pytest

setup: system $(STAMP)
	$(BIN)/landgis setup

system:
	@bash scripts/system-deps.sh

system-test:  # the engines only the tests start (PgBouncer, ...: issue #15)
	@bash scripts/system-deps.sh --test

$(STAMP): pyproject.toml client/pyproject.toml requirements/engines.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ./client -e '.[dev]'
	$(BIN)/python -m pip install -q --require-hashes -r requirements/engines.txt
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

typecheck: $(STAMP)
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m benchmarks

# a PNG of every page of a running server (make run) in data/screenshots/, for review
screenshots: $(STAMP)
	$(BIN)/python -m tests.e2e.screenshots --base-url $(or $(URL),http://127.0.0.1:8000)

stop:
	-$(BIN)/landgis db stop

clean: stop
	rm -rf $(VENV) data/pg data/files data/cache
