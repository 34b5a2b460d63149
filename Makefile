# Two entry points for a fresh machine with Python 3.11: `make build` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: build test check schema clean

$(BIN)/musa-build: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

build: $(BIN)/musa-build
	$(BIN)/musa-build check
	$(BIN)/musa-build build

test: $(BIN)/musa-build
	$(BIN)/python -m pytest

check: $(BIN)/musa-build
	$(BIN)/musa-build check --strict

schema: $(BIN)/musa-build
	$(BIN)/musa-build schema

clean:
	rm -rf build .venv .pytest_cache
