"""Network: subnets per zone, NAT strategy, S3 endpoint, flow logs, empty default SG."""

from __future__ import annotations

import ipaddress

import pulumi
import pytest

from components.network import Network, NetworkArgs, plan_subnets
from components.settings import SettingsError
from tests.conftest import Declared, run_program, settings_for, shared_build, statements


@shared_build
def build(arch: str = "mwaa", **overrides: object) -> Declared:
    s = settings_for(arch, **overrides)
    return run_program(
        lambda: Network(
            "net", NetworkArgs(settings=s.network, log_retention_days=30, protect=s.protect)
        ),
        region=s.region,
    )


def test_subnet_plan_is_disjoint_and_inside_the_vpc() -> None:
    for zones in range(2, 7):
        plan = plan_subnets("10.40.0.0/16", zones)
        nets = [ipaddress.IPv4Network(c) for c in plan.private + plan.public]
        assert len(nets) == 2 * zones
        vpc = ipaddress.IPv4Network("10.40.0.0/16")
        assert all(n.subnet_of(vpc) for n in nets)
        assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])
        # Private subnets hold pods and workers: much larger than the public ones.
        assert nets[0].num_addresses >= 4 * nets[-1].num_addresses


def test_smallest_vpc_with_most_zones_still_fits_aws_subnet_minimum() -> None:
    plan = plan_subnets("10.40.0.0/22", 6)
    assert max(ipaddress.IPv4Network(c).prefixlen for c in plan.public) == 28  # AWS minimum


def test_dev_shape_two_zones_one_nat() -> None:
    d = build("mwaa")
    subnets = d.of_type("aws:ec2/subnet:Subnet")
    assert len(subnets) == 4
    assert len({s.inputs["availabilityZone"] for s in subnets}) == 2
    assert len(d.of_type("aws:ec2/natGateway:NatGateway")) == 1
    # Every private route table points at the one NAT gateway.
    private_rts = [r for r in d.of_type("aws:ec2/routeTable:RouteTable") if "private" in r.name]
    assert len(private_rts) == 2
    nat_id = d.one("aws:ec2/natGateway:NatGateway").id
    assert all(rt.inputs["routes"][0]["natGatewayId"] == nat_id for rt in private_rts)


def test_prod_shape_three_zones_nat_per_zone() -> None:
    d = build("eks")
    subnets = d.of_type("aws:ec2/subnet:Subnet")
    assert len(subnets) == 6
    assert len({s.inputs["availabilityZone"] for s in subnets}) == 3
    nats = d.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == 3
    public = {s.id: s.inputs["availabilityZone"] for s in subnets if "public" in s.name}
    assert sorted(public[n.inputs["subnetId"]] for n in nats) == sorted(public.values())
    private_rts = [r for r in d.of_type("aws:ec2/routeTable:RouteTable") if "private" in r.name]
    assert len({rt.inputs["routes"][0]["natGatewayId"] for rt in private_rts}) == 3


def test_zones_come_from_the_provider_not_literals() -> None:
    d = build("eks", **{"aws:region": "eu-west-1"})
    zones = {s.inputs["availabilityZone"] for s in d.of_type("aws:ec2/subnet:Subnet")}
    assert zones == {"eu-west-1a", "eu-west-1b", "eu-west-1c"}


def test_zones_where_eks_cannot_run_are_never_used() -> None:
    # In the mock, us-east-1c is use1-az3, a zone EKS refuses: the third zone must be d.
    d = build("eks")
    zones = sorted({s.inputs["availabilityZone"] for s in d.of_type("aws:ec2/subnet:Subnet")})
    assert zones == ["us-east-1a", "us-east-1b", "us-east-1d"]


def test_load_balancer_subnet_tags() -> None:
    d = build("mwaa")
    for s in d.of_type("aws:ec2/subnet:Subnet"):
        role = "kubernetes.io/role/elb" if "public" in s.name else "kubernetes.io/role/internal-elb"
        assert s.inputs["tags"][role] == "1"
        assert s.inputs.get("mapPublicIpOnLaunch") in (None, False)


def test_vpc_has_dns_and_default_security_group_has_no_rules() -> None:
    d = build("mwaa")
    vpc = d.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["enableDnsSupport"] and vpc.inputs["enableDnsHostnames"]
    default_sg = d.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default_sg.inputs["vpcId"] == vpc.id
    assert default_sg.inputs["ingress"] == [] and default_sg.inputs["egress"] == []


