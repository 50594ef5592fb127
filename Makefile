# Two commands set up and run everything: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test test-quick bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: a fresh database of the Inner Mongolia default, a keeper's day, the stock report
demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh $(DEMO_DIR)

## serve: the server (API and web pages) on the Inner Mongolia default at http://127.0.0.1:8000
serve: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/serve.sh

## test: unit, integration (SQLite and PostgreSQL), end-to-end and browser tests
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

## test-quick: the same without the tests marked slow (crash kills, the real region, the README tour)
test-quick: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow" $(PYTEST_ARGS)

## bench: keeper start-up, bulk import, dispatch (regional and national), travel matrix, drill batch, preparedness, server load
bench: $(STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/bulk_import.py
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/travel_matrix.py
	$(BIN)/python bench/drill_batch.py
	$(BIN)/python bench/prepare.py
	$(BIN)/python bench/server_load.py --workers 1 2

clean:
	rm -rf $(VENV) demo-out out
