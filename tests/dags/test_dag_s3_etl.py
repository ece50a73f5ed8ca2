"""s3_etl end to end in real Airflow against an in-memory S3 (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from airflow.utils.state import DagRunState
from moto import mock_aws

BUCKET = "test-data-lake"
# A manual run at 08:00 on 2 June covers the last complete day: 1 June.
LOGICAL_DATE = datetime(2025, 6, 2, 8, tzinfo=UTC)
OUTPUT_KEY = "curated/event_counts/date=2025-06-01/counts.json"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto S3 bucket, named by the data_bucket Variable, reached through data_lake."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        # As in Secrets Manager: no keys, so boto3's default chain (here: the env above).
        "AIRFLOW_CONN_DATA_LAKE": json.dumps({"conn_type": "aws"}),
        "AIRFLOW_VAR_DATA_BUCKET": BUCKET,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


def put(s3: Any, key: str, body: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())


def read_output(s3: Any) -> dict:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=OUTPUT_KEY)["Body"].read())


@pytest.mark.usefixtures("airflow_db")
def test_counts_one_day_and_reruns_idempotently(load_dag, s3: Any) -> None:
    put(s3, "raw/events/date=2025-06-01/part-0.csv", "event_type,user\nclick,a\nview,b\n")
    put(s3, "raw/events/date=2025-06-01/part-1.csv", "event_type,user\nclick,c\n")
    put(s3, "raw/events/date=2025-06-01/_SUCCESS", "")
    put(s3, "raw/events/date=2025-06-02/part-0.csv", "event_type,user\nbuy,d\n")

    first = load_dag("s3_etl").test(logical_date=LOGICAL_DATE)
    assert first.state == DagRunState.SUCCESS
    expected = {"date": "2025-06-01", "total": 3, "by_type": {"click": 2, "view": 1}}
    assert read_output(s3) == expected

    second = load_dag("s3_etl").test(logical_date=LOGICAL_DATE)
    assert second.state == DagRunState.SUCCESS
    assert read_output(s3) == expected
    outputs = s3.list_objects_v2(Bucket=BUCKET, Prefix="curated/")["Contents"]
    assert [o["Key"] for o in outputs] == [OUTPUT_KEY]


@pytest.mark.usefixtures("airflow_db")
def test_a_day_without_input_writes_zero_counts(load_dag, s3: Any) -> None:
    assert load_dag("s3_etl").test(logical_date=LOGICAL_DATE).state == DagRunState.SUCCESS
    assert read_output(s3) == {"date": "2025-06-01", "total": 0, "by_type": {}}
