"""Faults on the running platform, nothing lost: a scheduler SIGKILLed, the Celery worker
killed mid-task, Redis and PgBouncer restarted mid-run. Each fault has its own test and
assertion; the platform is healthy again after each one (the next test relies on it)."""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from local.client import AirflowClient
from local.platform import (
    Platform,
    Supervisor,
    healthy,
    start_airflow_process,
    start_pgbouncer,
    start_redis,
    worker_ready,
)
from local.platform import _secrets as platform_secrets

SLOW = "e2e_slow"
TIMEOUT = 300


@pytest.fixture(scope="module")
def sup(platform: Platform, api: AirflowClient) -> Supervisor:
    api.unpause(SLOW)
    return Supervisor(platform.state)


def _wait_running(api: AirflowClient, run_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [ti["state"] for ti in api.task_instances(SLOW, run_id)]
        if "running" in states:
            return
        time.sleep(1)
    raise AssertionError(f"{SLOW} run {run_id} never started running (states {states})")


def _completions(aws: Any, platform: Platform, run_id: str) -> list[str]:
    listed = aws("s3").list_objects_v2(
        Bucket=platform.config.data_bucket, Prefix=f"e2e/completions/{run_id}/"
    )
    return sorted(o["Key"].rsplit("/", 1)[1] for o in listed.get("Contents", []))


def _healthy_again(platform: Platform, sup: Supervisor) -> None:
    deadline = time.monotonic() + 120
    parts = ["metadatabase", "scheduler", "triggerer", "dag_processor"]
    while time.monotonic() < deadline:
        if healthy(platform.api_url, parts) and all(sup.running().values()):
            return
        time.sleep(1)
    raise AssertionError(f"platform not healthy after the fault: {sup.running()}")


def test_a_scheduler_killed_mid_run_loses_no_run(
    api: AirflowClient, platform: Platform, sup: Supervisor
) -> None:
    runs = [api.trigger(SLOW, conf={"seconds": 8})["dag_run_id"] for _ in range(4)]
    _wait_running(api, runs[0])
    sup.signal("scheduler-1", signal.SIGKILL)
    try:
        states = {run: api.wait(SLOW, run, TIMEOUT) for run in runs}
    finally:
        start_airflow_process(sup, platform.config, "scheduler-1")
    assert set(states.values()) == {"success"}, (
        f"after SIGKILL of scheduler-1, the other scheduler should finish every run: {states}"
    )
    _healthy_again(platform, sup)


def test_a_worker_killed_mid_task_retries_and_completes_once(
    api: AirflowClient, platform: Platform, sup: Supervisor, aws: Any
) -> None:
    run = api.trigger(SLOW, conf={"seconds": 25})["dag_run_id"]
    _wait_running(api, run)
    sup.signal("worker", signal.SIGKILL)  # the worker and its task processes, like a lost pod
    time.sleep(3)
    offset = start_airflow_process(sup, platform.config, "worker")
    state = api.wait(SLOW, run, TIMEOUT)
    (ti,) = api.task_instances(SLOW, run)
    assert state == "success" and ti["state"] == "success", (
        f"the task killed with its worker should succeed on retry: run {state}, task {ti}"
    )
    assert ti["try_number"] == 2, f"expected the retry to finish it, got try {ti['try_number']}"
    assert _completions(aws, platform, run) == ["try-2"], (
        "exactly one try may run to completion (the killed one must not finish behind our back)"
    )
    deadline = time.monotonic() + 60
    while not worker_ready(sup, offset) and time.monotonic() < deadline:
        time.sleep(1)
    _healthy_again(platform, sup)


def test_redis_and_pgbouncer_restarted_mid_run_recover(
    api: AirflowClient, platform: Platform, sup: Supervisor
) -> None:
    runs = [api.trigger(SLOW, conf={"seconds": 10})["dag_run_id"] for _ in range(3)]
    _wait_running(api, runs[0])
    sup.stop("redis")
    start_redis(sup, platform.ports, platform_secrets(platform.state))
    sup.stop("pgbouncer")
    start_pgbouncer(sup)
    late = api.trigger(SLOW, conf={"seconds": 1})["dag_run_id"]  # queued after the restarts
    states = {run: api.wait(SLOW, run, TIMEOUT) for run in [*runs, late]}
    assert set(states.values()) == {"success"}, (
        f"runs across a Redis and a PgBouncer restart should all succeed: {states}"
    )
    _healthy_again(platform, sup)
