"""Whole stacks asleep, waking and awake (docs/sleep.md): what goes, what stays, and that
nothing pages people until the platform is back."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from components.observability.prometheus import WAKE_GATE
from tests.alertmanager import CHART_ALERTS, alertmanager, firing_alerts, outcomes, post
from tests.conftest import plan_of
from tests.eventbridge import matches
from tools import plan as planner
from tools.mocks import ACCOUNT_ID

# Dev's shipped schedule: Mon-Fri 07:00-19:00 Europe/Berlin (Pulumi.dev.yaml).
AWAKE = "2026-12-09T11:00:00Z"  # Wednesday 12:00 Berlin
WAKING = "2026-12-09T05:30:00Z"  # 06:30 Berlin: MWAA is being created
ASLEEP = "2026-12-09T23:00:00Z"  # midnight Berlin
EKS_WAKING = "2026-12-09T05:50:00Z"  # 06:50 Berlin (EKS wakes 20 minutes early)
STAGING = {"airflow:awakeHours": "Mon-Fri 07:00-19:00", "airflow:timezone": "Europe/Berlin",
           "airflow:sleepWhileProtected": "true"}  # fmt: skip

# All that may go while asleep: what only serves the running platform and bills by the hour,
# by type and name (after "airflow-<stack>-"). Anything else the awake stack declares must
# stay, so a new data-holding resource is kept without being listed anywhere.
MAY_GO_ASLEEP = {
    "mwaa": {
        ("aws:mwaa/environment:Environment", "environment"),
        ("aws:ec2/natGateway:NatGateway", "nat-[0-9]"),
        ("aws:ec2/eip:Eip", "nat-eip-[0-9]"),
        ("aws:ec2/vpcEndpoint:VpcEndpoint", "airflow-env-endpoint"),
        ("aws:ec2/securityGroup:SecurityGroup", "endpoints-sg"),
        ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "endpoints-https"),
    },
    "eks": {
        ("aws:ec2/natGateway:NatGateway", "nat-[0-9]"),
        ("aws:ec2/eip:Eip", "nat-eip-[0-9]"),
    },
}
# What only serves the running platform and bills by the hour.
GONE_ASLEEP = ("aws:mwaa/environment:Environment", "aws:ec2/natGateway:NatGateway",
               "aws:ec2/eip:Eip")  # fmt: skip


def graph(stack: str, when: str, overrides: tuple[tuple[str, str], ...] = ()) -> planner.Plan:
    return plan_of(stack, dict(overrides), when)


def of_type(plan: planner.Plan, token: str) -> list[dict[str, Any]]:
    return [r for r in plan.resources() if r["type"] == token]


def interface_endpoints(plan: planner.Plan) -> list[str]:
    return [
        r["name"]
        for r in of_type(plan, "aws:ec2/vpcEndpoint:VpcEndpoint")
        if r["inputs"].get("vpcEndpointType") == "Interface"
    ]


def test_dev_asleep_declares_no_environment_nat_or_interface_endpoint() -> None:
    awake, asleep = graph("dev", AWAKE), graph("dev", ASLEEP)
    assert asleep.outputs["phase"] == "asleep"
    for token in GONE_ASLEEP:
        assert of_type(awake, token), token  # there by day
        assert not of_type(asleep, token), token
    assert interface_endpoints(awake) == ["airflow-dev-airflow-env-endpoint"]
    assert interface_endpoints(asleep) == []
    # The private route tables lose their way out with the NAT gateway.
    for table in of_type(asleep, "aws:ec2/routeTable:RouteTable"):
        assert not any("natGatewayId" in route for route in table["inputs"].get("routes", []))


@pytest.mark.parametrize(("stack", "overrides"), [("dev", ()), ("prod", tuple(STAGING.items()))])
def test_nothing_but_the_running_platforms_hourly_parts_goes_while_asleep(
    stack: str, overrides: tuple[tuple[str, str], ...]
) -> None:
    awake, asleep = graph(stack, AWAKE, overrides), graph(stack, ASLEEP, overrides)
    assert asleep.outputs["phase"] == "asleep"
    by_day = {(r["type"], r["name"]) for r in awake.resources()}
    at_night = {(r["type"], r["name"]) for r in asleep.resources()}
    allowed = MAY_GO_ASLEEP[awake.settings.architecture]
    prefix = f"airflow-{stack}-"

    def may_go(token: str, name: str) -> bool:
        role = name.removeprefix(prefix)
        return any(token == t and fnmatch.fnmatchcase(role, pattern) for t, pattern in allowed)

    gone = by_day - at_night
    assert gone, "nothing sleeps?"
    assert sorted(r for r in gone if not may_go(*r)) == []
    # Asleep is a subset of awake: nothing appears at night (the DB's desired state aside,
    # which is declared by day too).
    assert sorted(at_night - by_day) == []


def _asset(value: Any) -> str:
    return str(getattr(value, "path", value))  # a FileAsset by its path


def _graph_of(plan: planner.Plan) -> list[str]:
    return sorted(
        json.dumps([r["type"], r["name"], r["inputs"]], sort_keys=True, default=_asset)
        for r in plan.resources()
    )


def test_dev_awake_is_the_graph_without_a_schedule() -> None:
    scheduled = graph("dev", AWAKE)
    always = graph("dev", AWAKE, (("airflow:awakeHours", ""),))
    assert scheduled.outputs["phase"] == always.outputs["phase"] == "awake"
    assert _graph_of(scheduled) == _graph_of(always)
    # The override at night (`awake: true`) is this phase too (tests/sleep/test_phase.py), and
    # components read only the phase: no third plan of dev needed.


def test_dev_waking_declares_the_platform_with_paging_off() -> None:
    waking = graph("dev", WAKING)
    assert waking.outputs["phase"] == "waking"
    assert of_type(waking, "aws:mwaa/environment:Environment")
    assert of_type(waking, "aws:ec2/natGateway:NatGateway")


def test_eks_asleep_has_node_groups_at_zero_and_the_database_stopped() -> None:
    staging = tuple(STAGING.items())
    awake, asleep = graph("prod", AWAKE, staging), graph("prod", ASLEEP, staging)
    for plan, want in ((awake, "available"), (asleep, "stopped")):
        (state,) = of_type(plan, "aws:rds/instanceDesiredState:InstanceDesiredState")
        assert state["inputs"]["state"] == want
    for group in of_type(asleep, "aws:eks/nodeGroup:NodeGroup"):
        sizes = group["inputs"]["scalingConfig"]
        assert (sizes["minSize"], sizes["desiredSize"]) == (0, 0), group["name"]
        assert sizes["maxSize"] >= 1  # EKS keeps a maximum of one or more
    awake_sizes = [
        g["inputs"]["scalingConfig"] for g in of_type(awake, "aws:eks/nodeGroup:NodeGroup")
    ]
    assert all(s["minSize"] >= 0 and s["desiredSize"] >= 1 for s in awake_sizes[:1])
    assert of_type(awake, "aws:ec2/natGateway:NatGateway")
    assert not of_type(asleep, "aws:ec2/natGateway:NatGateway")
    # What cannot sleep stays: the control plane and ElastiCache.
    assert of_type(asleep, "eks:index:Cluster")
    assert of_type(asleep, "aws:elasticache/replicationGroup:ReplicationGroup")


def test_prod_as_shipped_does_not_change_and_refuses_a_schedule() -> None:
    prod = graph("prod", ASLEEP)
    assert prod.outputs["phase"] == "awake"
    assert not of_type(prod, "aws:rds/instanceDesiredState:InstanceDesiredState")
    with pytest.raises(planner.PlanError, match=r"^awakeHours: a protected stack"):
        planner.run("prod", overrides={"airflow:awakeHours": "Mon-Fri 07:00-19:00"})
    with pytest.raises(planner.PlanError, match=r"^awake: false: a protected stack"):
        planner.run("prod", overrides={"airflow:awake": "false"})


# ------------------------------------------------------------------ no false pages


def deliveries(plan: planner.Plan, event: dict[str, Any]) -> list[str]:
    """Where `event` goes in this graph: the targets of every enabled rule it matches, and
    the actions of alarms (none: the rules carry them) with actions enabled."""
    rules = {
        r["inputs"]["name"]
        for r in of_type(plan, "aws:cloudwatch/eventRule:EventRule")
        if r["inputs"].get("state", "ENABLED") != "DISABLED"
        and matches(json.loads(r["inputs"]["eventPattern"]), event)
    }
    targets = [
        str(t["inputs"]["arn"])
        for t in of_type(plan, "aws:cloudwatch/eventTarget:EventTarget")
        if t["inputs"]["rule"] in rules
    ]
    return targets


def alarm_event(alarm: dict[str, Any], state: str, previous: str) -> dict[str, Any]:
    name = alarm["inputs"]["name"]
    return {
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "resources": [f"arn:aws:cloudwatch:us-east-1:{ACCOUNT_ID}:alarm:{name}"],
        "detail": {"alarmName": name, "state": {"value": state},
                   "previousState": {"value": previous}},
    }  # fmt: skip


def platform_events(plan: planner.Plan) -> list[dict[str, Any]]:
    env = plan.settings.environment_name
    if plan.settings.architecture == "mwaa":
        return [{
            "source": "aws.airflow", "detail-type": "MWAA Environment Status Change",
            "resources": [f"arn:aws:airflow:us-east-1:{ACCOUNT_ID}:environment/{env}"],
            "detail": {"status": status},
        } for status in ("DELETING", "CREATING", "CREATE_FAILED")]  # fmt: skip
    return [{
        "source": "aws.eks", "detail-type": "EKS Addon Health Degraded",
        "resources": [f"arn:aws:eks:us-east-1:{ACCOUNT_ID}:addon/{env}/coredns/x"],
        "detail": {},
    }]  # fmt: skip


@pytest.mark.parametrize(("stack", "overrides", "quiet_times"), [
    ("dev", (), (ASLEEP, WAKING)),
    ("prod", tuple(STAGING.items()), (ASLEEP, EKS_WAKING)),
])  # fmt: skip
def test_no_alarm_or_rule_reaches_people_while_asleep_or_waking(
    stack: str, overrides: tuple[tuple[str, str], ...], quiet_times: tuple[str, ...]
) -> None:
    awake = graph(stack, AWAKE, overrides)
    alarms = of_type(awake, "aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarms
    # By day every alarm going into ALARM and every platform event reaches both topics...
    for alarm in alarms:
        assert alarm["inputs"].get("actionsEnabled", True) is True
        assert len(deliveries(awake, alarm_event(alarm, "ALARM", "OK"))) == 2, alarm["name"]
    for event in platform_events(awake):
        assert len(deliveries(awake, event)) == 2
    # ...asleep and waking none does: not an alarm, its recovery, nor the platform's events.
    for when in quiet_times:
        quiet = graph(stack, when, overrides)
        assert quiet.outputs["phase"] in ("asleep", "waking")
        for alarm in of_type(quiet, "aws:cloudwatch/metricAlarm:MetricAlarm"):
            assert alarm["inputs"]["actionsEnabled"] is False, alarm["name"]
            assert not alarm["inputs"].get("alarmActions"), alarm["name"]
            for state, previous in (("ALARM", "OK"), ("OK", "ALARM")):
                assert deliveries(quiet, alarm_event(alarm, state, previous)) == [], (
                    when, alarm["name"])  # fmt: skip
        for event in platform_events(quiet):
            assert deliveries(quiet, event) == [], (when, event["detail-type"])


def alertmanager_settings(plan: planner.Plan) -> dict[str, Any]:
    (release,) = [
        r for r in of_type(plan, "kubernetes:helm.sh/v3:Release")
        if r["name"].endswith("-prometheus-stack")
    ]  # fmt: skip
    return dict(release["inputs"]["values"]["alertmanager"])


def prometheus_alerts(plan: planner.Plan) -> list[dict[str, str]]:
    """A firing alert for every alerting rule the stack's PrometheusRules declare."""
    return [
        alert
        for r in plan.resources()
        if r["inputs"].get("kind") == "PrometheusRule"
        for alert in firing_alerts(r["inputs"]["spec"]["groups"])
    ]


