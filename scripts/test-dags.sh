#!/usr/bin/env bash
# Test dags/ in real Airflow 3.3.1, the version both stacks run: ruff, then pytest in
# tests/dags (imports, house rules, no lookups at parse time, dag.test() runs, alerts).
#
# Airflow lives in its own venv, .venv-airflow (scripts/airflow-venv.sh), shared with the
# local platform, built on first use and rebuilt only when its requirements change.
# Usage: bash scripts/test-dags.sh [pytest args], or `make test-dags`.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-airflow
RUFF=.venv/bin/ruff

[[ -x $RUFF ]] || { echo "error: $RUFF not found; run 'make test-dags' to build .venv" >&2; exit 1; }

echo "== ruff (dags/)"
"$RUFF" check --select AIR,E,F,I,B,UP dags/
"$RUFF" format --check dags/

bash scripts/airflow-venv.sh

# A throwaway Airflow home with its own sqlite DB; the dag.test() tests migrate it once.
AIRFLOW_HOME=$(mktemp -d "${TMPDIR:-/tmp}/airflow-home.XXXXXX")
trap 'rm -rf "$AIRFLOW_HOME"' EXIT
export AIRFLOW_HOME
export AIRFLOW__CORE__DAGS_FOLDER=$PWD/dags
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$AIRFLOW_HOME/airflow.db
# The conftest fails, instead of skipping, when Airflow is missing.
export AIRFLOW_DAG_TESTS=1
# Never reach a real AWS account from here, even on a laptop with credentials.
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

echo "== pytest (tests/dags) in $VENV"
"$VENV/bin/python" -m pytest -c tests/dags/pytest.ini tests/dags "$@"
