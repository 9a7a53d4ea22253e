# ReportPack — every entry point a newcomer needs. Each target installs what it needs first.
#   make pack   install, seed the sample warehouse if missing, run the pack DAG through Airflow
#   make test   install and run the whole test suite
#   make test-fast  unit tests and DAG policy only (no whole packs, no Airflow runs): about two and a half minutes
#   make lint   ruff: lint and format check (CI runs it); `make format` rewrites the files
#   make golden rewrite tests/golden/<kind>.txt from the sample; review with `git diff tests/golden`
#   make bench  benchmarks (ratios against a baseline measured in the same run)
#   make docs   re-render docs/images (page 1 of a compilation and of one document of each kind) and docs/source-rules.md
#   make lock   re-resolve requirements.lock from pyproject.toml (then commit both)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
UV_VERSION := 0.13.9
# tests on TEST_WORKERS processes (0: in this one); tests/conftest.py says how they are shared out
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder
PERIOD ?= 2023H1

# Airflow keeps its home, metadata database (SQLite) and logs inside the checkout, never ~/airflow.
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export REPORTPACK_HOME := $(CURDIR)

.PHONY: help install pack test test-fast lint format golden bench docs lock clean airflow-db

help:
	@grep -E '^#   make' Makefile | sed 's/^#   //'

# The virtual environment is rebuilt from the lock whenever the lock or pyproject.toml is newer.
$(VENV)/.installed: requirements.lock pyproject.toml
	@echo "==> installing into $(VENV) from requirements.lock (first time takes a few minutes)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

$(AIRFLOW_HOME)/.migrated: $(VENV)/.installed
	mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || { cat $(AIRFLOW_HOME)/db-migrate.log; exit 1; }
	$(BIN)/airflow pools set reportpack_render 2 "ReportPack render batches at once" >> $(AIRFLOW_HOME)/db-migrate.log 2>&1
	touch $@

airflow-db: $(AIRFLOW_HOME)/.migrated

pack: $(AIRFLOW_HOME)/.migrated
	$(BIN)/reportpack seed --if-missing
	$(BIN)/reportpack airflow-run --period $(PERIOD)

test: $(AIRFLOW_HOME)/.migrated
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-fast: $(AIRFLOW_HOME)/.migrated
	$(BIN)/python -m pytest $(XDIST) tests/unit tests/dags -m "not slow and not e2e and not libreoffice" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

golden: install
	$(BIN)/python -m tests.golden

bench: install
	$(BIN)/reportpack bench

docs: pack
	$(BIN)/reportpack preview --period $(PERIOD) --out docs/images
	$(BIN)/reportpack rules > docs/source-rules.md

lock:
	$(BIN)/uv pip compile pyproject.toml --extra test --extra bench --python-version 3.11 --generate-hashes \
	    --no-header -o requirements.lock

clean:
	rm -rf $(VENV) $(AIRFLOW_HOME) output var
