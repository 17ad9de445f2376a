# The two commands: `make demo` and `make test`. Both set up everything themselves.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export AIRFLOW_HOME ?= $(CURDIR)/airflow_home
export AIRFLOW__CORE__DAGS_FOLDER ?= $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__API__HOST ?= 127.0.0.1
export AIRFLOW__CORE__PARALLELISM ?= 4
export AIRFLOW__MLOPS__OWNERS_FILE ?= $(CURDIR)/owners.yaml
export GX_ANALYTICS_ENABLED := False
export PATH := $(BIN):$(PATH)

.PHONY: venv airflow-db chromium demo demo-check docs test lint typecheck pytest bench audit clean

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	rm -rf *.egg-info  # a leftover egg-info would register the plugin twice
	touch $@

airflow-db: $(STAMP)
	mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (tail -20 $(AIRFLOW_HOME)/db-migrate.log; exit 1)
	$(BIN)/airflow-mlops db upgrade

demo: airflow-db
	$(BIN)/python -m airflow_mlops.demo

demo-check: $(STAMP)
	$(BIN)/python -m airflow_mlops.demo --check

lint: $(STAMP)
	$(BIN)/ruff check airflow_mlops dags tests bench
	$(BIN)/ruff format --check airflow_mlops dags tests bench

typecheck: $(STAMP)
	$(BIN)/mypy airflow_mlops

# The browser tests drive Debian's chromium (playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { echo "installing chromium for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; }

pytest: $(STAMP) chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python bench/validation.py
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/drift.py --skip-evidently
	$(BIN)/python bench/sql_profile.py
	$(BIN)/python bench/ui.py

# pip-audit in a venv of its own (its dependencies are not ours), over every pin in constraints.txt
AUDIT_VENV := $(CURDIR)/.venv-audit
audit:
	test -x $(AUDIT_VENV)/bin/pip-audit || ($(PYTHON) -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install --quiet pip-audit==2.10.1)
	$(AUDIT_VENV)/bin/python .ci/audit.py

clean:
	rm -rf $(VENV) $(AUDIT_VENV) $(AIRFLOW_HOME) site .pytest_cache .mypy_cache .ruff_cache *.egg-info
