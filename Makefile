# Two commands get a newcomer going: `make plan STACK=prod` and `make test`.
# Every target builds .venv from the requirements when it is missing or stale.
SHELL := /bin/bash
PYTHON ?= python3
# The Airflow venv's Python (3.10 to 3.12); empty: found by scripts/airflow-python.sh.
AIRFLOW_PYTHON ?=
VENV := .venv
PY := $(VENV)/bin/python
STACK ?= dev
FORMAT ?= text
OUT ?= cost.png

.PHONY: plan test lint typecheck unit test-charts test-dags test-tools tools charts chart-packages helm preview up cost-curve config-docs clean \
	state-export state-import pre-upgrade-snapshot local local-install uv airflow-venv local-packages \
	local-status local-down e2e e2e-dev bench-local \
	e2e-state upgrade-test upgrade-test-fast

$(VENV)/.installed: requirements.txt requirements-dev.txt | uv
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: Python 3.11+ is required ($(PYTHON))" >&2; exit 1; }
	@PYTHON=$(PYTHON) bash scripts/venv.sh $(VENV) requirements-dev.txt
	@touch $@

## plan: offline preview of STACK (resources, cost, policy findings); FORMAT=text|json|markdown
plan: $(VENV)/.installed
	@$(PY) -m tools.plan --stack $(STACK) --format $(FORMAT)

## test: lint, type check, unit tests, real-tool checks, the charts rendered, the DAGs in Airflow,
## and the end-to-end run on the local platform
test: lint typecheck unit test-charts test-dags e2e e2e-dev e2e-state upgrade-test-fast

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy __main__.py components tools finops policy bootstrap local

# The unit suite reads the pinned packages (values.schema.json), not Helm: it runs wherever
# Python does; only test-charts needs Helm, whose cached binary is Linux x86_64.
unit: $(VENV)/.installed tools chart-packages
	$(PY) -m pytest tests

## test-charts: every Helm release of the prod stack rendered by Helm and checked (tests/charts)
test-charts: $(VENV)/.installed tools charts
	CHART_RENDER_TESTS=1 $(PY) -m pytest tests/charts

test-dags: $(VENV)/.installed
	bash scripts/test-dags.sh

## local: the STACK's Airflow on this machine (real servers, its own config); PORT=8080
local: local-install
	@$(PY) -m local up --stack $(STACK) $(if $(PORT),--port $(PORT))

# What the local platform needs, built side by side on a fresh machine: .venv, .venv-airflow
# and the Debian servers (apt starts at once; the venvs wait for uv, which installs both).
# A moment when everything is there.
local-install:
	@$(MAKE) --no-print-directory -j3 -Otarget $(VENV)/.installed airflow-venv local-packages

# uv (pinned, scripts/uv.sh) once before the venvs; they fall back to pip without it.
uv:
	@PYTHON=$(PYTHON) bash scripts/uv.sh >/dev/null || true

airflow-venv: | uv
	@AIRFLOW_PYTHON=$(AIRFLOW_PYTHON) bash scripts/airflow-venv.sh

local-packages:
	@bash scripts/ensure-local-packages.sh

## local-status: what the local platform runs and whether it is healthy
local-status: $(VENV)/.installed
	@$(PY) -m local status

## e2e: the prod-like local platform, driven through the REST API (runs, logs, alerts, faults);
## its statsd names become Prometheus series through the pinned chart's mappings (charts)
e2e: $(VENV)/.installed charts
	LOCAL_E2E=1 $(PY) -m pytest tests/local/e2e

## e2e-dev: the dev-like (MWAA-like) local platform through the REST API: runs, data, logs,
## Secrets Manager, and MWAA's configuration in effect
e2e-dev: $(VENV)/.installed
	LOCAL_E2E=1 $(PY) -m pytest tests/local/e2e_dev

## bench-local: 200 short tasks, program's config vs Airflow's defaults (tasks/min, queue delay)
bench-local: $(VENV)/.installed
	$(PY) -m local.bench

## local-down: stop everything `make local` started; KEEP=1 keeps the database
local-down: $(VENV)/.installed
	@$(PY) -m local down $(if $(KEEP),--keep)

## tools: promtool and amtool (Debian packages prometheus, prometheus-alertmanager)
tools:
	@bash scripts/ensure-tools.sh

## charts: the pinned chart packages (charts.lock.yaml) cached and verified, and a real Helm
charts: chart-packages helm

chart-packages: $(VENV)/.installed
	@$(PY) -m tools.charts

helm: $(VENV)/.installed
	@bash scripts/ensure-helm.sh $(PY) >/dev/null

## cost-curve: MWAA-versus-EKS monthly cost against concurrent tasks, as a PNG
cost-curve: $(VENV)/.installed
	$(PY) -m tools.cost_curve --out $(OUT)

## config-docs: regenerate Pulumi.yaml's config block and the README settings table
config-docs: $(VENV)/.installed
	$(PY) -m tools.config_docs --write

## state-export / state-import: Airflow state (pools, UI variables and connections, paused DAGs,
## run positions) through the REST API. STATE_DOC: file or s3://...; STATE_ARGS: e.g. --dry-run,
## --keep-paused, --history-days 7, --port-forward 8080 or --url (EKS). See README "Airflow state".
STATE_DOC ?= airflow-state.json
STATE_ARGS ?=
state-export: $(VENV)/.installed
	$(PY) -m tools.airflow_state export --stack $(STACK) --out $(STATE_DOC) $(STATE_ARGS)

state-import: $(VENV)/.installed
	$(PY) -m tools.airflow_state import --stack $(STACK) --in $(STATE_DOC) $(STATE_ARGS)

## e2e-state: state built on the dev-like local platform, exported, imported into the
## prod-like one and read back equal; prod's scheduler continues after it (README "Airflow state")
e2e-state: $(VENV)/.installed
	STATE_E2E=1 $(PY) -m pytest tests/e2e

## upgrade-test: rehearse an Airflow upgrade and its rollback on the local platform before either
## stack moves: TO=<version> [FROM=<version, default the pinned>] [STATE=<state document>]
## [CHART=<chart version>]; report in build/upgrade/<from>-to-<to>/ (docs/upgrade-rehearsal.md)
upgrade-test: $(VENV)/.installed charts local-install
	@test -n "$(TO)" || { echo "error: TO=<Airflow version> is required (e.g. make upgrade-test TO=3.3.2)" >&2; exit 2; }
	$(PY) -m tools.upgrade --to $(TO) $(if $(FROM),--from $(FROM)) $(if $(STATE),--state $(STATE)) $(if $(CHART),--chart $(CHART))

# upgrade-test-fast (in make test): steps 1-3 against the pinned version, no platform started,
# then a planted failure in each of them (tests/upgrade)
upgrade-test-fast: $(VENV)/.installed charts airflow-venv
	$(PY) -m tools.upgrade --fast --to $$(sed -n 's/^apache-airflow==//p' tests/dags/requirements-airflow.txt)
	UPGRADE_TESTS=1 $(PY) -m pytest tests/upgrade -q

## pre-upgrade-snapshot: manual RDS snapshot of the EKS metadata DB before an Airflow upgrade
pre-upgrade-snapshot: $(VENV)/.installed
	$(PY) -m tools.pre_upgrade_snapshot --stack $(STACK)

## preview / up: the real Pulumi CLI, for users who have it and AWS credentials
preview: $(VENV)/.installed
	pulumi preview --stack $(STACK) --policy-pack policy

up: $(VENV)/.installed
	pulumi up --stack $(STACK) --policy-pack policy

clean:
	rm -rf $(VENV) .venv-airflow .uv .mypy_cache .ruff_cache
