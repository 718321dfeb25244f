# warroom: `make run` starts it, `make test` proves it. Both set themselves up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: run test check pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed  ## create .venv, migrate the SQLite database, serve on :8080
	$(BIN)/warroom db upgrade
	$(BIN)/warroom serve --host $(HOST) --port $(PORT)

check: $(VENV)/.installed-dev  ## lint and type-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev  ## the test suite alone
	$(BIN)/pytest

test: check pytest  ## everything CI runs

bench: $(VENV)/.installed-dev  ## performance figures (slow; prints results)
	$(BIN)/python bench/api_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
