"""
### S3 ETL

Counts one day of events in the data lake bucket.

- **extract** reads the day's CSV files under `raw/events/date=<day>/` (column `event_type`);
- **transform** counts the events per type;
- **load** writes `curated/event_counts/date=<day>/counts.json`.

`<day>` is the start of the run's data interval, so running the same day again
overwrites the same object with the same content: reruns and backfills are safe.

The bucket is the Airflow Variable `data_bucket`; S3 access goes through the connection
`data_lake`, which holds no keys and so uses the task's IAM role. Both are read when the
tasks run, never when the file is parsed.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task
from airflow.timetables.interval import CronDataIntervalTimetable
from common.alerts import notify_failure

DATA_LAKE_CONN_ID = "data_lake"
RAW_PREFIX = "raw/events/date={day}/"
OUTPUT_KEY = "curated/event_counts/date={day}/counts.json"


@dag(
    dag_id="s3_etl",
    # Interval timetable: the run at midnight covers the previous day, whose date is
    # the start of the data interval.
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=1),
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": notify_failure,
    },
    tags=["example", "s3", "etl"],
    doc_md=__doc__,
)
def s3_etl():
    @task
    def extract(bucket: str, day: str) -> list[str]:
        """Return the `event_type` of every row in the day's raw CSV files."""
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        hook = S3Hook(aws_conn_id=DATA_LAKE_CONN_ID)
        keys = hook.list_keys(bucket_name=bucket, prefix=RAW_PREFIX.format(day=day)) or []
        event_types: list[str] = []
        for key in sorted(k for k in keys if k.endswith(".csv")):
            rows = csv.DictReader(io.StringIO(hook.read_key(key, bucket_name=bucket)))
            event_types.extend(row["event_type"] for row in rows)
        return event_types

    @task
    def transform(event_types: list[str]) -> dict[str, int]:
        """Count the events per type, sorted so the output is byte-for-byte stable."""
        return dict(sorted(Counter(event_types).items()))

    @task
    def load(counts: dict[str, int], bucket: str, day: str) -> str:
        """Write the counts for ``day``, replacing any earlier result for that day."""
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        key = OUTPUT_KEY.format(day=day)
        body = {"date": day, "total": sum(counts.values()), "by_type": counts}
        S3Hook(aws_conn_id=DATA_LAKE_CONN_ID).load_string(
            json.dumps(body, sort_keys=True), key=key, bucket_name=bucket, replace=True
        )
        return f"s3://{bucket}/{key}"

    # Jinja templates: rendered by the worker when the task runs.
    bucket = "{{ var.value.data_bucket }}"
    day = "{{ data_interval_start | ds }}"
    load(transform(extract(bucket, day)), bucket, day)


s3_etl()
