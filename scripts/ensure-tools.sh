#!/usr/bin/env bash
# promtool and amtool check the alert rules and the Alertmanager config in `make test`.
# They come from Debian's packages; install them when missing and we may (root or sudo).
set -euo pipefail
if command -v promtool >/dev/null && command -v amtool >/dev/null; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" promtool/amtool prometheus prometheus-alertmanager
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# The packages start services on install; the tests need only the binaries.
$SUDO systemctl stop prometheus prometheus-alertmanager >/dev/null 2>&1 || true
command -v promtool >/dev/null && command -v amtool >/dev/null
