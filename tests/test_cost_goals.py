"""The FinOps goals, measured on the stacks as planned (not on reference designs)."""

from __future__ import annotations

from collections import Counter

import pytest

from finops import curve
from tests.conftest import planned

GOAL = 450.0  # USD a month, idle, for each stack (the FinOps issue)


def cost_by_type(stack: str) -> Counter[str]:
    totals: Counter[str] = Counter()
    for item in planned(stack).cost.line_items:
        totals[item.type] += item.monthly
    return totals


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_idle_baseline_is_under_the_goal(stack: str) -> None:
    report = planned(stack).cost
    assert 0 < report.monthly_total <= GOAL
    assert report.monthly_total == pytest.approx(sum(i.monthly for i in report.line_items))


def test_dev_prices_its_platform_and_network() -> None:
    by_type = cost_by_type("dev")
    assert by_type["aws:mwaa/environment:Environment"] > 300
    assert by_type["aws:ec2/natGateway:NatGateway"] > 30  # one NAT gateway
    assert "eks:index:Cluster" not in by_type


def test_prod_prices_every_part_of_the_highly_available_design() -> None:
    by_type = cost_by_type("prod")
    for token in (
        "eks:index:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:rds/instance:Instance",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:eks/addon:Addon",
    ):
        assert by_type[token] > 0, token
    assert by_type["aws:ec2/natGateway:NatGateway"] > 3 * 32  # a NAT gateway per zone
    assert not [w for w in planned("prod").cost.warnings if "EXTENDED" in w]


def test_100_more_tasks_cost_eks_at_most_a_fifth_of_what_they_cost_mwaa() -> None:
    mwaa, _ = curve.designs_from_plan(planned("dev").resources())
    _, eks = curve.designs_from_plan(planned("prod").resources())
    assert mwaa is not None and eks is not None
    for start in (0, 100, 200, 300, 400):
        ratio = curve.marginal_cost_per_100_tasks(eks, start) / curve.marginal_cost_per_100_tasks(
            mwaa, start
        )
        assert ratio <= 0.2, (start, ratio)
    crossover = curve.crossover(
        planned("dev").cost.monthly_total, planned("prod").cost.monthly_total, mwaa, eks
    )
    assert crossover is not None and 0 <= crossover <= 500


# ---------------------------------------------------------------- sleep (docs/sleep.md)
# The goals for dev with its working-week schedule (Mon-Fri 12 h), and what the plan
# prices honestly: the goals are missed, by what must run while awake (see below).
SLEEP_GOALS = {"mw1.small": 130.0, "mw1.micro": 90.0}
SLEEP_MEASURED = {"mw1.small": 166.00, "mw1.micro": 96.75}
MICRO = {"airflow:mwaaEnvironmentClass": "mw1.micro", "airflow:mwaaSchedulers": "1",
         "airflow:mwaaMinWebservers": "1", "airflow:mwaaMaxWebservers": "1",
         "airflow:mwaaMaxWorkers": "1"}  # fmt: skip
HOURLY_WHILE_AWAKE = (
    "aws:mwaa/environment:Environment",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
)


def scheduled_plan(environment_class: str):  # type: ignore[no-untyped-def]
    return planned("dev", MICRO if environment_class == "mw1.micro" else {}, "2026-12-09T11:00:00Z")


@pytest.mark.parametrize("environment_class", ["mw1.small", "mw1.micro"])
def test_dev_with_its_schedule_costs_its_awake_hours_and_misses_the_goal_by_the_platform(
    environment_class: str,
) -> None:
    plan = scheduled_plan(environment_class)
    month = plan.schedule
    assert month.awake_hours == pytest.approx(5 * 12.75 * 730 / 168, abs=0.1)  # early wake in
    assert month.scheduled == pytest.approx(
        month.awake_fraction * month.always_on + (1 - month.awake_fraction) * month.asleep,
        abs=0.01,
    )
    # The figures docs/sleep.md gives: a change that makes the month dearer fails here.
    assert month.scheduled <= SLEEP_MEASURED[environment_class]
    assert month.scheduled < 0.42 * month.always_on
    # Why the goal is missed: the hourly platform for its awake hours, plus what must stay
    # on while asleep, is already more than the goal. No honest price reaches it.
    hourly = sum(
        line.monthly
        for line in plan.cost.line_items
        if line.type in HOURLY_WHILE_AWAKE and line.unit in ("h", "AZ-h")
    )
    floor = month.awake_fraction * hourly + (1 - month.awake_fraction) * month.asleep
    assert floor > SLEEP_GOALS[environment_class]
    assert month.scheduled - SLEEP_GOALS[environment_class] == pytest.approx(
        SLEEP_MEASURED[environment_class] - SLEEP_GOALS[environment_class], abs=0.01
    )
