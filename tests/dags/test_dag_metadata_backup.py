"""metadata_backup in real Airflow: it exports a real API server's state into (moto) S3 under
airflow-state/ and counts the backup in CloudWatch, the metric the 26-hour alarm watches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from airflow.utils.state import DagRunState
from api_server import USER, ApiServer
from moto import mock_aws

BUCKET = "test-data-bucket"
ENVIRONMENT = "airflow-test"
LOGICAL_DATE = datetime(2026, 11, 29, tzinfo=UTC)
KEY = "airflow-state/date=2026-11-29/state.json"
PLANTED = "planted-backup-secret-5e1d"


@pytest.fixture(scope="module")
def api_server() -> Iterator[ApiServer]:
    server = ApiServer(password="backup-test-pw").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, api_server: ApiServer) -> Iterator[Any]:
    """The EKS wiring (API URL, user, environment) and a moto data bucket."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AIRFLOW_VAR_DATA_BUCKET": BUCKET,
        "AIRFLOW_STATE_ENVIRONMENT": ENVIRONMENT,
        "AIRFLOW_STATE_API_URL": api_server.url,
        "AIRFLOW_STATE_USERNAME": USER,
        "AIRFLOW_STATE_PASSWORD": api_server.password,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AIRFLOW_ENV_NAME", raising=False)
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield boto3.client("s3")


@pytest.mark.usefixtures("airflow_db")
def test_backup_writes_the_state_and_counts_it(load_dag, aws: Any, api_server: ApiServer) -> None:
    from common.airflow_state import AirflowApi, HttpTransport

    api = AirflowApi(HttpTransport(api_server.url, USER, api_server.password))
    api.call("POST", "/pools", body={"name": "backup_pool", "slots": 2})
    api.call(
        "POST",
        "/connections",
        body={"connection_id": "c", "conn_type": "http", "password": PLANTED},
    )

    run = load_dag("metadata_backup").test(logical_date=LOGICAL_DATE)

    assert run.state == DagRunState.SUCCESS
    text = aws.get_object(Bucket=BUCKET, Key=KEY)["Body"].read().decode()
    doc = json.loads(text)
    assert "backup_pool" in {p["name"] for p in doc["pools"]}
    assert doc["source"] == f"backup:{ENVIRONMENT}"
    assert PLANTED not in text
    stats = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="AirflowState",
        MetricName="BackupsWritten",
        Dimensions=[{"Name": "Environment", "Value": ENVIRONMENT}],
        StartTime=datetime(2000, 1, 1, tzinfo=UTC),
        EndTime=datetime(2100, 1, 1, tzinfo=UTC),
        Period=86400,
        Statistics=["Sum"],
    )
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 1
