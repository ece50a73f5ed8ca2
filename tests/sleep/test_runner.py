"""What tools/sleep reads from AWS: which state document a wake imports (against moto's S3)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from tools.sleep.__main__ import Runner, settings_of

BUCKET = "airflow-dev-data"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[Runner]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    runner = Runner(settings_of("dev"), "dev", say=lambda _: None)
    runner._outputs = {"dataBucket": BUCKET, "phase": "awake"}
    with mock_aws():
        boto3.client("s3", region_name=runner.settings.region).create_bucket(Bucket=BUCKET)
        yield runner


def put(runner: Runner, uri: str, runs: int) -> None:
    key = uri.removeprefix(f"s3://{BUCKET}/")
    body = json.dumps({"dag_runs": [{"run_id": f"run-{i}"} for i in range(runs)]})
    boto3.client("s3", region_name=runner.settings.region).put_object(
        Bucket=BUCKET, Key=key, Body=body
    )


def test_the_wake_imports_the_sleep_export_not_the_empty_environments_backup(
    runner: Runner,
) -> None:
    older = f"s3://{BUCKET}/airflow-state/sleep/2026-11-30T18-00-02Z/state.json"
    put(runner, older, runs=40)
    night = runner.export_location()  # where the sleep edge exported at the close
    put(runner, night, runs=41)
    # Written after the export: metadata_backup's document of the freshly created, still
    # empty environment (dags/metadata_backup.py), the newest state.json in the bucket.
    put(runner, f"s3://{BUCKET}/airflow-state/date=2099-01-01/state.json", runs=0)
    assert runner.newest_export() == night


def test_no_sleep_export_is_a_clear_error_even_with_backups_present(runner: Runner) -> None:
    from tools.sleep.__main__ import SleepError

    put(runner, f"s3://{BUCKET}/airflow-state/date=2026-12-08/state.json", runs=3)
    with pytest.raises(SleepError, match=r"no sleep export under s3://airflow-dev-data/"):
        runner.newest_export()
