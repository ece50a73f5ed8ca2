#!/usr/bin/env bash
# promtool and amtool check the alert rules and the Alertmanager config in `make test`.
# They come from Debian's packages; install them when missing and we may (root or sudo).
set -euo pipefail
if command -v promtool >/dev/null && command -v amtool >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null; then
  SUDO="sudo"
else
  echo "error: promtool/amtool missing; install Debian packages prometheus prometheus-alertmanager" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null
# The packages start services on install; the tests need only the binaries.
$SUDO systemctl stop prometheus prometheus-alertmanager >/dev/null 2>&1 || true
command -v promtool >/dev/null && command -v amtool >/dev/null
