"""What a real Alertmanager (Debian's prometheus-alertmanager, bound to 127.0.0.1) does with the
program's config: info alerts stay away from people while InfoInhibitor fires beside them; on
a stack that sleeps, every alert waits while the wake gate fires and reaches nobody while the
stack is waking (docs/sleep.md). amtool's route test cannot say this: inhibition happens after
routing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.observability import alertmanager_config
from components.observability.prometheus import WAKE_GATE, rule_groups
from tests.alertmanager import CHART_ALERTS, alertmanager, firing_alerts, outcomes, post, states

TOPIC = "arn:aws:sns:us-east-1:111122223333:airflow-prod-alerts"
CHAT_TOPIC = "arn:aws:sns:us-east-1:111122223333:airflow-prod-alerts-chat"


ALERTS = [
    {"alertname": "InfoInhibitor", "severity": "none", "namespace": "airflow"},
    {"alertname": "KubeQuotaAlmostFull", "severity": "info", "namespace": "airflow"},
    {"alertname": "CPUThrottlingHigh", "severity": "info", "namespace": "monitoring"},
    {"alertname": "KubePodNotReady", "severity": "warning", "namespace": "airflow"},
]


def config() -> dict[str, Any]:
    return alertmanager_config(TOPIC, "us-east-1", "airflow-prod", chat_topic_arn=CHAT_TOPIC)


@pytest.mark.integration
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


@pytest.mark.integration
def test_without_the_info_inhibitor_rule_info_alerts_reach_people(tmp_path: Path) -> None:
    broken = config()
    broken["inhibit_rules"] = [
        r
        for r in broken["inhibit_rules"]
        if r["source_matchers"] != ['alertname = "InfoInhibitor"']
    ]
    with alertmanager(tmp_path, broken) as url:
        assert states(url, ALERTS)["KubeQuotaAlmostFull"] == "active"


# ------------------------------------------------------------- a stack that sleeps


def paging_alerts() -> list[dict[str, str]]:
    """Every alert of monitoring/rules and those of the chart's that a wake trips."""
    return [
        alert
        for groups in rule_groups().values()
        for alert in firing_alerts(groups)
        if alert["alertname"] != WAKE_GATE
    ] + CHART_ALERTS


def gate() -> list[dict[str, str]]:
    (alert,) = firing_alerts(rule_groups(sleeps=True)["wake"])
    assert alert["alertname"] == WAKE_GATE
    return [alert]


def sleeping_config(*, waking: bool = False) -> dict[str, Any]:
    return alertmanager_config(
        TOPIC, "us-east-1", "airflow-staging", chat_topic_arn=CHAT_TOPIC, sleeps=True,
        waking=waking,
    )  # fmt: skip


@pytest.mark.integration
def test_every_paging_alert_waits_for_the_wake_gate_and_is_delivered_once_healthy(
    tmp_path: Path,
) -> None:
    alerts = paging_alerts()
    assert len(alerts) > 10
    with alertmanager(tmp_path / "by-day", config()) as url:
        post(url, alerts)
        by_day = outcomes(url, len(alerts))  # a stack that never sleeps
    with alertmanager(tmp_path / "wake", sleeping_config()) as url:
        post(url, gate() + alerts)
        held = outcomes(url, len(alerts) + 1)
        # The platform reports healthy: the gate resolves and what still fires reaches people.
        post(url, gate(), resolved=True)
        healthy = outcomes(url, len(alerts))
    assert held.pop(WAKE_GATE)[1] == ("null",)  # the gate itself reaches nobody
    assert {name: state for name, (state, _) in held.items()} == {
        a["alertname"]: "suppressed" for a in alerts
    }
    # Once healthy, people get what a stack that never sleeps sends them (the exporter's
    # outage stands for the Airflow alerts it explains, as by day).
    assert healthy == by_day
    assert by_day["AirflowStatsdExporterDown"] == ("active", ("sns",))
    assert by_day["KubeNodeNotReady"] == ("active", ("sns",))


@pytest.mark.integration
def test_waking_routes_every_alert_to_nobody(tmp_path: Path) -> None:
    alerts = paging_alerts()
    with alertmanager(tmp_path, sleeping_config(waking=True)) as url:
        post(url, alerts)  # even without the gate (Prometheus has not evaluated it yet)
        found = outcomes(url, len(alerts))
    assert {receivers for _, receivers in found.values()} == {("null",)}


def test_a_stack_that_never_sleeps_has_no_wake_gate() -> None:
    assert WAKE_GATE not in json.dumps(config())
    assert "wake" not in rule_groups()
    assert "wake" in rule_groups(sleeps=True)
