"""The network rules (policy/rules/network.py): admin ports, default security groups, flow logs."""

from __future__ import annotations

from policy_cases import (
    CLOSED_DEFAULT_SG,
    FLOW_LOG,
    UNKNOWN,
    VPC_ID,
    PolicyTable,
    Resources,
    ingress_rule,
    res,
)

from policy.rules import network

BAD: list[tuple[str, Resources, str]] = [
    ("sg-no-public-admin-ports", [ingress_rule("0.0.0.0/0", 22)], "ingress"),
    (
        "sg-no-public-admin-ports",
        [
            res(
                "aws:ec2/securityGroupRule:SecurityGroupRule",
                "all",
                type="ingress",
                protocol="-1",
                fromPort=0.0,
                toPort=0.0,
                securityGroupId="sg-1",
                ipv6CidrBlocks=["::/0"],
            )
        ],
        "all",
    ),
    (
        "sg-no-public-admin-ports",
        [
            res(
                "aws:ec2/securityGroup:SecurityGroup",
                "db-sg",
                ingress=[
                    {
                        "protocol": "tcp",
                        "fromPort": 5000.0,
                        "toPort": 6500.0,
                        "cidrBlocks": ["0.0.0.0/0"],
                    }
                ],
            )
        ],
        "db-sg",
    ),
    ("vpc-default-security-group-closed", [VPC_ID], "vpc"),
    (
        "vpc-default-security-group-closed",
        [
            VPC_ID,
            res(
                "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
                "vpc-default-sg",
                vpcId="vpc-0abc",
                egress=[
                    {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}
                ],
            ),
        ],
        "vpc-default-sg",
    ),
    ("vpc-flow-logs", [VPC_ID, CLOSED_DEFAULT_SG], "vpc"),
]

GOOD: dict[str, Resources] = {
    "sg-no-public-admin-ports": [
        ingress_rule("0.0.0.0/0", 443),
        ingress_rule("10.0.0.0/16", 5432),
        ingress_rule("0.0.0.0/0", 22, protocol="icmp"),
    ],
    "vpc-default-security-group-closed": [VPC_ID, CLOSED_DEFAULT_SG],
    "vpc-flow-logs": [VPC_ID, FLOW_LOG],
}

# Values unknown during preview must never produce a finding.
UNKNOWNS: list[tuple[str, Resources]] = [
    ("sg-no-public-admin-ports", [ingress_rule(UNKNOWN, 22)]),
    ("vpc-flow-logs", [VPC_ID, res("aws:ec2/flowLog:FlowLog", "fl", vpcId=UNKNOWN)]),
]


class TestNetwork(PolicyTable):
    module, bad, good, unknowns = network, BAD, GOOD, UNKNOWNS
