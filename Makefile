# Mawrid — `make help` lists the targets.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

$(BIN)/mawrid: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# Compiled translations follow their catalogues, so a changed .po shows on the next run or test.
MO := $(patsubst %.po,%.mo,$(wildcard web/locale/*/LC_MESSAGES/messages.po))
%.mo: %.po $(BIN)/mawrid
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

.PHONY: install
install: $(BIN)/mawrid $(MO) ## Create .venv and install Mawrid with its test tools

.PHONY: run
# Course packages play from a host name of their own (web/packages.py); localhost reaches the same server.
run: export MAWRID_PACKAGE_ORIGIN ?= http://localhost:$(PORT)
run: install ## Initialise ./data, load the demo content if empty, serve http://127.0.0.1:8000
	$(BIN)/mawrid init --demo
	$(BIN)/mawrid serve --host $(HOST) --port $(PORT)

.PHONY: test
test: install ## Run the whole test suite (SQLite + local files, PostgreSQL + S3, Chromium)
	$(BIN)/pytest

.PHONY: bench
bench: install ## Run the benchmarks and write bench/report.md (ITEMS=20000 BENCH_CACHE=dir for search)
	$(BIN)/python -m bench $(if $(ITEMS),--items $(ITEMS)) $(if $(BENCH_CACHE),--cache-dir $(BENCH_CACHE))

.PHONY: lint
lint: install ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

.PHONY: fmt
fmt: install ## Format the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'
