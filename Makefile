# Two commands work on a fresh machine with only Python 3.11 and pip:
#   make demo   the sandbox with live simulated sales, a watch, and orders appearing
#   make test   ruff, mypy and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint types unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tickettailor demo

test: lint types unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/pytest -q -p no:cacheprovider tests/core/test_surface_parity.py  # sync and async match

# mypy --strict on src/ and the user's code (tests/typing/users_code.py); then that file
# again as a user's project checks it: no config of ours, no pydantic plugin.
types: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --config-file= --strict --python-version 3.11 tests/typing/users_code.py

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info
