"""
### state_hourly

A scheduled DAG for the state-migration test (tests/e2e, `make e2e-state`): hourly, with
catchup, from `STATE_E2E_START` (a whole hour, a few hours back, which the test sets for both
platforms). The dev-like platform's scheduler therefore creates one run per hour since then at
once; the test migrates them and checks that the prod-like platform's scheduler continues
after the last of them, creating nothing for a migrated hour and nothing before them.
Loaded only by that test (a DAG bundle of its own), never on AWS.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import dag, task

START_ENV = "STATE_E2E_START"


def _start() -> datetime:
    # Read from the environment, not computed from the clock: a start_date that moved with
    # every parse would move the schedule too. Unset, the DAG never runs (no catchup flood).
    return datetime.fromisoformat(os.environ.get(START_ENV, "2100-01-01T00:00:00+00:00"))


@dag(
    dag_id="state_hourly",
    schedule="@hourly",
    start_date=_start(),
    catchup=True,
    max_active_runs=8,
    default_args={"owner": "platform", "retries": 0, "execution_timeout": timedelta(minutes=1)},
    tags=["e2e"],
    doc_md=__doc__,
)
def state_hourly():
    @task
    def tick(logical_date: datetime | None = None) -> str:
        """Prove the run executed: its logical date as the task's XCom."""
        return str(logical_date)

    tick()


state_hourly()
