# The Makefile is the interface: README and CI call these targets and nothing else.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# No network but the package registries: keep Prefect's telemetry quiet.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/.prefect
# A temporary Prefect server starts slowly on a busy two-core machine; its 20 s default times out.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: install demo eval test test-fast lint format bench serve backfill nightly sql snapshot clean

$(STAMP): pyproject.toml setup.py constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install the pinned stack

demo: $(STAMP)  ## the nightly job over the bundled Sora-day snapshot, offline; prints its summary and the report paths
	$(VENV)/bin/newsdesk demo

eval: $(STAMP)  ## the nightly job over the labelled corpus in eval/corpus, served locally; prints recall, verdict accuracy, false contradicted by class
	$(PY) -m scripts.eval $(EVAL_ARGS)

test: $(STAMP)  ## the whole suite, slow tests included (CI); two workers, a test file stays on one
	$(PY) -m pytest -q -n 2 --dist loadfile

test-fast: $(STAMP)  ## the suite without slow tests (Prefect, GX, processes, benches): about 20 s
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)  ## ruff lint and format check
	$(VENV)/bin/ruff check newsdesk flows tests scripts bench
	$(VENV)/bin/ruff format --check newsdesk flows tests scripts bench

format: $(STAMP)
	$(VENV)/bin/ruff format newsdesk flows tests scripts bench
	$(VENV)/bin/ruff check --fix newsdesk flows tests scripts bench

bench: $(STAMP)  ## load against DuckDB's native load, the 500 → 5,000-symbol scale run, extraction on 1 and 2 workers, the demo's wall time
	$(PY) -m bench.market
	$(PY) -m bench.market --scale
	$(PY) -m bench.claims
	$(PY) -m bench.demo

serve: $(STAMP)  ## start a Prefect server on 127.0.0.1:4200 (if none runs) and serve the deployments
	$(PY) -m flows.deployments --start-server

# `make backfill` and `make nightly` start runs of the deployments `make serve` serves, on its
# server unless PREFECT_API_URL names another, and follow each run to its end.
backfill nightly: export PREFECT_API_URL ?= http://127.0.0.1:4200/api

backfill: $(STAMP)  ## START=YYYY-MM-DD END=YYYY-MM-DD [OFFLINE=1] [SYMBOLS=A,B] [MISSING=1]: a backfill run on the `make serve` server
	$(PY) -m flows.deployments --run backfill start=$(START) end=$(END) offline=$(OFFLINE) \
		symbols=$(SYMBOLS) missing=$(MISSING)

nightly: $(STAMP)  ## DATE=YYYY-MM-DD [OFFLINE=1]: a nightly run on the `make serve` server (no DATE: its own day)
	$(PY) -m flows.deployments --run nightly run_date=$(DATE) offline=$(OFFLINE)

sql: $(STAMP)  ## an interactive read-only SQL shell on the warehouse
	$(VENV)/bin/newsdesk sql

snapshot: $(STAMP)  ## rebuild the demo snapshot from ../shared/data
	$(PY) scripts/build_snapshot.py

clean:
	rm -rf warehouse/newsdesk.duckdb warehouse/newsdesk.read.duckdb warehouse/raw warehouse/reports warehouse/dq
