# Mortar kit — the two README commands are `make demo` and `make test`.
# Both create or refresh .venv/ (the kit's venv) first; `make install` does only that.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.mortar-installed
PKG_DEFS := VERSION requirements-dev.txt shared-infra/pyproject.toml \
            base-images/api/pyproject.toml base-images/web/pyproject.toml

.PHONY: install demo test lint format images test-images clean help

help:
	@echo "make demo         shared stack up, demo site spawned and served (the main job)"
	@echo "make test         the whole test suite (lint + every tier)"
	@echo "make install      create/refresh .venv with the kit installed"
	@echo "make lint         ruff check + ruff format --check"
	@echo "make images       build mortarcms/api-base and web-base images"
	@echo "make test-images  build images and run a spawned site from them"

install: $(STAMP)

$(STAMP): $(PKG_DEFS)
	PYTHON=$(PYTHON) bash scripts/install-venv

demo: install
	bash scripts/install-system-deps demo
	$(VENV)/bin/mortar demo

test: install
	bash scripts/install-system-deps test
	bash scripts/run-tests

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
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
