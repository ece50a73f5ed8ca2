"""A real Alertmanager for tests (Debian's prometheus-alertmanager, bound to 127.0.0.1 on a
kernel-chosen port): post alerts, read back where each went and whether it was held back.
amtool's route test cannot say this: inhibition happens after routing."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml


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
    tmp_path.mkdir(parents=True, exist_ok=True)
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


def post(url: str, alerts: list[Mapping[str, str]], *, resolved: bool = False) -> None:
    """Post alerts (label sets), firing for an hour or, with `resolved`, ended now."""
    now = datetime.now(UTC)
    body = [
        {
            "labels": dict(labels),
            "startsAt": (now - timedelta(minutes=10)).isoformat(),
            "endsAt": (now if resolved else now + timedelta(hours=1)).isoformat(),
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


def outcomes(url: str, count: int, settle: float = 1.5) -> dict[str, tuple[str, tuple[str, ...]]]:
    """alertname -> (state: active | suppressed, receivers) of the firing alerts, once
    Alertmanager lists `count` of them, has judged each, and has not changed its judgement for
    `settle` seconds: its inhibitor learns of a new or resolved source alert a moment after
    the API took it, later still on a loaded machine."""
    deadline = time.monotonic() + 30  # generous: CI machines run other suites beside this one
    last: dict[str, tuple[str, tuple[str, ...]]] | None = None
    since = time.monotonic()
    while True:
        found = {
            a["labels"]["alertname"]: (
                a["status"]["state"],
                tuple(sorted(r["name"] for r in a["receivers"])),
            )
            for a in _get(f"{url}/api/v2/alerts?active=true&silenced=true&inhibited=true")
        }
        judged = len(found) == count and all(s != "unprocessed" for s, _ in found.values())
        if found != last:
            last, since = found, time.monotonic()
        elif judged and time.monotonic() - since >= settle:
            return found
        if time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def states(url: str, alerts: list[dict[str, str]]) -> dict[str, str]:
    """Post firing alerts (label sets) and return alertname -> state (active, suppressed)."""
    post(url, alerts)
    return {name: state for name, (state, _) in outcomes(url, len(alerts)).items()}


# kube-prometheus-stack's own rules that a waking cluster trips (nodes joining, pods pending).
CHART_ALERTS = [
    {"alertname": "KubePodNotReady", "severity": "warning", "namespace": "airflow"},
    {"alertname": "KubeDeploymentReplicasMismatch", "severity": "warning", "namespace": "airflow"},
    {"alertname": "KubeNodeNotReady", "severity": "warning"},
    {"alertname": "TargetDown", "severity": "warning", "namespace": "monitoring"},
]


def firing_alerts(groups: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One firing alert (its label set) for every alerting rule of Prometheus rule `groups`,
    as Prometheus sends it for the Airflow namespace."""
    return [
        {"alertname": rule["alert"], "namespace": "airflow", **rule.get("labels", {})}
        for group in groups
        for rule in group["rules"]
        if "alert" in rule
    ]
