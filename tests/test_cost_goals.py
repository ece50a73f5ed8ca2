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
