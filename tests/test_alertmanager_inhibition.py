"""What a real Alertmanager (Debian's prometheus-alertmanager, bound to 127.0.0.1) does with the
program's config: info alerts stay away from people while InfoInhibitor fires beside them.
amtool's route test cannot say this: inhibition happens after routing."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from components.observability import alertmanager_config

TOPIC = "arn:aws:sns:us-east-1:111122223333:airflow-prod-alerts"
CHAT_TOPIC = "arn:aws:sns:us-east-1:111122223333:airflow-prod-alerts-chat"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read() or b"null")


@contextmanager
def alertmanager(tmp_path: Path, config: dict[str, Any]) -> Iterator[str]:
    """A real Alertmanager with `config`, on a free port of 127.0.0.1; yields its URL."""
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    assert binary, "Alertmanager is missing: install Debian package prometheus-alertmanager"
    (tmp_path / "alertmanager.yml").write_text(yaml.safe_dump(config))
    url = f"http://127.0.0.1:{_free_port()}"
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address={url.removeprefix('http://')}",
            "--cluster.listen-address=",
            "--log.level=error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                _get(f"{url}/api/v2/status")
                break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "Alertmanager did not start in 20 s"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def states(url: str, alerts: list[dict[str, str]]) -> dict[str, str]:
    """Post firing alerts (label sets) and return alertname -> state (active, suppressed)."""
    now = datetime.now(UTC)
    body = [
        {
            "labels": labels,
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(hours=1)).isoformat(),
        }
        for labels in alerts
    ]
    request = urllib.request.Request(
        f"{url}/api/v2/alerts",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).close()
    deadline = time.monotonic() + 30  # generous: CI machines run other suites beside this one
    while True:
        found = {
            a["labels"]["alertname"]: a["status"]["state"] for a in _get(f"{url}/api/v2/alerts")
        }
        if len(found) == len(alerts) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


ALERTS = [
    {"alertname": "InfoInhibitor", "severity": "none", "namespace": "airflow"},
    {"alertname": "KubeQuotaAlmostFull", "severity": "info", "namespace": "airflow"},
    {"alertname": "CPUThrottlingHigh", "severity": "info", "namespace": "monitoring"},
    {"alertname": "KubePodNotReady", "severity": "warning", "namespace": "airflow"},
]


def config() -> dict[str, Any]:
    return alertmanager_config(TOPIC, "us-east-1", "airflow-prod", chat_topic_arn=CHAT_TOPIC)


def test_info_alerts_are_inhibited_where_info_inhibitor_fires(tmp_path: Path) -> None:
    with alertmanager(tmp_path, config()) as url:
        found = states(url, ALERTS)
    assert found == {
        "InfoInhibitor": "active",  # routed to the null receiver (test_observability)
        "KubeQuotaAlmostFull": "suppressed",
        # InfoInhibitor fires per namespace: an info alert elsewhere is not covered by it.
        "CPUThrottlingHigh": "active",
        "KubePodNotReady": "active",
    }


def test_without_the_info_inhibitor_rule_info_alerts_reach_people(tmp_path: Path) -> None:
    broken = config()
    broken["inhibit_rules"] = [
        r
        for r in broken["inhibit_rules"]
        if r["source_matchers"] != ['alertname = "InfoInhibitor"']
    ]
    with alertmanager(tmp_path, broken) as url:
        assert states(url, ALERTS)["KubeQuotaAlmostFull"] == "active"
