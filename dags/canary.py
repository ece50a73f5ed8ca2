"""
### Canary

Proves every ten minutes that the platform works end to end: the scheduler creates a
run, a worker executes `heartbeat`, its log line reaches the task log, its XCom reaches
`check` on the same or another worker.

It touches no external system, so a failure here is the platform, not a data source.
Observability alarms when DAGs tagged `canary` stop succeeding; do not pause this DAG.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task
from common.alerts import notify_failure

log = logging.getLogger(__name__)

# A heartbeat older than this did not travel from one task to the next in time.
MAX_HEARTBEAT_AGE = timedelta(minutes=5)


@dag(
    dag_id="canary",
    schedule="*/10 * * * *",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=8),
    default_args={
        "owner": "platform",
        "retries": 1,
        "retry_delay": timedelta(seconds=30),
        "execution_timeout": timedelta(minutes=2),
        "on_failure_callback": notify_failure,
    },
    tags=["canary", "platform"],
    doc_md=__doc__,
)
def canary():
    @task
    def heartbeat(run_id: str | None = None) -> dict[str, str]:
        """Log a line and return a small payload for the next task."""
        payload = {
            "run_id": str(run_id),
            "worker": socket.gethostname(),
            "emitted_at": datetime.now(UTC).isoformat(),
        }
        log.info("Canary heartbeat: %s", payload)
        return payload

    @task
    def check(payload: dict[str, str], run_id: str | None = None) -> None:
        """Fail unless the heartbeat of this very run arrived, and recently."""
        if payload["run_id"] != str(run_id):
            raise ValueError(f"Heartbeat belongs to run {payload['run_id']}, not {run_id}")
        age = datetime.now(UTC) - datetime.fromisoformat(payload["emitted_at"])
        if age > MAX_HEARTBEAT_AGE:
            raise ValueError(f"Heartbeat is {age} old, more than {MAX_HEARTBEAT_AGE}")
        log.info("Canary healthy: heartbeat from %s, %s old", payload["worker"], age)

    check(heartbeat())


canary()
