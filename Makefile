# The two commands every user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint validate venv qt-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

venv: $(STAMP)

## Debian libraries Qt needs to run offscreen / under Xvfb (only installed when missing and we can).
qt-deps:
	@bash .ci/qt-deps.sh

demo: venv
	$(BIN)/neurofeedback run --board synthetic --duration 30 --headless

test: venv qt-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check neurofeedback ui tests benchmarks

bench: venv qt-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run.py

## The pipeline on the real recordings listed in $(DATA)/conditions.csv -> docs/validation.md
DATA ?= ../shared/data
validate: venv
	$(BIN)/neurofeedback validate $(DATA) --out docs/validation.md --jobs 2

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
