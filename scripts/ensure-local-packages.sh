#!/usr/bin/env bash
# The Debian servers of the local platform (`make local`, `make e2e`): PostgreSQL, PgBouncer,
# Redis, and openssl for its throwaway CA. Installed with apt when a binary is missing and
# we may (root or sudo); a moment when they are there. Usage: bash scripts/ensure-local-packages.sh
set -euo pipefail

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
    compgen -G "${PROVIDES[$package]}" >/dev/null || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
    SUDO=""
elif command -v sudo >/dev/null; then
    SUDO="sudo"
else
    echo "error: install the Debian packages ${missing[*]} (apt-get)" >&2
    exit 1
fi
echo "== installing ${missing[*]} (apt)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
