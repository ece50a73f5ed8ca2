#!/usr/bin/env bash
# Install Debian packages with apt when we may (root, or sudo), one line of error otherwise.
# Usage: bash scripts/apt-install.sh WHAT PACKAGE...   (WHAT: what is missing, for the error)
# The scripts/ensure-*.sh that need a Debian package call it once they know one is missing.
set -euo pipefail
what=$1
shift
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null; then
  SUDO="sudo"
else
  echo "error: $what missing; install the Debian packages $*" >&2
  exit 1
fi
echo "== installing $* (apt)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
