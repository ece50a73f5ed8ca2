#!/usr/bin/env bash
# The sign-in end-to-end test (`make e2e-sign-in`) drives the system's headless Chromium
# through Selenium: Debian's chromium and chromium-driver, installed when missing and we may
# (root or sudo). Selenium and the test OpenID Connect provider (oidc-provider-mock) are
# Python packages of .venv (requirements-dev.txt).
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" chromium/chromedriver chromium chromium-driver
command -v chromium >/dev/null && command -v chromedriver >/dev/null
