"""End to end on the dev-like (MWAA-like) local platform, only through the REST API.

The platform runs the MWAA environment's `airflow_configuration_options` from the program
plus MWAA's class defaults (local/config.py). A user sees: `canary` and `s3_etl` succeed
through the schedulers and the Celery worker, the data lands in the data bucket, task logs
read back through the API, the connection and variable come from Secrets Manager, and the
configuration MWAA would run with is the one in effect.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.mwaa import airflow_options
from components.settings import Settings
from local.client import AirflowClient
from local.config import FAST_TEST_TUNING, MWAA_WORKER_AUTOSCALE
from local.platform import Platform
from tests.local.e2e.conftest import assert_canary_ran_on_celery

RUN_TIMEOUT = 180
# Options Airflow 3.3 masks in `GET /config` even with expose_config on (configuration.py's
# sensitive values): only their presence is readable; their effect is tested elsewhere.
MASK = "< hidden >"
MASKED = {"secrets.backend_kwargs": "test_connection_and_variable_come_from_secrets_manager"}
LOGICAL = "2026-01-15T00:00:00+00:00"
EVENTS = "event_type\nclick\nview\nclick\n"


@pytest.fixture(scope="module")
def runs(api: AirflowClient, aws: Any, platform: Platform) -> dict[str, dict[str, Any]]:
    """One canary run and one s3_etl run over a day of events, triggered together."""
    s3 = aws("s3")
    # The run reads the day its data interval starts: the logical day or the one before.
    for day in ("2026-01-14", "2026-01-15"):
        s3.put_object(
            Bucket=platform.config.data_bucket,
            Key=f"raw/events/date={day}/part-0.csv",
            Body=EVENTS.encode(),
        )
    triggered = {}
    for dag_id, logical in (("canary", None), ("s3_etl", LOGICAL)):
        api.unpause(dag_id)
        triggered[dag_id] = api.trigger(dag_id, logical_date=logical)["dag_run_id"]
    return {
        dag_id: {
            **api.run(dag_id, run_id),
            "final_state": api.wait(dag_id, run_id, RUN_TIMEOUT, fail_fast=True),
        }
        for dag_id, run_id in triggered.items()
    }


def test_canary_succeeds_through_the_celery_worker(
    api: AirflowClient, runs: dict[str, dict[str, Any]]
) -> None:
    assert_canary_ran_on_celery(api, runs["canary"])


def test_s3_etl_writes_the_days_counts_to_the_data_bucket(
    runs: dict[str, dict[str, Any]], aws: Any, platform: Platform
) -> None:
    run = runs["s3_etl"]
    assert run["final_state"] == "success", f"s3_etl run ended {run['final_state']}"
    day = run["data_interval_start"][:10]
    key = f"curated/event_counts/date={day}/counts.json"
    body = aws("s3").get_object(Bucket=platform.config.data_bucket, Key=key)["Body"].read()
    assert json.loads(body) == {"date": day, "total": 3, "by_type": {"click": 2, "view": 1}}


def test_task_logs_are_readable_through_the_api(
    api: AirflowClient, runs: dict[str, dict[str, Any]]
) -> None:
    # On MWAA they go to CloudWatch; locally they stay on disk, served by the API server.
    text = api.log("canary", runs["canary"]["dag_run_id"], "heartbeat")
    assert "Canary heartbeat" in text, f"task log through the API lacks the task's line: {text}"


def test_connection_and_variable_come_from_secrets_manager(
    api: AirflowClient, runs: dict[str, dict[str, Any]]
) -> None:
    # s3_etl read the data_bucket variable and the data_lake connection and succeeded...
    assert runs["s3_etl"]["final_state"] == "success"
    # ...while the metadata database holds neither.
    assert api.get("/connections")["total_entries"] == 0
    assert api.get("/variables")["total_entries"] == 0


def test_mwaa_configuration_is_in_effect(api: AirflowClient, settings: Settings) -> None:
    """The program's airflow_configuration_options and MWAA's class defaults, as Airflow
    reports its effective configuration."""
    config = api.get("/config")
    effective = {
        f"{section['name']}.{option['key']}": option["value"]
        for section in config["sections"]
        for option in section["options"]
    }
    expected = {
        **airflow_options(settings.airflow),
        "celery.worker_autoscale": MWAA_WORKER_AUTOSCALE[settings.mwaa.environment_class],
    }
    # The end-to-end run shortens some intervals on purpose (FAST_TEST_TUNING, e.g. the
    # program's 120 s parse interval): those are in effect with the test's value.
    expected.update({k: v for k, v in FAST_TEST_TUNING.items() if k in expected})
    wrong = {
        k: (effective.get(k), v)
        for k, v in expected.items()
        if effective.get(k) != (MASK if k in MASKED else v)
    }
    assert not wrong, f"option: (in effect, MWAA's) {wrong}"
    # Their effect: no example DAGs, and MWAA's scheduler count for the stack.
    dag_ids = {d["dag_id"] for d in api.get("/dags?limit=100")["dags"]}
    assert not {d for d in dag_ids if d.startswith("example_")}, dag_ids
    jobs = api.get("/jobs?job_type=SchedulerJob&is_alive=true&limit=100")["jobs"]
    assert len(jobs) == settings.mwaa.schedulers, f"alive scheduler jobs: {jobs}"
