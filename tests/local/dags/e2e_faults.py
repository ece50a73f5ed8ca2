"""
### e2e_slow

A task that takes a while, for the fault tests of `make e2e` (tests/local/e2e): it sleeps
`seconds`, then records its completion as one S3 object per try under
`e2e/completions/<run_id>/`, so a test can tell that exactly one try ran to completion.
Loaded only on the local platform's test runs (a DAG bundle of its own), never on AWS.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task


@dag(
    dag_id="e2e_slow",
    schedule=None,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=8,
    default_args={"owner": "platform", "retries": 1, "retry_delay": timedelta(seconds=5)},
    params={"seconds": Param(5, type="integer")},
    tags=["e2e"],
    doc_md=__doc__,
)
def e2e_slow():
    @task
    def work(params: dict | None = None, run_id: str | None = None, ti=None) -> int:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
        from airflow.sdk import Variable

        seconds = int((params or {}).get("seconds", 5))
        time.sleep(seconds)
        S3Hook(aws_conn_id="data_lake").load_string(
            str(ti.try_number),
            key=f"e2e/completions/{run_id}/try-{ti.try_number}",
            bucket_name=Variable.get("data_bucket"),
            replace=True,
        )
        return seconds

    work()


e2e_slow()
