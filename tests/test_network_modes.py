"""Network modes: an existing VPC (looked up, checked, nothing created) and a created VPC with
`egress: endpoints` (no NAT, no internet; interface endpoints instead)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.network import Network, NetworkArgs, interface_endpoint_services
from components.settings import SettingsError
from tests.conftest import NETWORK_TYPES, Declared, run_program, settings_for
from tools.mocks import (
    DENIED_SUBNET_ID,
    EXAMPLE_IMAGE_REGISTRY,
    EXAMPLE_PRIVATE_SUBNET_IDS,
    EXAMPLE_VPC_GIT,
    EXAMPLE_VPC_ID,
    EXAMPLE_VPCS,
    OTHER_VPC_ID,
)


def existing(**overrides: Any) -> dict[str, Any]:
    return {
        "existingVpcId": EXAMPLE_VPC_ID,
        "existingPrivateSubnetIds": EXAMPLE_PRIVATE_SUBNET_IDS,
        **overrides,
    }


def network(arch: str = "mwaa", **overrides: Any) -> Declared:
    """The Network alone; its value: (vpc id, cidr, private, public, MWAA subnets, zones)."""
    if arch == "eks" and overrides.get("egress") == "endpoints":
        overrides.setdefault("eksImageRegistry", EXAMPLE_IMAGE_REGISTRY)  # required there
        overrides = {**EXAMPLE_VPC_GIT, **overrides}  # and a Git host inside the VPC
    s = settings_for(arch, **overrides)

    def program() -> Any:
        net = Network("net", NetworkArgs(s.network, 30, True, architecture=s.architecture))
        return pulumi.Output.all(
            net.vpc_id,
            net.vpc_cidr,
            pulumi.Output.all(*net.private_subnet_ids),
            pulumi.Output.all(*net.public_subnet_ids),
            pulumi.Output.all(*net.mwaa_subnet_ids),
            net.availability_zones,
            net.internet_egress,
        )

    return run_program(program, region=s.region)


# ---------------------------------------------------------------------- existing VPC


@pytest.mark.parametrize("arch", ["mwaa", "eks"])
def test_existing_vpc_creates_no_network_resource(arch: str) -> None:
    d = network(arch, **existing())
    created = [r.type for r in d.registrations if r.custom]
    assert [t for t in created if t in NETWORK_TYPES] == []
    assert created == []  # no flow-log key, group or role either: not ours


def test_existing_vpc_offers_the_given_subnets_and_the_looked_up_cidr() -> None:
    d = network("eks", **existing())
    vpc_id, cidr, private, public, _mwaa, zones, egress = d.value
    assert vpc_id == EXAMPLE_VPC_ID
    assert cidr == EXAMPLE_VPCS[EXAMPLE_VPC_ID]  # from getVpc, not vpcCidr's default
    assert private == EXAMPLE_PRIVATE_SUBNET_IDS
    assert public == []  # the ALB is internal: nothing public of ours in the owner's VPC
    assert zones == ["us-east-1a", "us-east-1b", "us-east-1d"]
    assert egress is None  # the owner's to know


def test_mwaa_gets_two_subnets_in_two_zones_even_when_the_first_two_share_one() -> None:
    # subnet-0a0a... is a second subnet in us-east-1a: MWAA must skip it.
    ids = ["subnet-0aa11bb22cc33dd44", "subnet-0a0a0a0a0a0a0a0a1", "subnet-0ee55ff6600778899"]
    d = network("mwaa", **existing(existingPrivateSubnetIds=ids))
    assert d.value[4] == ["subnet-0aa11bb22cc33dd44", "subnet-0ee55ff6600778899"]
    assert d.value[2] == ids  # EKS would get all of them


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"existingVpcId": "vpc-0000000000000000f"},
            "existingVpcId: vpc-0000000000000000f was not found",
        ),
        (
            {
                "existingPrivateSubnetIds": [
                    EXAMPLE_PRIVATE_SUBNET_IDS[0],
                    "subnet-0fffffffffffffff0",
                ]
            },
            "existingPrivateSubnetIds: subnet-0fffffffffffffff0 was not found",
        ),
        (
            {
                "existingPrivateSubnetIds": [
                    EXAMPLE_PRIVATE_SUBNET_IDS[0],
                    "subnet-0d3d3d3d3d3d3d3d4",
                ]
            },
            f"existingPrivateSubnetIds: subnet-0d3d3d3d3d3d3d3d4 is in {OTHER_VPC_ID}, not in "
            f"existingVpcId {EXAMPLE_VPC_ID}",
        ),
        (
            {
                "existingVpcId": "vpc-0c0d0e0f101112131",
                "existingPrivateSubnetIds": [
                    "subnet-0e4e4e4e4e4e4e4e5",
                    "subnet-0f5f5f5f5f5f5f5f6",
                ],
            },
            "existingVpcId: vpc-0c0d0e0f101112131 has DNS support or DNS hostnames off",
        ),
        (
            {"existingPrivateSubnetIds": ["subnet-0aa11bb22cc33dd44", "subnet-0a0a0a0a0a0a0a0a1"]},
            "existingPrivateSubnetIds: all in us-east-1a; MWAA and EKS need private subnets in "
            "at least two availability zones",
        ),
    ],
)
def test_what_only_the_lookups_know_fails_with_the_setting_named(
    overrides: dict[str, Any], expected: str
) -> None:
    with pytest.raises(SettingsError) as err:
        network("eks", **existing(**overrides))
    assert expected in str(err.value)
    assert str(err.value).splitlines()[0].split(":")[0] in {
        "existingVpcId",
        "existingPrivateSubnetIds",
    }


def test_eks_refuses_subnets_in_zones_eks_cannot_use_mwaa_does_not() -> None:
    ids = ["subnet-0aa11bb22cc33dd44", "subnet-0c3c3c3c3c3c3c3c7"]
    with pytest.raises(SettingsError) as err:
        network("eks", **existing(existingPrivateSubnetIds=ids))
    assert str(err.value) == (
        "existingPrivateSubnetIds: subnet-0c3c3c3c3c3c3c3c7 is in us-east-1c (use1-az3), a "
        "zone where EKS cannot place a control plane"
    )
    assert network("mwaa", **existing(existingPrivateSubnetIds=ids)).value[4] == ids


def test_a_failed_lookup_declares_nothing_first() -> None:
    bad = ["subnet-0aa11bb22cc33dd44", "subnet-0d3d3d3d3d3d3d3d4"]  # the second is elsewhere
    s = settings_for("mwaa", **existing(existingPrivateSubnetIds=bad))

    def program() -> None:
        with pytest.raises(SettingsError, match=r"^existingPrivateSubnetIds: subnet-0d3d"):
            Network("net", NetworkArgs(s.network, 30, True))

    assert [r.type for r in run_program(program).registrations if r.custom] == []


# ---------------------------------------------------------------------- egress endpoints


@pytest.mark.parametrize("arch", ["mwaa", "eks"])
def test_endpoints_egress_has_no_nat_eip_igw_or_public_subnet(arch: str) -> None:
    d = network(arch, egress="endpoints")
    types = [r.type for r in d.registrations]
    for kind in (
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/eip:Eip",
        "aws:ec2/internetGateway:InternetGateway",
    ):
        assert kind not in types
    assert all("public" not in s.name for s in d.of_type("aws:ec2/subnet:Subnet"))
    assert d.value[3] == []  # no public subnets offered
    assert d.value[6] is False
    for table in d.of_type("aws:ec2/routeTable:RouteTable"):
        assert table.inputs.get("routes", []) == []  # local route only: nothing leaves


@pytest.mark.parametrize("arch", ["mwaa", "eks"])
def test_every_listed_service_gets_a_private_dns_interface_endpoint(arch: str) -> None:
    d = network(arch, egress="endpoints")
    endpoints = d.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    interface = [e for e in endpoints if e.inputs["vpcEndpointType"] == "Interface"]
    services = {e.inputs["serviceName"].removeprefix("com.amazonaws.us-east-1.") for e in interface}
    assert services == set(interface_endpoint_services(arch))
    private = {s.id for s in d.of_type("aws:ec2/subnet:Subnet")}
    (sg,) = [g for g in d.of_type("aws:ec2/securityGroup:SecurityGroup") if "endpoints" in g.name]
    for endpoint in interface:
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert set(endpoint.inputs["subnetIds"]) == private  # one interface per zone
        assert endpoint.inputs["securityGroupIds"] == [sg.id]
    (gateway,) = [e for e in endpoints if e.inputs["vpcEndpointType"] == "Gateway"]
    assert gateway.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"


def test_endpoint_security_group_admits_https_from_the_vpc_only() -> None:
    d = network("eks", egress="endpoints")
    (sg,) = [g for g in d.of_type("aws:ec2/securityGroup:SecurityGroup") if "endpoints" in g.name]
    rules = [
        r
        for r in d.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == sg.id
    ]
    assert [(r.inputs["cidrIpv4"], r.inputs["fromPort"], r.inputs["toPort"]) for r in rules] == [
        ("10.40.0.0/16", 443, 443)
    ]


def test_endpoints_egress_keeps_flow_logs_and_the_empty_default_group() -> None:
    d = network("mwaa", egress="endpoints")
    assert len(d.of_type("aws:ec2/flowLog:FlowLog")) == 1
    assert len(d.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")) == 1


def test_nat_egress_creates_no_interface_endpoint() -> None:
    d = network("eks")
    kinds = {e.inputs["vpcEndpointType"] for e in d.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert kinds == {"Gateway"}
    assert d.value[6] is True


def test_every_bad_subnet_is_reported_in_one_line_and_only_missing_ones_as_not_found() -> None:
    ids = ["subnet-0fffffffffffffff0", EXAMPLE_PRIVATE_SUBNET_IDS[0], DENIED_SUBNET_ID]
    with pytest.raises(SettingsError) as err:
        network("eks", **existing(existingPrivateSubnetIds=[*ids, "subnet-0eeeeeeeeeeeeeee0"]))
    (line,) = str(err.value).splitlines()
    assert line.startswith("existingPrivateSubnetIds: subnet-0fffffffffffffff0 was not found (")
    assert "; subnet-0eeeeeeeeeeeeeee0 was not found (" in line
    assert f"; {DENIED_SUBNET_ID} could not be looked up (" in line
    assert "UnauthorizedOperation" in line
    assert f"{DENIED_SUBNET_ID} was not found" not in line
    assert EXAMPLE_PRIVATE_SUBNET_IDS[0] not in line
