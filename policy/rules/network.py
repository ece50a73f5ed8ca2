"""Rules for the network: no admin port open to the internet, and every VPC with a closed
default security group and a flow log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from .base import (
    OPEN_CIDRS,
    UNKNOWN,
    Policy,
    Resource,
    Verdict,
    as_list,
    dig,
    inputs_of,
    is_list,
    is_unknown,
    number,
    resource_rule,
    stack_rule,
)
from .companions import accept, companion_rule

ADMIN_PORTS: Final = (22, 3389, 5432, 6379)
_SECURITY_GROUP_RULES = frozenset(
    {
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    }
)
_VPC = frozenset({"aws:ec2/vpc:Vpc"})


def _open_admin_ports(protocol: Any, from_port: Any, to_port: Any, cidrs: Iterable[Any]) -> str:
    """A message when the rule opens an admin port to the internet, else ''."""
    open_cidrs = sorted({c for c in cidrs if isinstance(c, str) and c in OPEN_CIDRS})
    if not open_cidrs or is_unknown(protocol) or protocol is None:
        return ""
    proto = str(protocol).lower()
    if proto in ("-1", "all"):
        ports = list(ADMIN_PORTS)
    elif proto in ("tcp", "6", "udp", "17"):
        low, high = number(from_port), number(to_port)
        if low is None or high is None:
            return ""
        ports = [p for p in ADMIN_PORTS if low <= p <= high]
    else:
        return ""
    if not ports:
        return ""
    return f"ingress from {', '.join(open_cidrs)} opens admin port(s) {', '.join(map(str, ports))}"


def check_security_group_ingress(resource: Resource) -> list[str]:
    inputs = inputs_of(resource)
    kind = resource.get("type")
    if kind == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        rules = [
            (
                inputs.get("ipProtocol"),
                inputs.get("fromPort"),
                inputs.get("toPort"),
                [inputs.get("cidrIpv4"), inputs.get("cidrIpv6")],
            )
        ]
    elif kind == "aws:ec2/securityGroupRule:SecurityGroupRule":
        if inputs.get("type") != "ingress":
            return []
        rules = [
            (
                inputs.get("protocol"),
                inputs.get("fromPort"),
                inputs.get("toPort"),
                as_list(inputs.get("cidrBlocks")) + as_list(inputs.get("ipv6CidrBlocks")),
            )
        ]
    else:
        rules = [
            (
                dig(rule, "protocol"),
                dig(rule, "fromPort"),
                dig(rule, "toPort"),
                as_list(dig(rule, "cidrBlocks")) + as_list(dig(rule, "ipv6CidrBlocks")),
            )
            for rule in as_list(dig(inputs, "ingress"))
            if isinstance(rule, Mapping)
        ]
    messages = [_open_admin_ports(*rule) for rule in rules]
    return [m for m in messages if m]


def _judge_default_security_group(resource: Resource) -> Verdict:
    inputs = inputs_of(resource)
    values = [dig(inputs, "ingress"), dig(inputs, "egress")]
    if any(is_list(v) and len(v) > 0 for v in values):
        return "the default security group still has rules: leave ingress and egress empty"
    return UNKNOWN if UNKNOWN in values else None


POLICIES: Final[tuple[Policy, ...]] = (
    resource_rule(
        "sg-no-public-admin-ports",
        "mandatory",
        _SECURITY_GROUP_RULES,
        check_security_group_ingress,
        "No security group opens ports 22, 3389, 5432 or 6379 to 0.0.0.0/0 or ::/0.",
    ),
    stack_rule(
        "vpc-default-security-group-closed",
        "mandatory",
        companion_rule(
            _VPC,
            frozenset({"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"}),
            "vpcId",
            "the VPC's default security group is not managed, so it keeps AWS's default rules",
            _judge_default_security_group,
        ),
        "Every VPC manages its default security group and leaves it without rules.",
    ),
    stack_rule(
        "vpc-flow-logs",
        "mandatory",
        companion_rule(
            _VPC,
            frozenset({"aws:ec2/flowLog:FlowLog"}),
            "vpcId",
            "no FlowLog for this VPC",
            accept,
        ),
        "Every VPC has a flow log.",
    ),
)
