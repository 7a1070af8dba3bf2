# landgis: `make run` serves the API and maps, `make test` runs the whole suite.
# Both install what is missing, start the project's own PostGIS under data/pg/,
# migrate and load the demo district first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CODE   := gis cadastre trading landgis client tests benchmarks

.PHONY: run test setup system system-test lint typecheck unit bench stop clean

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

stop:
	-$(BIN)/landgis db stop

clean: stop
	rm -rf $(VENV) data/pg data/files data/cache
