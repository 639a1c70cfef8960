# brinkwatch: two entry points, `make demo` and `make test`; both work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR := .demo

.PHONY: demo test install lint typecheck pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	mkdir -p $(DEMO_DIR)
	$(BIN)/brinkwatch ingest src/brinkwatch/data/samples/jpn-kor-2019-sample.csv \
		--mapping src/brinkwatch/data/samples/jpn-kor-2019-sample.yaml --db $(DEMO_DIR)/brinkwatch.duckdb
	$(BIN)/brinkwatch stats --db $(DEMO_DIR)/brinkwatch.duckdb
	$(BIN)/brinkwatch events --dyad JPN-KOR --db $(DEMO_DIR)/brinkwatch.duckdb

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache .hypothesis
