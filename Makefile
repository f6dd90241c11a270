# shortbreaks — `make help` lists the targets. `make run` and `make test` set everything up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.PHONY: install
install: $(UV) ## create or update .venv from the lock file
	$(UV) sync --frozen --quiet

var/.demo-loaded:
	$(BIN)/shortbreaks demo-data
	@touch $@

.PHONY: migrate
migrate: install ## apply database migrations
	$(BIN)/shortbreaks migrate

.PHONY: demo-data
demo-data: migrate ## load the demo data set (again: changes nothing)
	$(BIN)/shortbreaks demo-data

.PHONY: run
run: migrate var/.demo-loaded ## install, migrate, load demo data the first time, serve on http://HOST:PORT (default 127.0.0.1:8000; links in emails and feeds use it unless BASE_URL is set)
	$(BIN)/shortbreaks serve --host $(HOST) --port $(PORT)

.PHONY: worker
worker: install ## run the arq worker (needs REDIS_URL)
	$(BIN)/shortbreaks worker

.PHONY: lint
lint: install ## ruff (lint and format check) and the import-layer contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

.PHONY: format
format: install ## format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: typecheck
typecheck: install ## mypy on every package
	$(BIN)/mypy

.PHONY: test
test: install lint typecheck ## ruff, import layers, mypy on every package and pytest (DATABASE_URL / REDIS_URL pick the backends)
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: fuzz
fuzz: install ## fuzz the whole JSON API as every role with schemathesis (longer; FUZZ_MAX_EXAMPLES, FUZZ_SEED)
	FUZZ_ALL_OPERATIONS=1 FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-50} $(BIN)/pytest tests/security/test_fuzz.py -p no:cacheprovider $(PYTEST_ARGS)

.PHONY: migrations
migrations: install ## write migrations for model changes
	$(BIN)/shortbreaks makemigrations

.PHONY: bench
bench: install ## benchmark on PostgreSQL + Redis: full data set (1M sessions), rushes, search, reports (BENCH_DATABASE_URL, BENCH_REDIS_URL)
	$(BIN)/python -m bench $(BENCH_ARGS)

.PHONY: bench-quick
bench-quick: install ## smoke-sized benchmark (~1% of the data set, under 2 minutes), as CI may run it
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

.PHONY: assets
assets: ## rebuild the vendored GOV.UK Frontend assets from the npm registry
	bash scripts/build-assets.sh

.PHONY: clean
clean: ## remove the virtualenvs and local data
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .ruff_cache .mypy_cache
