#!/usr/bin/env bash
# The Debian servers of the local platform (`make local`, `make e2e`): PostgreSQL, PgBouncer,
# Redis, and openssl for its throwaway CA. Installed with apt when a binary is missing and
# we may (root or sudo); a moment when they are there. The packages' own system services are
# stopped and disabled after the install. Usage: bash scripts/ensure-local-packages.sh
# (ROOT=DIR looks for the files, and for systemd, under DIR: for the tests.)
set -euo pipefail
ROOT=${ROOT:-}

# package -> a file it installs (PostgreSQL's binaries live under a versioned folder)
declare -A PROVIDES=(
    [postgresql]="/usr/lib/postgresql/*/bin/postgres"
    [pgbouncer]=/usr/sbin/pgbouncer
    [redis-server]=/usr/bin/redis-server
    [openssl]=/usr/bin/openssl
)
missing=()
for package in "${!PROVIDES[@]}"; do
    # shellcheck disable=SC2086  # the glob is meant to expand
    compgen -G "$ROOT${PROVIDES[$package]}" >/dev/null || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

bash "$(dirname "$0")/apt-install.sh" "the local platform's servers" "${missing[@]}"
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
# On install apt starts and enables each server's system service (PostgreSQL 5432, PgBouncer
# 6432, Redis 6379, on every boot): the platform runs servers of its own on its own ports, so
# those just installed are stopped and disabled, as scripts/ensure-tools.sh does for Prometheus.
services=()
for package in "${missing[@]}"; do
    [[ $package == openssl ]] || services+=("$package")
done
if [[ ${#services[@]} -gt 0 && -d $ROOT/run/systemd/system ]]; then
    $SUDO systemctl disable --now "${services[@]}" >/dev/null 2>&1 || true
fi