@pytest.mark.integration
def test_no_prometheus_alert_reaches_people_asleep_or_waking_and_only_once_healthy_after(
    tmp_path: Path,
) -> None:
    staging = tuple(STAGING.items())
    awake, waking = graph("prod", AWAKE, staging), graph("prod", EKS_WAKING, staging)
    asleep = graph("prod", ASLEEP, staging)
    alerts = prometheus_alerts(awake)
    (gate,) = [a for a in alerts if a["alertname"] == WAKE_GATE]
    alerts = [a for a in alerts if a is not gate] + CHART_ALERTS
    assert len(alerts) > 10
    # Asleep, Alertmanager has no node to run on, and its release keeps the day's values: going
    # to sleep upgrades no release on nodes that are leaving.
    for group in of_type(asleep, "aws:eks/nodeGroup:NodeGroup"):
        assert group["inputs"]["scalingConfig"]["desiredSize"] == 0, group["name"]
    assert alertmanager_settings(asleep) == alertmanager_settings(awake)
    # Waking, every alert reaches nobody, before the gate has been evaluated too.
    assert sorted(map(str, prometheus_alerts(waking))) == sorted(map(str, prometheus_alerts(awake)))
    with alertmanager(tmp_path / "waking", alertmanager_settings(waking)["config"]) as url:
        post(url, alerts)
        found = outcomes(url, len(alerts))
    assert {receivers for _, receivers in found.values()} == {("null",)}
    # Awake, everything waits while the gate fires and reaches people once it resolves.
    with alertmanager(tmp_path / "awake", alertmanager_settings(awake)["config"]) as url:
        post(url, [gate, *alerts])
        held = outcomes(url, len(alerts) + 1)
        post(url, [gate], resolved=True)
        healthy = outcomes(url, len(alerts))
    held.pop(WAKE_GATE)
    assert {state for state, _ in held.values()} == {"suppressed"}
    assert ("active", ("sns",)) in healthy.values()
    assert {receivers for _, receivers in healthy.values()} == {("sns",)}


