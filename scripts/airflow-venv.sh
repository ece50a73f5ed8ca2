#!/usr/bin/env bash
# Build .venv-airflow, the one Airflow venv of the repository: the DAG tests and the local
# platform both run in it. Rebuilt only when the requirement set changes (a hash of it is
# stamped inside the venv), so a second run takes a moment. Installed by scripts/venv.sh (uv,
# pip as a fallback) from the requirements file, whose `-c` line applies the full lock
# (tests/dags/constraints-airflow.txt). Usage: bash scripts/airflow-venv.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv-airflow
REQUIREMENTS=tests/dags/requirements-airflow.txt
# Everything that decides what gets installed; a change to any of them rebuilds the venv.
REQUIREMENT_SET=("$REQUIREMENTS" tests/dags/constraints-airflow.txt dags/requirements.txt)

# Airflow 3.3 needs Python >= 3.10; the lock was resolved on 3.11 against the constraints MWAA
# ships for Python 3.12, so 3.10 to 3.12.
"$PYTHON" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' || {
    echo "error: Airflow 3.3 with this lock needs Python 3.10 to 3.12; $PYTHON is $("$PYTHON" -V)" >&2
    exit 1
}

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
