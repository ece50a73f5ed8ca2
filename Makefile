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
# Long commands say which step they are on, how long it usually takes, and end with one line.
PROGRESS := $(PYTHON) -m tools.progress
# Python keeps its bytecode caches (for the venvs and the repository, git-ignored): where the
# environment turns them off (PYTHONDONTWRITEBYTECODE, set in many CI images), every process
# compiles pulumi_aws, Airflow and each test module again, which costs the unit suite and
# every Airflow process of the e2e runs seconds each.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: plan test lint typecheck unit integration render test-charts test-dags tools charts chart-packages helm preview up cost-curve config-docs clean \
	state-export state-import pre-upgrade-snapshot local local-install uv airflow-venv local-packages \
	local-status local-down e2e e2e-dev bench-local \
	e2e-state docs docs-serve check venv local-up e2e-run bench-run e2e-sign-in browser bench-guard checkov verify-charts \
	sleep wake upgrade-test upgrade-run upgrade-test-fast upgrade-test-migration

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt | uv
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: Python 3.11+ is required ($(PYTHON))" >&2; exit 1; }
	@PYTHON=$(PYTHON) bash scripts/venv.sh $(VENV) requirements-dev.txt
	@touch $@

## plan: offline preview of STACK (resources, cost, policy findings); FORMAT=text|json|markdown;
## PREVIOUS=<pulumi stack output --json>: warn on MWAA updates sent without the worker strategy;
## AT=<ISO time>: the stack as it is then (asleep or awake, docs/sleep.md)
PREVIOUS ?=
plan: $(VENV)/.installed
	@$(PY) -m tools.plan --stack $(STACK) --format $(FORMAT) $(if $(PREVIOUS),--previous $(PREVIOUS)) $(if $(AT),--at $(AT))

## test: lint, type check, unit tests, real-tool checks, the charts rendered, the documentation
## site built, the DAGs in Airflow, and the end-to-end runs on the local platform
# The steps of `make test`, in order (a target added to make test goes on this line).
TEST_STEPS := lint typecheck unit integration test-charts docs test-dags e2e e2e-dev e2e-state e2e-sign-in bench-guard upgrade-test-fast
test:
	@$(PROGRESS) "make test" $(TEST_STEPS)

## check: the fast loop for everyday edits: lint, types, unit tests, the charts rendered (the
## scanners and the tools' own runs wait for make test)
check: lint typecheck unit render

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy __main__.py components tools finops policy bootstrap local

# The unit suite reads the pinned packages (values.schema.json), not Helm: it runs wherever
# Python does; only test-charts needs Helm, whose cached binary is Linux x86_64.
# In parallel (pytest-xdist): each worker is a process of its own, with its own Pulumi mocks
# and its own cache of planned stacks; a test module runs whole on one worker, so the stacks a
# module caches are planned once. UNIT_WORKERS=0 runs everything in one process.
# Tests that run another program that takes its time (a venv build, promtool, zizmor, the
# plan command in a fresh interpreter, a real wait) are marked `integration`: `make
# integration` runs them, in `make test`.
UNIT_WORKERS ?= auto
unit: $(VENV)/.installed tools chart-packages
	$(PY) -m pytest tests -n $(UNIT_WORKERS) --dist loadfile -m "not integration"

## integration: the tests that drive the project's scripts and the real tools (venv builds with
## uv and pip, promtool, amtool, zizmor, the plan command)
integration: $(VENV)/.installed tools chart-packages
	$(PY) -m pytest tests -n $(UNIT_WORKERS) --dist loadfile -m integration

## test-charts: every Helm release of the prod stack rendered by Helm and checked (tests/charts),
## checkov's Kubernetes checks included
test-charts: $(VENV)/.installed tools charts checkov
	CHART_RENDER_TESTS=1 $(PY) -m pytest tests/charts

