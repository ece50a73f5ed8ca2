#!/usr/bin/env bash
# The sign-in end-to-end test (`make e2e-sign-in`) drives the system's headless Chromium
# through Selenium: Debian's chromium and chromium-driver, installed when missing and we may
# (root or sudo). Selenium and the test OpenID Connect provider (oidc-provider-mock) are
# Python packages of .venv (requirements-dev.txt).
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null; then
  SUDO="sudo"
else
  echo "error: chromium/chromedriver missing; install Debian packages chromium chromium-driver" >&2
  exit 1
fi
echo "== installing chromium chromium-driver (apt)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
