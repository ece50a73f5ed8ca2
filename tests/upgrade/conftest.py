"""The upgrade rehearsal's tests. The module-level ones (report, pins, versions) run in the
unit suite. Those that run the pinned uv, Helm and real Airflow need what
`make upgrade-test-fast` builds (charts, .venv-airflow) and run there (UPGRADE_TESTS=1)."""

from __future__ import annotations

import os

collect_ignore_glob: list[str] = []
if os.environ.get("UPGRADE_TESTS") != "1":
    collect_ignore_glob += ["test_planted_*.py"]