## render: the charts rendered by Helm and checked, without the outside scanner (make check)
render: $(VENV)/.installed tools charts
	CHART_RENDER_TESTS=1 $(PY) -m pytest tests/charts --ignore=tests/charts/test_checkov.py

test-dags: $(VENV)/.installed
	bash scripts/test-dags.sh

## local: the STACK's Airflow on this machine (real servers, its own config); PORT=8080
local:
	@$(PROGRESS) "make local" local-install local-up

local-up: $(VENV)/.installed
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
e2e:
	@$(PROGRESS) "make e2e" charts e2e-run

e2e-run: $(VENV)/.installed charts
	LOCAL_E2E=1 $(PY) -m pytest tests/local/e2e

## e2e-dev: the dev-like (MWAA-like) local platform through the REST API: runs, data, logs,
## Secrets Manager, and MWAA's configuration in effect
e2e-dev: $(VENV)/.installed
	LOCAL_E2E=1 $(PY) -m pytest tests/local/e2e_dev

## e2e-sign-in: people sign in to the prod-like local platform through a real OpenID Connect
## provider with headless Chromium (Viewer, Op, refused, sign-out); screenshot in build/
e2e-sign-in: $(VENV)/.installed browser
	LOCAL_E2E=1 $(PY) -m pytest tests/local/sign_in

## browser: Debian's chromium and chromium-driver for e2e-sign-in
browser:
	@bash scripts/ensure-browser.sh

## bench-local: what a task costs per configuration (program, Airflow's defaults at the same
## shape, each feature alone): CPU per process, DB statements, AWS calls, throughput, queue
## delay; 200 and 2,000 tasks, each x3, interleaved (docs/benchmark.md). BENCH_ARGS: more flags
BENCH_ARGS ?=
bench-local:
	@$(PROGRESS) "make bench-local" venv bench-run

bench-run: $(VENV)/.installed
	$(PY) -m local.bench $(BENCH_ARGS)

## bench-guard: 100 tasks x3 interleaved, program vs defaults: scheduler CPU/task not above 1.5x
## (medians, ranges apart), Secrets Manager calls/task within finops/usage.yaml's budget (local/bench/guard.py)
bench-guard: $(VENV)/.installed
	BENCH_GUARD=1 $(PY) -m pytest tests/local/bench/test_guard.py -s

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

## docs: the documentation site (mkdocs.yml, docs/) built into site/ in strict mode: a broken
## link, anchor or a page missing from the nav fails; the cost curve is drawn into it
# (never --quiet: it drops the warnings --strict counts, and the build passes with them)
docs: $(VENV)/.installed
	@NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

## docs-serve: the documentation site on http://127.0.0.1:8000, rebuilt as docs/ changes
docs-serve: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --strict --dev-addr 127.0.0.1:8000
## checkov: the security scanner the render tests run on the prod manifests (.venv-checkov)
checkov: | uv
	@bash scripts/ensure-checkov.sh >/dev/null

## cost-curve: MWAA-versus-EKS monthly cost against concurrent tasks, as a PNG
cost-curve: $(VENV)/.installed
	$(PY) -m tools.cost_curve --out $(OUT)

## config-docs: regenerate Pulumi.yaml's config block and the settings page (docs/settings.md)
config-docs: $(VENV)/.installed
	$(PY) -m tools.config_docs --write

## state-export / state-import: Airflow state (pools, UI variables and connections, paused DAGs,
## run positions) through the REST API. STATE_DOC: file or s3://...; STATE_ARGS: e.g. --dry-run,
## --keep-paused, --history-days 7, --port-forward 8080 or --url (EKS). See docs/state.md.
STATE_DOC ?= airflow-state.json
STATE_ARGS ?=
state-export: $(VENV)/.installed
	$(PY) -m tools.airflow_state export --stack $(STACK) --out $(STATE_DOC) $(STATE_ARGS)

state-import: $(VENV)/.installed
	$(PY) -m tools.airflow_state import --stack $(STACK) --in $(STATE_DOC) $(STATE_ARGS)

