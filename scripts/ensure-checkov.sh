#!/usr/bin/env bash
# checkov (PyPI, pinned in requirements-checkov.txt) in its own venv, .venv-checkov: its many
# dependency pins must not fight the Pulumi venv's. uv first, pip as the fallback (scripts/venv.sh).
#
#   scripts/ensure-checkov.sh    prints the path of the checkov command
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-checkov
STAMP=$VENV/.installed
if [[ ! -f $STAMP || requirements-checkov.txt -nt $STAMP ]]; then
    bash scripts/venv.sh "$VENV" requirements-checkov.txt >&2
    touch "$STAMP"
fi
echo "$PWD/$VENV/bin/checkov"