def test_prod_as_shipped_has_no_wake_gate() -> None:
    prod = graph("prod", ASLEEP)
    assert WAKE_GATE not in json.dumps(alertmanager_settings(prod), default=str)
    assert WAKE_GATE not in {a["alertname"] for a in prometheus_alerts(prod)}


def test_eks_asleep_prices_what_cannot_sleep_and_the_stopped_database_as_storage() -> None:
    from finops import estimate
    from finops.schedule import ASLEEP_USAGE, staying

    staging = tuple(STAGING.items())
    awake = estimate(graph("prod", AWAKE, staging).resources())
    asleep = estimate(graph("prod", ASLEEP, staging).resources(), usage=ASLEEP_USAGE)

    def db_hours(report: Any) -> float:
        (hours,) = [
            li for li in report.line_items
            if li.type == "aws:rds/instance:Instance" and li.unit == "h"
        ]  # fmt: skip
        return float(hours.monthly)

    assert db_hours(awake) > 0
    assert db_hours(asleep) == 0  # stopped: its storage only
    kept = {token: cost for _, token, cost in staying(asleep)}
    assert kept["eks:index:Cluster"] == pytest.approx(73.0)  # the control plane cannot sleep
    assert kept["aws:elasticache/replicationGroup:ReplicationGroup"] > 0
    assert "aws:eks/nodeGroup:NodeGroup" not in kept  # zero nodes cost nothing
    assert asleep.monthly_total < awake.monthly_total / 2


