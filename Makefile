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

CHRON := src/brinkwatch/data/chronology
DB := $(DEMO_DIR)/brinkwatch.duckdb

demo: $(STAMP)
	mkdir -p $(DEMO_DIR)
	$(BIN)/brinkwatch ingest $(CHRON)/jpn-kor-usa-2015-2023.csv --mapping $(CHRON)/chronology.yaml --db $(DB)
	$(BIN)/brinkwatch stats --db $(DB)
	$(BIN)/brinkwatch triad USA JPN KOR --freq month --from 2018-01-01 --to 2020-12-31 --db $(DB) \
		--plot $(DEMO_DIR)/triad.png
	$(BIN)/brinkwatch measure --dyad JPN-KOR --freq month --from 2018-01-01 --to 2020-12-31 --db $(DB) \
		--plot $(DEMO_DIR)/jpn-kor.html > $(DEMO_DIR)/jpn-kor.txt
	tail -n 8 $(DEMO_DIR)/jpn-kor.txt
	$(BIN)/brinkwatch alarms --dyad JPN-KOR --from 2019-06-01 --to 2019-09-30 --db $(DB)
	@echo "Figures: $(DEMO_DIR)/triad.png, $(DEMO_DIR)/jpn-kor.html; store: $(DB)"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache .hypothesis
