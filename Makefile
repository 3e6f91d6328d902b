# Mortar kit — the two README commands are `make demo` and `make test`.
# Both install the system packages a bare Debian/Ubuntu machine lacks
# (scripts/install-system-deps), then create or refresh .venv/ (the kit's venv); `make install`
# does only the venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.mortar-installed
PKG_DEFS := VERSION requirements-dev.txt shared-infra/pyproject.toml \
            base-images/api/pyproject.toml base-images/web/pyproject.toml \
            base-images/common/contract/pyproject.toml

.PHONY: install demo test check test-resilience test-python test-fresh lint format images test-images clean help

help:
	@echo "make demo         shared stack up, demo site spawned and served (the main job)"
	@echo "make test         the whole test suite (lint + every tier)"
	@echo "make check        the whole suite as CI runs it: make test + test-resilience + test-python (3.13) + test-fresh"
	@echo "make test-resilience   faults under load on two spawned sites (test-artifacts/resilience.md)"
	@echo "make test-python PYTHON=python3.13   api + web tiers on another Python (.venv-3.13)"
	@echo "make test-fresh   make demo + make test in a clean Debian root (scripts/check-fresh-machine)"
	@echo "make install      create/refresh .venv with the kit installed"
	@echo "make lint         ruff check + ruff format --check"
	@echo "make images       build mortarcms/api-base and web-base images"
	@echo "make test-images  build images and run a spawned site from them"

install: $(STAMP)

$(STAMP): $(PKG_DEFS)
	PYTHON=$(PYTHON) bash scripts/install-venv

# System packages first: a bare machine has no python3-venv to make the venv with.
demo:
	PYTHON=$(PYTHON) bash scripts/install-system-deps demo
	$(MAKE) --no-print-directory install
	$(VENV)/bin/mortar demo

test:
	PYTHON=$(PYTHON) bash scripts/install-system-deps test
	$(MAKE) --no-print-directory install
	bash scripts/run-tests

# The whole suite as CI runs it (.ci/run is exactly this): make test, the resilience tier, the
# api and web tiers on a second supported Python (the newest 3.13 under pyenv unless
# SECOND_PYTHON is set), and make demo + make test on a clean Debian root.
SECOND_PYTHON ?= $(shell ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13.*/bin/python3 2>/dev/null | sort -V | tail -n1)
check: test
	$(MAKE) --no-print-directory test-resilience
	@[ -n "$(SECOND_PYTHON)" ] || { echo "error: no Python 3.13 under pyenv for the second-Python run; set SECOND_PYTHON=/path/to/python3.13" >&2; exit 1; }
	$(MAKE) --no-print-directory test-python PYTHON="$(SECOND_PYTHON)"
	$(MAKE) --no-print-directory test-fresh

# Real faults under load (kill -9, nginx reloads, a hung site, Redis/PostgreSQL down, a full
# media disk) on two spawned sites with private servers: tests/resilience, about 5 minutes.
test-resilience: install
	bash scripts/run-tests resilience

# The api and web tiers on another supported Python, in its own venv (.venv-<major.minor>).
test-python:
	@ver=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
	  || { echo "error: $(PYTHON) does not run (make test-python PYTHON=python3.13)" >&2; exit 1; }; \
	MORTAR_VENV=.venv-$$ver PYTHON=$(PYTHON) bash scripts/install-venv \
	  && MORTAR_VENV=.venv-$$ver bash scripts/run-tests api web

# make demo, then make test, from a fresh clone in a clean Debian bookworm root (own network).
test-fresh:
	bash scripts/check-fresh-machine

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

images: install
	bash scripts/build-images

test-images: install
	bash scripts/run-tests images

clean:
	rm -rf $(VENV) .venv-*/ .pytest_cache .ruff_cache test-artifacts
