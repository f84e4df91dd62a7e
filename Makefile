# Homeward. `make demo` runs it; `make test` checks it. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
SPARK_STAMP := $(VENV)/.installed-spark-from-lock
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install install-spark demo serve test lint typecheck pytest bench lock lock-spark clean

help: ## List the targets with a line of help each
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install every pinned dependency from requirements.lock

# pyspark ships as a source archive: built with the locked setuptools, without fetching more.
$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps --no-build-isolation -r requirements-spark.lock
	@touch $(SPARK_STAMP)

install-spark: $(SPARK_STAMP) ## Add the optional extra `spark` (pyspark, requirements-spark.lock; Java 17)

demo: install ## Set up ./var with demo desks, officers and letters; serve on http://127.0.0.1:8000
	$(BIN)/homeward demo --host $(HOST) --port $(PORT)

serve: install ## Serve an initialised data directory (HOMEWARD_DATA_DIR, ./var by default)
	$(BIN)/homeward serve --host $(HOST) --port $(PORT)

test: install lint typecheck pytest ## ruff, mypy --strict, then pytest (SQLite; PostgreSQL too when configured)

lint: install ## ruff check, ruff format --check, and the import contracts (lint-imports)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: install ## mypy --strict over src/
	$(BIN)/mypy

pytest: install ## The test suite
	$(BIN)/pytest

bench: install install-spark ## Run the benchmarks; results go to bench/results and bench/README.md
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.audit
	$(BIN)/python -m bench.cases
	$(BIN)/python -m bench.identity
	$(BIN)/python -m bench.identity.engines
	$(BIN)/python -m bench.flood
	$(BIN)/python -m bench.signin
	$(BIN)/python -m bench.durability
	$(BIN)/python -m bench.passage
	$(BIN)/python -m bench.debrief

lock: ## Re-resolve requirements.lock from pyproject.toml (needs PyPI)
	$(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet uv
	.lock-venv/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock
	rm -rf .lock-venv

lock-spark: ## Re-resolve requirements-spark.lock: what the extra `spark` adds to requirements.lock
	$(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet uv
	.lock-venv/bin/uv pip compile pyproject.toml --extra dev --extra spark --generate-hashes --python-version 3.11 -c requirements.lock -o .lock-venv/all.lock
	head -n 2 requirements-spark.lock > .lock-venv/spark.lock
	awk 'NR == FNR { if (/^[A-Za-z0-9]/) { split($$0, p, "=="); locked[p[1]] = 1 } next } \
	     /^[A-Za-z0-9]/ { split($$0, p, "=="); keep = !(p[1] in locked) } keep' \
	     requirements.lock .lock-venv/all.lock >> .lock-venv/spark.lock
	mv .lock-venv/spark.lock requirements-spark.lock
	rm -rf .lock-venv

clean: ## Remove the virtual environment and caches (keeps ./var)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache test-artifacts
