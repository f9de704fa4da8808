# PrivDesk: `make run` and `make test` set up everything on a fresh Debian machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench system-deps venv screenshot clean dist smoke

# System packages (Qt's libraries, fonts, database servers, poppler) through apt-get as root;
# otherwise print the exact command to run.
system-deps:
	@bash .ci/system-deps.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changed.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# PyInstaller comes with the `dist` extra, installed only for `make dist`.
DIST_STAMP := $(VENV)/.installed-dist
$(DIST_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,dist]'
	touch $(DIST_STAMP)

# The one-folder desktop build (dist/privdesk/), its tarball and SHA-256; prints time and size.
dist: $(DIST_STAMP)
	bash packaging/build.sh $(BIN)/python

# Runs the built app: version, an offscreen window screenshot, a letter with embedded fonts.
smoke:
	bash packaging/smoke.sh dist/privdesk/privdesk

run: system-deps venv
	$(BIN)/privdesk demo
	$(BIN)/privdesk gui

test: system-deps venv lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check privdesk tests benchmarks packaging
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: venv
	@set -e; for b in benchmarks/*_bench.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(BIN)/python "$$b"; done

screenshot: venv
	d="$$(mktemp -d)" && $(BIN)/privdesk --data-dir "$$d" demo >/dev/null && \
	  QT_QPA_PLATFORM=offscreen $(BIN)/privdesk --data-dir "$$d" gui --screenshot docs/screenshot.png && rm -rf "$$d"

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