## sleep / wake: by hand what the scheduled workflow does at an edge (docs/sleep.md): the stack
## file's `awake` override set to false / true, then the state export or import and `pulumi up`.
## Needs the Pulumi CLI and AWS credentials; SLEEP_ARGS: e.g. --dry-run, --pulumi-stack org/dev
SLEEP_ARGS ?=
sleep: $(VENV)/.installed
	$(PY) -m tools.sleep sleep --stack $(STACK) $(SLEEP_ARGS)

wake: $(VENV)/.installed
	$(PY) -m tools.sleep wake --stack $(STACK) $(SLEEP_ARGS)

## e2e-state: state built on the dev-like local platform, exported, imported into the
## prod-like one and read back equal; prod's scheduler continues after it (docs/state.md)
e2e-state: $(VENV)/.installed
	STATE_E2E=1 $(PY) -m pytest tests/e2e

## upgrade-test: rehearse an Airflow upgrade and its rollback on the local platform before either
## stack moves: TO=<version> [FROM=<version, default the pinned>] [STATE=<state document>]
## [SQL=<file run on FROM's database>] [CHART=<chart version>]; report in build/upgrade/<from>-to-<to>/
## (docs/upgrade-rehearsal.md)
upgrade-test:
	@test -n "$(TO)" || { echo "error: TO=<Airflow version> is required (e.g. make upgrade-test TO=3.3.2)" >&2; exit 2; }
	@$(PROGRESS) "make upgrade-test" venv charts local-install upgrade-run

upgrade-run: $(VENV)/.installed charts local-install
	$(PY) -m tools.upgrade --to $(TO) $(if $(FROM),--from $(FROM)) $(if $(STATE),--state $(STATE)) $(if $(SQL),--sql $(SQL)) $(if $(CHART),--chart $(CHART))

# upgrade-test-fast (in make test): steps 1-3 on the pinned version, then a planted failure in
# each of steps 1-3, no platform started (tests/upgrade/test_planted_failures.py)
upgrade-test-fast: $(VENV)/.installed charts airflow-venv
	$(PY) -m tools.upgrade --fast --to $$(sed -n 's/^apache-airflow==//p' tests/dags/requirements-airflow.txt)
	UPGRADE_TESTS=1 $(PY) -m pytest tests/upgrade -q

# upgrade-test-migration (5 to 7 minutes on two cores: not in make test; the pull-request
# workflow runs it when the rehearsal's own code changes): the command on the pinned version with a planted
# migration failure: steps 1-3 pass, step 4 starts the local platform, makes its state and
# stops where the copy's `airflow db migrate` fails (tests/upgrade/test_planted_migration_failure.py)
upgrade-test-migration: $(VENV)/.installed charts local-install
	UPGRADE_TESTS=migration $(PY) -m pytest tests/upgrade/test_planted_migration_failure.py -q

## pre-upgrade-snapshot: manual RDS snapshot of the EKS metadata DB before an Airflow upgrade
pre-upgrade-snapshot: $(VENV)/.installed
	$(PY) -m tools.pre_upgrade_snapshot --stack $(STACK)

## verify-charts: each chart repository serves, under the pinned version, the files the render
## tests rendered (network; RECORD=1 writes empty repositoryDigests into charts.lock.yaml)
verify-charts: $(VENV)/.installed chart-packages helm
	$(PY) -m tools.charts.verify $(if $(RECORD),--record)

## preview / up: the real Pulumi CLI, for users who have it and AWS credentials; the charts the
## release will download are verified first (verify-charts)
preview: $(VENV)/.installed verify-charts
	pulumi preview --stack $(STACK) --policy-pack policy

up: $(VENV)/.installed verify-charts
	pulumi up --stack $(STACK) --policy-pack policy

clean:
	rm -rf $(VENV) .venv-airflow .venv-checkov .uv .mypy_cache .ruff_cache site
