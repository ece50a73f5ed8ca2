#!/usr/bin/env bash
# Print the path of uv, the pinned installer the venvs are built with (scripts/venv.sh).
# It comes from PyPI like any package: installed once into .uv/<version>/ with pip, then
# reused. Exits non-zero (and scripts/venv.sh falls back to pip) when it cannot be had.
# UV=/path/to/uv uses that one instead; UV=none (or any missing file) means pip.
# Usage: uv=$(bash scripts/uv.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n ${UV:-} ]]; then
    [[ -x $UV ]] && echo "$UV"
    [[ -x $UV ]]
    exit
fi

UV_VERSION=0.13.9  # bump here; every venv build picks it up
PYTHON=${PYTHON:-python3}
dest=$PWD/.uv/$UV_VERSION/uv

if [[ ! -x $dest ]]; then
    echo "== installing uv $UV_VERSION into .uv/ (once)" >&2
    work=$(mktemp -d "${TMPDIR:-/tmp}/uv-bootstrap.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    "$PYTHON" -m venv "$work/venv" >&2
    "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "uv==$UV_VERSION" >&2
    # uv is one static binary: copy it out of the throwaway venv; the rename is atomic, so
    # builds started side by side never see half a file.
    mkdir -p "$(dirname "$dest")"
    cp "$work/venv/bin/uv" "$dest.$$"
    mv -f "$dest.$$" "$dest"
fi
echo "$dest"
