#!/usr/bin/env bash
# Create VENV if it is missing and install a requirements file into it (pins and `-c`
# constraints inside the file apply). With uv (scripts/uv.sh, pinned) when it can be had, a
# few times faster than pip on a fresh machine; with pip otherwise. Either way the venv
# gets pip, so `VENV/bin/python -m pip` keeps working.
# Usage: bash scripts/venv.sh VENV REQUIREMENTS_FILE
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=$1
REQUIREMENTS=$2
PYTHON=${PYTHON:-python3}

if uv=$(bash scripts/uv.sh); then
    # Never download a Python of uv's own: the venv uses the machine's $PYTHON.
    export UV_PYTHON_DOWNLOADS=never
    [[ -x $VENV/bin/python ]] || "$uv" venv --quiet --seed --python "$PYTHON" "$VENV"
    "$uv" pip install --quiet --python "$VENV/bin/python" -r "$REQUIREMENTS"
else
    echo "== uv unavailable: installing $REQUIREMENTS with pip (slower)" >&2
    [[ -x $VENV/bin/python ]] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
fi