@pytest.mark.parametrize(("stack", "overrides"), [("dev", ()), ("prod", tuple(STAGING.items()))])
def test_asleep_nothing_writes_the_platforms_logs_and_what_stays_still_logs(
    stack: str, overrides: tuple[tuple[str, str], ...]
) -> None:
    from finops import estimate
    from finops.schedule import ASLEEP_USAGE

    def ingestion(report: Any, kind: str) -> float:
        return sum(li.monthly for li in report.line_items if f"logs.gb_per_month.{kind}" in li.note)

    awake = estimate(graph(stack, AWAKE, overrides).resources())
    asleep = estimate(graph(stack, ASLEEP, overrides).resources(), usage=ASLEEP_USAGE)
    # The environment is gone (MWAA); no node runs Container Insights' agents (EKS).
    sleeping = "mwaa_" if stack == "dev" else "container_insights_"
    assert ingestion(awake, sleeping) > 0
    assert ingestion(asleep, sleeping) == 0
    # The VPC's flow logs (and EKS's control plane) go on: priced as by day.
    staying_kinds = ["vpc_flow_logs"] + (["eks_control_plane"] if stack == "prod" else [])
    for kind in staying_kinds:
        assert ingestion(asleep, kind) == ingestion(awake, kind) > 0, kind
