#!/usr/bin/env bash
# Create VENV if it is missing and install a requirements file into it (pins and `-c`
# constraints inside the file apply). With uv (scripts/uv.sh, pinned) when it can be had, a
# few times faster than pip on a fresh machine; with pip otherwise, and also when uv fails:
# uv does not read pip.conf, so a mirror or a certificate set up for pip alone works with
# pip. pip's settings from the environment are passed on to uv in uv's names. Either way
# the venv gets pip, so `VENV/bin/python -m pip` keeps working.
# Usage: bash scripts/venv.sh VENV REQUIREMENTS_FILE
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=$1
REQUIREMENTS=$2
PYTHON=${PYTHON:-python3}

if uv=$(bash scripts/uv.sh); then
    # Never download a Python of uv's own: the venv uses the machine's $PYTHON.
    export UV_PYTHON_DOWNLOADS=never
    [[ -n ${PIP_INDEX_URL:-} ]] && export UV_DEFAULT_INDEX=$PIP_INDEX_URL
    [[ -n ${PIP_EXTRA_INDEX_URL:-} ]] && export UV_INDEX=$PIP_EXTRA_INDEX_URL
    [[ -n ${PIP_FIND_LINKS:-} ]] && export UV_FIND_LINKS=$PIP_FIND_LINKS
    [[ -n ${PIP_CERT:-} ]] && export SSL_CERT_FILE=$PIP_CERT
    if { [[ -x $VENV/bin/python ]] || "$uv" venv --quiet --seed --python "$PYTHON" "$VENV"; } &&
        "$uv" pip install --quiet --python "$VENV/bin/python" -r "$REQUIREMENTS"; then
        exit 0
    fi
    echo "== uv could not install $REQUIREMENTS: retrying with pip (which reads pip.conf)" >&2
else
    echo "== uv unavailable: installing $REQUIREMENTS with pip (slower)" >&2
fi
[[ -x $VENV/bin/python ]] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
