"""The upgrade rehearsal's tests. The module-level ones (report, pins, versions) run in the
unit suite. Those that run the pinned uv, Helm and real Airflow need what
`make upgrade-test-fast` builds (charts, .venv-airflow) and run there (UPGRADE_TESTS=1); the
planted migration failure starts the local platform and runs in `make upgrade-test-migration`
(UPGRADE_TESTS=migration)."""

from __future__ import annotations

import os

WANTED = os.environ.get("UPGRADE_TESTS", "")
collect_ignore_glob: list[str] = []
if WANTED != "1":
    collect_ignore_glob += ["test_planted_failures.py"]
if WANTED != "migration":
    collect_ignore_glob += ["test_planted_migration_failure.py"]
