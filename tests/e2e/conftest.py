"""The state-migration end-to-end test: the dev-like and the prod-like local platforms, one
after the other (2 cores). `make e2e-state` sets STATE_E2E=1; a bare `pytest tests` skips it."""

import os

import tools.airflow_state  # noqa: F401  (puts dags/ on sys.path for common.airflow_state)

if not os.environ.get("STATE_E2E"):
    collect_ignore_glob = ["*"]
