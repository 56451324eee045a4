# `make demo` and `make test` set everything up themselves (virtual env, install) and are fast when already set up.
PY_VERSION := $(shell cat .python-version)
PYTHON ?= $(shell command -v python$(PY_VERSION) || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The report test renders in Debian's chromium (never a browser that a test tool downloads); installed when
# missing, as root, or through sudo.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench lint clean docs-screenshot

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "cocreate needs Python >= 3.12 (see .python-version)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cocreate demo --out demo-output

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest

docs-screenshot: $(STAMP) $(CHROMIUM)
	COCREATE_SCREENSHOT_DIR=docs/img $(BIN)/python -m pytest tests/cocreate/test_report.py -k chromium

lint: $(STAMP)
	$(BIN)/ruff check selection sim cocreate tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) demo-output
