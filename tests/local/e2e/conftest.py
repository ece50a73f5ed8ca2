"""The prod-like local platform for the end-to-end tests, started once per session.

`make e2e` sets LOCAL_E2E=1; the unit suite (`pytest tests`) skips this folder. Ports and
the state directory are per run so parallel platforms don't meet: E2E_PORT_BASE (servers on
base+1..base+6, the API on E2E_PORT or base; by default the first free block from 18100) and
E2E_STATE (a fresh temporary directory). The platform runs FAST_TEST_TUNING (local/config.py)
on top of the program's configuration, and the test DAGs in tests/local/dags as a bundle of
their own.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local import platform as local_platform
from local.client import AirflowClient
from local.platform import Platform, aws_client
from tests.local.guard import (
    assert_listens_on_loopback_only,
    assert_nothing_survives,
    platform_processes,
    sigterm_stops_the_session,
)
from tests.monitoring.statsd_capture import parse_line

TEST_DAGS = Path(__file__).resolve().parents[1] / "dags"

if os.environ.get("LOCAL_E2E") != "1":
    collect_ignore_glob = ["*"]


class StatsdListener:
    """A UDP statsd receiver on 127.0.0.1: collects every metric name it is sent, and each
    name with its statsd type as `name|type` (c, g, ms...)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.5)
        self.names: set[str] = set()
        self.typed: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65535)
            except TimeoutError:
                continue
            for line in data.decode(errors="replace").splitlines():
                parsed = parse_line(line)
                if parsed:
                    self.names.add(parsed[0])
                    self.typed.add("|".join(parsed))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _free(port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


@pytest.fixture(scope="session")
def e2e_ports() -> tuple[int, int]:
    """(API port, server base): E2E_PORT / E2E_PORT_BASE, else the first block of seven free
    ports from 18100 up in steps of 10 (the API on the block's first port)."""
    if os.environ.get("E2E_PORT_BASE"):
        base = int(os.environ["E2E_PORT_BASE"])
        return int(os.environ.get("E2E_PORT") or base), base
    for base in range(18100, 19000, 10):
        if all(_free(base + i) for i in range(7)):
            return base, base
    raise RuntimeError("no seven free ports between 18100 and 18999")


@pytest.fixture(scope="session")
def statsd(e2e_ports: tuple[int, int]) -> Iterator[StatsdListener]:
    # The platform sends statsd to port base+5 (local.platform.choose_ports).
    listener = StatsdListener(e2e_ports[1] + 5)
    yield listener
    listener.close()


@pytest.fixture(scope="session")
def platform(e2e_ports: tuple[int, int], statsd: StatsdListener) -> Iterator[Platform]:
    state = Path(os.environ.get("E2E_STATE") or tempfile.mkdtemp(prefix="airflow-e2e-"))
    port, base = e2e_ports
    with sigterm_stops_the_session():
        try:
            started = local_platform.start(
                "prod", port=port, state=state, port_base=base, fast=True,
                extra_dags=(TEST_DAGS,),
            )  # fmt: skip
            assert_listens_on_loopback_only(state)
            yield started
        finally:
            processes = platform_processes(state)
            local_platform.stop(state)  # also when the start failed: nothing left behind
        assert_nothing_survives(processes)


@pytest.fixture(scope="session")
def api(platform: Platform) -> AirflowClient:
    client = platform.client()
    assert isinstance(client, AirflowClient)
    return client


def assert_canary_ran_on_celery(api: AirflowClient, run: dict[str, Any]) -> None:
    """canary's run succeeded, both its tasks run by a Celery worker (a worker queue and a
    hostname), not by dag.test() in the test's process."""
    assert run["final_state"] == "success", f"canary run ended {run['final_state']}"
    tis = api.task_instances("canary", run["dag_run_id"])
    assert {ti["task_id"]: ti["state"] for ti in tis} == {
        "heartbeat": "success",
        "check": "success",
    }
    for ti in tis:
        assert ti["executor"] in (None, "CeleryExecutor") and ti["hostname"], ti


@pytest.fixture(scope="session")
def aws(platform: Platform) -> Any:
    """botocore clients for the platform's moto server: aws("s3") ..."""

    def make(service: str) -> Any:
        return aws_client(service, platform.ports.moto, platform.config.region)

    return make


@pytest.fixture(scope="session")
def topic_queues(platform: Platform, aws: Any) -> dict[str, str]:
    """An SQS queue subscribed to the alert topic and one to the chat topic (what an on-call
    tool and AWS Chatbot would be): topic role -> queue URL."""
    sqs, sns = aws("sqs"), aws("sns")
    queues = {}
    for role, topic_arn in (
        ("alert", platform.config.alert_topic_arn),
        ("chat", platform.config.chat_topic_arn),
    ):
        url = sqs.create_queue(QueueName=f"e2e-{role}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
        queues[role] = str(url)
    return queues


def alerts(aws: Any, queue_url: str) -> list[dict[str, Any]]:
    """SNS envelopes waiting in the queue."""
    sqs = aws("sqs")
    found = []
    for _ in range(5):
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in batch.get("Messages", []):
            found.append(json.loads(message["Body"]))
        if not batch.get("Messages"):
            break
    return found
