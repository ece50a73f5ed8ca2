"""
### bench_tasks

200 short independent tasks, for `make bench-local` (tests/local/bench.py): throughput and
the delay from queued to running. Loaded only on the local platform's benchmark runs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import dag, task

TASKS = 200


@dag(
    dag_id="bench_tasks",
    schedule=None,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "platform", "retries": 0},
    tags=["benchmark"],
    doc_md=__doc__,
)
def bench_tasks():
    for i in range(TASKS):

        @task(task_id=f"t{i:03d}")
        def noop() -> None:
            return None

        noop()


bench_tasks()
