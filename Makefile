# The two commands every user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint docs validate reliability chance fuzz wheel-check venv qt-deps clean

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

## A two-minute simulated session with the quick-demo protocol, played 4x faster: the window
## when there is a screen, the status line when not; it ends with the session's report.
demo: venv
	@if [ -n "$$DISPLAY" ]; then \
		$(BIN)/neurofeedback gui --board simulated --protocol quick-demo --sim-speed 4; \
	else \
		$(BIN)/neurofeedback run --board simulated --protocol quick-demo --sim-speed 4 --headless; \
	fi

## The suite in two processes (each test file in one of them); the 15 slowest tests are listed
test: venv qt-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=15

## ruff, then the import layers written in pyproject.toml ([tool.importlinter]).
lint: venv
	$(BIN)/ruff check neurofeedback ui tests benchmarks
	$(BIN)/lint-imports

## The documentation site: generated pages (docs/gen_pages.py), then a strict build into site/.
docs: venv
	$(BIN)/python -c "import mkdocs" 2>/dev/null || $(BIN)/pip install --quiet "mkdocs>=1.6"
	$(BIN)/python docs/gen_pages.py
	$(BIN)/mkdocs build --strict --quiet

bench: venv qt-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run.py

## The pipeline on the real recordings listed in $(DATA)/conditions.csv -> docs/validation.md
DATA ?= ../shared/data
## The rate of the files in $(DATA) that do not give one: the UCI eye-state CSV (no time column)
## is 128 Hz. Files that give their rate keep it; set VALIDATE_SFREQ= to give none.
VALIDATE_SFREQ ?= 128
validate: venv
	$(BIN)/neurofeedback validate $(DATA) --out docs/validation.md --jobs 2 --montages all $(if $(VALIDATE_SFREQ),--sfreq $(VALIDATE_SFREQ))

## The estimator's reliability table on held-out simulator seeds -> docs/reliability.md
reliability: venv
	$(BIN)/python -m neurofeedback.simulate.calibrate --reliability > docs/reliability.md

## Synchrony, harmony and complexity against chance (known-null signals, lagged coupling,
## EEGMMIDB eyes closed) -> docs/chance.md
chance: venv
	$(BIN)/python -m neurofeedback.simulate.chance --data $(DATA) --out docs/chance.md

## A longer run of the readers' fuzz test: 200 mutants per format through `info` (make test: 12),
## the first 40 that read also replayed and analysed in full (make test: 3)
fuzz: venv
	FUZZ_N=200 FUZZ_N_RUN=40 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q tests/test_fuzz_readers.py

## The wheel works outside the repository: build it, install it into a fresh venv, then list the
## shipped protocols and run a short simulated session from another folder (it records into the
## user data folder, here pointed at /tmp/nf-wheel-data)
wheel-check: venv
	rm -rf dist build /tmp/nf-wheel-venv
	$(BIN)/pip wheel --quiet --no-deps . -w dist
	$(PYTHON) -m venv /tmp/nf-wheel-venv
	/tmp/nf-wheel-venv/bin/pip install --quiet dist/*.whl
	$(BIN)/python -c "import sys, zipfile; names = zipfile.ZipFile(sys.argv[1]).namelist(); \
		assert 'neurofeedback/ui/app.py' in names and not any(n.startswith('ui/') for n in names), 'Qt frontend not packaged as neurofeedback.ui'" dist/*.whl
	cd /tmp && /tmp/nf-wheel-venv/bin/neurofeedback protocols | grep -q quick-demo
	rm -rf /tmp/nf-wheel-data
	cd /tmp && XDG_DATA_HOME=/tmp/nf-wheel-data /tmp/nf-wheel-venv/bin/neurofeedback run --board simulated \
		--protocol quick-demo --duration 20 --sim-speed 10 --headless | tee /tmp/nf-wheel-run.txt
	grep -q "recording into /tmp/nf-wheel-data/neurofeedback/recordings" /tmp/nf-wheel-run.txt
	ls /tmp/nf-wheel-data/neurofeedback/recordings/*/report.html
	@echo "wheel-check: the installed wheel ran from /tmp"

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache site dist build
