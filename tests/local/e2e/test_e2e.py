"""End to end on the prod-like local platform, only through Airflow's public REST API.

What a user cares about: runs succeed through the schedulers and the Celery worker, data
lands in the data bucket, task logs land in the task-log bucket and read back through the
API, a failing task alerts the alert topic, connections and variables come from Secrets
Manager.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from local.client import AirflowClient
from local.platform import Platform
from tests.local.e2e.conftest import alerts, assert_canary_ran_on_celery

RUN_TIMEOUT = 240
LOGICAL = "2026-01-15T00:00:00+00:00"
EVENTS = "event_type\nclick\nview\nclick\n"


@pytest.fixture(scope="module")
def etl_run(api: AirflowClient, aws: Any, platform: Platform) -> dict[str, Any]:
    """One s3_etl run over a day of events put in the data bucket beforehand."""
    s3 = aws("s3")
    # The run reads the day its data interval starts: the logical day or the one before.
    for day in ("2026-01-14", "2026-01-15"):
        s3.put_object(
            Bucket=platform.config.data_bucket,
            Key=f"raw/events/date={day}/part-0.csv",
            Body=EVENTS.encode(),
        )
    api.unpause("s3_etl")
    run = api.trigger("s3_etl", logical_date=LOGICAL)
    state = api.wait("s3_etl", run["dag_run_id"], RUN_TIMEOUT, fail_fast=True)
    return {**api.run("s3_etl", run["dag_run_id"]), "final_state": state}


@pytest.fixture(scope="module")
def canary_run(api: AirflowClient) -> dict[str, Any]:
    api.unpause("canary")
    run = api.trigger("canary")
    state = api.wait("canary", run["dag_run_id"], RUN_TIMEOUT, fail_fast=True)
    return {**run, "final_state": state}


def test_dags_load_without_import_errors(api: AirflowClient) -> None:
    dag_ids = {d["dag_id"] for d in api.get("/dags?limit=100")["dags"]}
    assert {"canary", "s3_etl", "failure_notification"} <= dag_ids
    assert api.get("/importErrors")["import_errors"] == []


def test_canary_succeeds_through_the_schedulers_and_the_celery_worker(
    api: AirflowClient, canary_run: dict[str, Any]
) -> None:
    assert_canary_ran_on_celery(api, canary_run)


def test_s3_etl_writes_the_days_counts_to_the_data_bucket(
    etl_run: dict[str, Any], aws: Any, platform: Platform
) -> None:
    assert etl_run["final_state"] == "success", f"s3_etl run ended {etl_run['final_state']}"
    day = etl_run["data_interval_start"][:10]
    key = f"curated/event_counts/date={day}/counts.json"
    body = aws("s3").get_object(Bucket=platform.config.data_bucket, Key=key)["Body"].read()
    assert json.loads(body) == {"date": day, "total": 3, "by_type": {"click": 2, "view": 1}}


def test_task_logs_are_in_the_log_bucket_and_readable_through_the_api(
    api: AirflowClient, canary_run: dict[str, Any], aws: Any, platform: Platform
) -> None:
    run_id = canary_run["dag_run_id"]
    listed = aws("s3").list_objects_v2(
        Bucket=platform.config.log_bucket, Prefix=f"logs/dag_id=canary/run_id={run_id}/"
    )
    keys = [o["Key"] for o in listed.get("Contents", [])]
    assert any("task_id=heartbeat" in k for k in keys), (
        f"no remote task log under s3://{platform.config.log_bucket}/logs/ for {run_id}: {keys}"
    )
    text = api.log("canary", run_id, "heartbeat")
    assert "Canary heartbeat" in text, f"task log through the API lacks the task's line: {text}"


def test_failure_callback_reaches_the_alert_and_chat_topics(
    api: AirflowClient, aws: Any, topic_queues: dict[str, str]
) -> None:
    api.unpause("failure_notification")
    run = api.trigger("failure_notification", conf={"fail": True})
    run_id = run["dag_run_id"]
    assert api.wait("failure_notification", run_id, RUN_TIMEOUT) == "failed"
    received: dict[str, list[str]] = {"alert": [], "chat": []}
    deadline = datetime.now() + timedelta(seconds=60)
    while datetime.now() < deadline and not all(
        any(run_id in m for m in messages) for messages in received.values()
    ):
        for role, url in topic_queues.items():
            received[role] += [a.get("Message", "") for a in alerts(aws, url)]
    alert = [m for m in received["alert"] if run_id in m]
    assert alert, f"no alert for run {run_id} on the alert topic: {received['alert']}"
    assert "DAG: failure_notification" in alert[0] and "Task: maybe_fail" in alert[0]
    chat = [json.loads(m) for m in received["chat"] if run_id in m]
    assert chat, f"no chat notification for run {run_id} on the chat topic: {received['chat']}"
    assert chat[0]["source"] == "custom" and chat[0]["version"] == "1.0", chat[0]


def test_connection_and_variable_come_from_secrets_manager(
    api: AirflowClient, etl_run: dict[str, Any]
) -> None:
    # s3_etl read the data_bucket variable and the data_lake connection and succeeded...
    assert etl_run["final_state"] == "success"
    # ...while the metadata database holds neither.
    assert api.get("/connections")["total_entries"] == 0
    assert api.get("/variables")["total_entries"] == 0
