# The two commands a newcomer types: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test bench lint console clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-run

## run: install, then play a week of the Mesa Forestal on a temporary SQLite database
run: $(VENV)/.installed-run
	$(BIN)/mesabot demo

## test: install with test extras, then ruff, mypy and pytest
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

## bench: every benchmark of docs/benchmarks.md, each against its floor in the same run
## (PostgreSQL too when MESABOT_TEST_DATABASE_URL is set; its tables are dropped)
bench: $(VENV)/.installed-test
	$(BIN)/python bench/transactions.py
	$(BIN)/python bench/telegram_throughput.py
	$(BIN)/python bench/core_throughput.py
	$(BIN)/python bench/agenda_scale.py
	$(BIN)/python bench/fanout.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