def test_s3_gateway_endpoint_on_every_private_route_table() -> None:
    d = build("eks")
    endpoint = d.one("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    private_rts = {r.id for r in d.of_type("aws:ec2/routeTable:RouteTable") if "private" in r.name}
    assert set(endpoint.inputs["routeTableIds"]) == private_rts


def test_flow_logs_to_an_encrypted_group_with_retention() -> None:
    d = build("mwaa")
    flow = d.one("aws:ec2/flowLog:FlowLog")
    group = d.one("aws:cloudwatch/logGroup:LogGroup")
    key = d.one("aws:kms/key:Key")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["logDestination"] == group.outputs["arn"]
    assert group.inputs["retentionInDays"] == 30
    assert group.inputs["kmsKeyId"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True
    logs = [s for s in statements(key.inputs["policy"]) if s.get("Sid") == "CloudWatchLogs"]
    assert logs[0]["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    context = logs[0]["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert context.endswith(f":log-group:{group.inputs['name']}")
    role = d.one("aws:iam/role:Role")
    trust = statements(role.inputs["assumeRolePolicy"])[0]
    assert trust["Principal"] == {"Service": ["vpc-flow-logs.amazonaws.com"]}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == "111122223333"


def test_flow_log_role_is_scoped_to_its_group() -> None:
    d = build("mwaa")
    group = d.one("aws:cloudwatch/logGroup:LogGroup")
    doc = statements(d.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert all("*" not in a for s in doc for a in s["Action"])
    assert doc[0]["Resource"] == [group.outputs["arn"], group.outputs["arn"] + ":*"]


@pytest.mark.parametrize("protect", [True, False])
def test_stateful_resources_are_protected_when_settings_say_so(protect: bool) -> None:
    d = build("mwaa", protect=protect)
    assert d.one("aws:kms/key:Key").protect is protect
    assert d.one("aws:cloudwatch/logGroup:LogGroup").protect is protect
    assert d.one("aws:ec2/vpc:Vpc").protect is False


def test_outputs_two_mwaa_subnets_in_different_zones() -> None:
    s = settings_for("eks")

    def program() -> pulumi.Output[list[str]]:
        net = Network("net", NetworkArgs(s.network, 30, True))
        return pulumi.Output.all(*net.mwaa_subnet_ids)

    d = run_program(program)
    zone_of = {r.id: r.inputs["availabilityZone"] for r in d.of_type("aws:ec2/subnet:Subnet")}
    assert len(d.value) == 2
    assert zone_of[d.value[0]] != zone_of[d.value[1]]
    private = {r.id for r in d.of_type("aws:ec2/subnet:Subnet") if "private" in r.name}
    assert set(d.value) <= private


def test_more_zones_than_the_region_has_is_refused() -> None:
    s = settings_for("eks", azCount=3)
    with pytest.raises(SettingsError, match=r"^azCount: 3 is more than the 2 availability zones"):
        run_program(lambda: Network("net", NetworkArgs(s.network, 30, True)), zones=2)
    # Nothing cloud-side was declared before the refusal.


@pytest.mark.parametrize(("strategy", "interfaces"), [("single", 1), ("per-az", 2)])
def test_a_private_web_servers_airflow_env_endpoint_sits_where_the_egress_does(
    strategy: str, interfaces: int
) -> None:
    # Each zone's interface bills by the hour. With one NAT gateway, MWAA's egress already
    # rests on the NAT's zone: one interface there; with a NAT gateway per zone, one in each of
    # MWAA's two subnets (a zone outage leaves the other's endpoint and NAT).
    s = settings_for("mwaa", natStrategy=strategy)
    d = run_program(
        lambda: Network(
            "net",
            NetworkArgs(
                settings=s.network,
                log_retention_days=30,
                protect=s.protect,
                architecture="mwaa",
                mwaa_private_web_server=True,
            ),
        ),
        region=s.region,
    )
    endpoint = d.one("aws:ec2/vpcEndpoint:VpcEndpoint", "net-airflow-env-endpoint")
    subnets = {r.id: r for r in d.of_type("aws:ec2/subnet:Subnet")}
    zones = {subnets[i].inputs["availabilityZone"] for i in endpoint.inputs["subnetIds"]}
    assert len(endpoint.inputs["subnetIds"]) == len(zones) == interfaces
    nat_zones = {
        subnets[n.inputs["subnetId"]].inputs["availabilityZone"]
        for n in d.of_type("aws:ec2/natGateway:NatGateway")
    }
    assert zones <= nat_zones
