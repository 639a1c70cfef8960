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
DEMO_NOTE := src/brinkwatch/data/samples/jpn-kor-2019-note.txt
DEMO_SCENARIO := jpn-kor-2019
# The frictions in force beside the measure, once the bundled instruments register is installed
# (the brief picks the register up by itself and says so when there is none).
DEMO_INSTRUMENTS := $(if $(wildcard src/brinkwatch/data/instruments/jpn-kor-usa-2015-2023.yaml),--instruments)
DEMO_PATHS := 2000
DEMO_BRIEF := $(DEMO_DIR)/brief.html

# A fresh store each run: the bundled chronology, plus an analyst's note coded into events.
demo: $(STAMP)
	mkdir -p $(DEMO_DIR)
	rm -f $(DB) $(DB).wal
	$(BIN)/brinkwatch ingest $(CHRON)/jpn-kor-usa-2015-2023.csv --mapping $(CHRON)/chronology.yaml --db $(DB)
	$(BIN)/brinkwatch code $(DEMO_NOTE) --ingest --db $(DB)
	$(BIN)/brinkwatch stats --db $(DB)
	$(BIN)/brinkwatch triad --actors USA JPN KOR --freq month --from 2018-01-01 --to 2020-12-31 --db $(DB) \
		--plot $(DEMO_DIR)/triad.png
	$(BIN)/brinkwatch measure --dyad JPN-KOR --freq month --from 2018-01-01 --to 2020-12-31 --db $(DB) \
		$(DEMO_INSTRUMENTS) --plot $(DEMO_DIR)/jpn-kor.html > $(DEMO_DIR)/jpn-kor.txt
	tail -n 8 $(DEMO_DIR)/jpn-kor.txt
	$(BIN)/brinkwatch alarms --dyad JPN-KOR --from 2019-06-01 --to 2019-09-30 --db $(DB)
	$(BIN)/brinkwatch simulate $(DEMO_SCENARIO) --paths $(DEMO_PATHS) --db $(DB)
	$(BIN)/brinkwatch brief --dyad JPN-KOR --actors USA JPN KOR --scenario $(DEMO_SCENARIO) \
		--from 2018-01-01 --to 2020-12-31 --paths $(DEMO_PATHS) --db $(DB) -o $(DEMO_BRIEF)
	@echo "Figures: $(DEMO_DIR)/triad.png, $(DEMO_DIR)/jpn-kor.html; store: $(DB)"
	@echo "Brief: $(abspath $(DEMO_BRIEF)) (open it in a browser: file://$(abspath $(DEMO_BRIEF)))"
	@echo "Dashboard: $(BIN)/brinkwatch serve --db $(DB)   (then open http://127.0.0.1:8000)"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

# Two xdist workers (CI has 2 cores); PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2

pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache .hypothesis
