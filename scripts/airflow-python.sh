#!/usr/bin/env bash
# Print the Python that .venv-airflow is built with. Airflow 3.3 with this lock needs 3.10 to
# 3.12 (resolved on 3.11 against the constraints MWAA ships for 3.12), and Debian 13's python3
# is 3.13. In order: $AIRFLOW_PYTHON when set (refused if it does not fit); python3 when it fits;
# python3.12, python3.11, python3.10 from PATH; else a CPython 3.12 that uv downloads
# (python-build-standalone, from GitHub) into .uv/python/, for this venv only. Fails with one
# line when none can be had. Usage: python=$(bash scripts/airflow-python.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

fits() { "$1" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; }

if [[ -n ${AIRFLOW_PYTHON:-} ]]; then
    if fits "$AIRFLOW_PYTHON"; then
        echo "$AIRFLOW_PYTHON"
        exit
    fi
    echo "error: .venv-airflow needs Python 3.10 to 3.12; AIRFLOW_PYTHON=$AIRFLOW_PYTHON is $("$AIRFLOW_PYTHON" -V 2>&1)" >&2
    exit 1
fi
for candidate in python3 python3.12 python3.11 python3.10; do
    if command -v "$candidate" >/dev/null && fits "$candidate"; then
        command -v "$candidate"
        exit
    fi
done
if uv=$(bash scripts/uv.sh); then
    export UV_PYTHON_INSTALL_DIR=$PWD/.uv/python UV_PYTHON_DOWNLOADS=automatic
    if "$uv" python install --quiet 3.12 >&2 &&
        found=$("$uv" python find --managed-python 3.12); then
        echo "$found"
        exit
    fi
fi
echo "error: .venv-airflow needs Python 3.10 to 3.12: none on PATH and uv could not download" \
    "one; install python3.12, 3.11 or 3.10 with its venv module (Debian/Ubuntu: python3.X-venv)" >&2
exit 1
