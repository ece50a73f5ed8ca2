"""Every physical name fits AWS's limits, even with the longest environment name allowed.

Under mocks any name is accepted, so this test applies the limits AWS enforces. A resource
without an explicit name gets Pulumi's auto-name: its logical name plus 8 characters.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from tools import plan as planner

LONGEST = "a2345678901234567890123z"  # 24 characters: the settings' maximum
AUTO_SUFFIX = 8  # "-" and 7 random characters

# type -> (input that holds the name, maximum length); prefix inputs count as the name.
LIMITS: dict[str, tuple[str, int]] = {
    "aws:iam/role:Role": ("name", 64),
    "aws:iam/policy:Policy": ("name", 128),
    "aws:lb/loadBalancer:LoadBalancer": ("name", 32),
    "aws:lb/targetGroup:TargetGroup": ("name", 32),
    "aws:s3/bucket:Bucket": ("bucket", 63),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("replicationGroupId", 40),
    "aws:elasticache/subnetGroup:SubnetGroup": ("name", 255),
    "aws:elasticache/parameterGroup:ParameterGroup": ("name", 255),
    "aws:rds/instance:Instance": ("identifier", 63),
    "aws:rds/subnetGroup:SubnetGroup": ("name", 255),
    "aws:rds/parameterGroup:ParameterGroup": ("name", 255),
    "aws:cloudwatch/eventRule:EventRule": ("name", 64),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", 255),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName", 255),
    "aws:cloudwatch/logGroup:LogGroup": ("name", 512),
    "aws:eks/nodeGroup:NodeGroup": ("nodeGroupName", 63),
    "aws:ec2/launchTemplate:LaunchTemplate": ("name", 128),
    "aws:ec2/securityGroup:SecurityGroup": ("name", 255),
    "aws:mwaa/environment:Environment": ("name", 80),
    "aws:sns/topic:Topic": ("name", 256),
    "aws:kms/alias:Alias": ("name", 256),
    "aws:budgets/budget:Budget": ("name", 100),
    "aws:secretsmanager/secret:Secret": ("name", 512),
    "eks:index:Cluster": ("name", 100),
}
PREFIX_LIMITS = {"aws:s3/bucket:Bucket": 37, "aws:lb/targetGroup:TargetGroup": 6}


@cache
def longest(stack: str) -> planner.Plan:
    return planner.run(stack, overrides={"airflow:environmentName": LONGEST})


def physical_name(registration: Any, key: str) -> tuple[str, str]:
    """(how the name is set, the longest the name can be)."""
    inputs = registration.inputs
    if inputs.get(key):
        return "explicit", str(inputs[key])
    for prefix_key in ("namePrefix", "bucketPrefix"):
        if inputs.get(prefix_key):
            return "prefix", str(inputs[prefix_key])
    return "auto", registration.name + "x" * AUTO_SUFFIX


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_name_fits_aws_limits_with_the_longest_environment_name(stack: str) -> None:
    plan = longest(stack)
    assert plan.settings.environment_name == LONGEST
    too_long = []
    for r in plan.registrations:
        if r.type not in LIMITS:
            continue
        key, limit = LIMITS[r.type]
        how, name = physical_name(r, key)
        if how == "prefix":
            limit = PREFIX_LIMITS.get(r.type, limit)
        if len(name) > limit:
            too_long.append(f"{r.type} {r.name}: {how} name {name!r} ({len(name)} > {limit})")
    assert too_long == []


def test_the_check_catches_a_name_aws_would_refuse() -> None:
    from tools.mocks import Registration

    alb = Registration(
        type="aws:lb/loadBalancer:LoadBalancer",
        name="a-very-long-logical-name-for-an-alb",
        urn="urn",
        parent="",
        provider="",
        custom=True,
        protect=False,
        inputs={},
    )
    how, name = physical_name(alb, "name")
    assert how == "auto" and len(name) > LIMITS[alb.type][1]
