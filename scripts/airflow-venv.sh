#!/usr/bin/env bash
# Build .venv-airflow, the one Airflow venv of the repository: the DAG tests and the local
# platform both run in it. Rebuilt only when the requirement set changes (a hash of it is
# stamped inside the venv), so a second run takes a moment. Installed by scripts/venv.sh (uv,
# pip as a fallback) from the requirements file, whose `-c` line applies the full lock
# (tests/dags/constraints-airflow.txt). Usage: bash scripts/airflow-venv.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-airflow
REQUIREMENTS=tests/dags/requirements-airflow.txt
# Everything that decides what gets installed; a change to any of them rebuilds the venv.
REQUIREMENT_SET=("$REQUIREMENTS" tests/dags/constraints-airflow.txt dags/requirements.txt)

# Python 3.10 to 3.12: $AIRFLOW_PYTHON, or one from PATH, or one uv downloads (scripts/airflow-python.sh).
PYTHON=$(bash scripts/airflow-python.sh)

stamp=$VENV/.requirements.sha256
wanted=$("$PYTHON" -c 'import hashlib, sys
h = hashlib.sha256(sys.version.encode())
for name in sys.argv[1:]:
    h.update(open(name, "rb").read())
print(h.hexdigest())' "${REQUIREMENT_SET[@]}")
if [[ -x $VENV/bin/python && -f $stamp && $(<"$stamp") == "$wanted" ]]; then
    echo "== $VENV is up to date"
else
    echo "== building $VENV (Airflow; with uv ~10-20 s, with pip a few minutes)"
    rm -rf "$VENV"
    PYTHON=$PYTHON bash scripts/venv.sh "$VENV" "$REQUIREMENTS"
    echo "$wanted" >"$stamp"  # written last: an interrupted install is redone next time
fi
