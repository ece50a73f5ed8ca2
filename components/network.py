"""The VPC both Airflow platforms run in: created by the program, or an existing one.

Three modes, chosen by settings, and the platforms see the same outputs in each:

- created, `egress: nat`: public and private subnets carved from one VPC CIDR across N zones
  taken from the provider (never literal names); NAT is one gateway (`single`) or one per zone
  (`per-az`). MWAA with a private web server also gets the `airflow.env` interface endpoint
  (in its two subnets): AWS refuses a private web server's InvokeRestApi from outside the VPC.
- created, `egress: endpoints`: private subnets only, no internet gateway, NAT or public
  address; interface endpoints (private DNS) for every AWS service the platform calls, listed
  as data in `data/vpc-endpoints.yaml`, behind a security group admitting 443 from the VPC.
- existing (`existingVpcId`): nothing of the network is created; the VPC and subnets are looked
  up and checked (same VPC, two zones) before any resource is declared.

Created VPCs keep S3 on the gateway endpoint, send flow logs to an encrypted log group and
empty the default security group so nothing lands in it by accident.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws_helpers import (
    Account,
    assuming,
    customer_key,
    logs_key_statement,
    service_role,
)
from components.settings import Architecture, NetworkSettings, SettingsError
from components.yaml_files import read_yaml

# Zones where EKS cannot place a control plane (EKS user guide, "Amazon EKS cluster
# networking": CreateCluster answers UnsupportedAvailabilityZoneException). Zone *ids* are the
# same in every account, unlike the letters, so they are excluded by id on both platforms.
UNSUPPORTED_ZONE_IDS = ("use1-az3", "usw1-az2", "cac1-az3")
ENDPOINTS_FILE = Path(__file__).resolve().parent / "data" / "vpc-endpoints.yaml"


@cache
def endpoint_data() -> dict[str, Any]:
    """`data/vpc-endpoints.yaml`: endpoint lists per architecture and how they were derived."""
    data: dict[str, Any] = read_yaml(ENDPOINTS_FILE)
    return data


def interface_endpoint_services(architecture: str) -> tuple[str, ...]:
    """The interface endpoints (service suffixes, e.g. `ecr.api`) a VPC without NAT needs."""
    return tuple(endpoint_data()["interface_endpoints"][architecture])


def nat_endpoint_services(private_web_server: bool) -> tuple[str, ...]:
    """The interface endpoints a VPC with NAT needs all the same: `airflow.env` for MWAA with a
    private web server (its InvokeRestApi is refused from outside the VPC)."""
    return tuple(endpoint_data()["mwaa_private_web_server"]) if private_web_server else ()


def nat_endpoint_zones(nat_strategy: str) -> int:
    """Zones those endpoints have an interface in (each billed by the hour): with one NAT
    gateway the environment's egress already rests on the NAT's zone, so one there; with a NAT
    gateway per zone, one in each of MWAA's two subnets."""
    return 1 if nat_strategy == "single" else 2


@dataclass(frozen=True)
class NetworkArgs:
    settings: NetworkSettings
    """Mode (created or existing), CIDR, zone count, NAT strategy or endpoints, subnet ids."""
    log_retention_days: int
    """Retention of the flow-log group."""
    protect: bool
    """Protect the flow-log key and group from deletion."""
    architecture: Architecture = "mwaa"
    """Which platform runs in the VPC: chooses the interface endpoints with egress endpoints."""
    mwaa_private_web_server: bool = False
    """MWAA with a PRIVATE_ONLY web server: its `airflow.env` interface endpoint is created
    with NAT too (InvokeRestApi is refused from outside the VPC)."""
    asleep: bool = False
    """The stack sleeps (docs/sleep.md): what only serves the running platform and bills by
    the hour goes (NAT gateways and their addresses, interface endpoints); the VPC, subnets,
    route tables, S3 endpoint and flow logs stay."""


@dataclass(frozen=True)
class SubnetPlan:
    """Which CIDR each subnet gets: private subnets fill the first half of the VPC (room for
    pods and workers), public subnets (load balancers, NAT) take small blocks of the second."""

    private: tuple[str, ...]
    public: tuple[str, ...]


def plan_subnets(cidr: str, zones: int) -> SubnetPlan:
    """Carve `zones` private and public subnets from `cidr` (pure; unit-tested)."""
    vpc = ipaddress.IPv4Network(cidr)
    bits = math.ceil(math.log2(max(zones, 2)))
    first_half, second_half = vpc.subnets(prefixlen_diff=1)
    private = list(first_half.subnets(prefixlen_diff=bits))[:zones]
    # Settings cap the VPC at /22 and the zones at 6, so public subnets are /28 at the smallest.
    public = list(second_half.subnets(prefixlen_diff=bits + 2))[:zones]
    return SubnetPlan(tuple(map(str, private)), tuple(map(str, public)))


class Network(pulumi.ComponentResource):
    """VPC, subnets, egress (NAT or endpoints), S3 endpoint, flow logs; or an existing VPC."""

    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    availability_zones: list[str]
    private_subnet_ids: list[pulumi.Input[str]]
    public_subnet_ids: list[pulumi.Input[str]]
    mwaa_subnet_ids: list[pulumi.Input[str]]
    private_route_table_ids: list[pulumi.Output[str]]
    nat_gateway_count: int
    internet_egress: bool | None
    """True with NAT, False with endpoints only, None for an existing VPC (not ours to know)."""
    interface_endpoint_services: tuple[str, ...]
    flow_logs: bool
    shared_vpc: bool
    """The VPC is owned by another account (a shared VPC): its owner creates endpoints in it."""
    egress_ready: list[pulumi.Resource]
    """What the private subnets' egress is made of (NAT gateways, routes and their
    associations, S3 gateway and interface endpoints): platforms depend on it, so they are
    created after their way out exists and destroyed before it goes. Empty for an existing
    VPC (its egress is the owner's)."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:network:Network", name, None, opts)
        self.private_route_table_ids = []
        self.nat_gateway_count = 0
        self.interface_endpoint_services = ()
        self.egress_ready = []
        if args.settings.existing:
            self._existing(args.settings, args.architecture)
        else:
            self._created(name, args)
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "privateSubnetIds": self.private_subnet_ids,
                "publicSubnetIds": self.public_subnet_ids,
                "availabilityZones": self.availability_zones,
            }
        )

    # ------------------------------------------------------------------ existing VPC
    def _existing(self, settings: NetworkSettings, architecture: str) -> None:
        """Look the VPC and subnets up and check what only EC2 knows, before any resource.

        Plain (blocking) invokes, as for the zones: a wrong id or a subnet elsewhere must stop
        the preview with one line naming the setting, not fail later inside a resource.
        """
        invoke = pulumi.InvokeOptions(parent=self)
        vpc_id = settings.existing_vpc_id
        try:
            vpc = aws.ec2.get_vpc(id=vpc_id, opts=invoke)
        except Exception as exc:
            raise SettingsError(f"existingVpcId: {vpc_id} {_lookup_failure(exc)}") from None
        private = self._subnets("existingPrivateSubnetIds", settings.existing_private_subnet_ids)
        errors = [
            f"existingPrivateSubnetIds: {subnet.id} is in {subnet.vpc_id}, not in existingVpcId "
            f"{vpc_id}"
            for subnet in private
            if subnet.vpc_id != vpc_id
        ]
        if not (vpc.enable_dns_support and vpc.enable_dns_hostnames):
            errors.append(
                f"existingVpcId: {vpc_id} has DNS support or DNS hostnames off; MWAA's private "
                "web server and interface endpoints need both on"
            )
        if architecture == "eks":
            errors += [
                f"existingPrivateSubnetIds: {s.id} is in {s.availability_zone} "
                f"({s.availability_zone_id}), a zone where EKS cannot place a control plane"
                for s in private
                if s.availability_zone_id in UNSUPPORTED_ZONE_IDS
            ]
        zones = list(dict.fromkeys(s.availability_zone for s in private))
        if len(zones) < 2:
            errors.append(
                f"existingPrivateSubnetIds: all in {zones[0]}; MWAA and EKS need private "
                "subnets in at least two availability zones"
            )
        if errors:
            raise SettingsError("\n".join(errors))
        by_zone = {s.availability_zone: s.id for s in reversed(private)}
        self.vpc_id = vpc_id
        self.vpc_cidr = str(vpc.cidr_block)
        self.availability_zones = zones
        self.private_subnet_ids = [s.id for s in private]
        # The ALB is internal and NAT is the owner's: nothing of the platforms is public.
        self.public_subnet_ids = []
        # The first subnet of each of the first two zones, in the order the settings list them.
        self.mwaa_subnet_ids = [by_zone[zone] for zone in zones[:2]]
        self.internet_egress = None
        self.flow_logs = False
        account_id = aws.get_caller_identity(opts=invoke).account_id
        self.shared_vpc = vpc.owner_id != account_id
        pulumi.log.warn(
            f"existing VPC {vpc_id}: no flow logs are created (the VPC is not ours; ask its "
            "owner for them), and its egress is the owner's: see docs/network.md for "
            "what needs the internet and the subnet tags EKS expects",
            resource=self,
        )

    def _subnets(self, key: str, ids: tuple[str, ...]) -> list[aws.ec2.GetSubnetResult]:
        """Every subnet looked up; all that fail are reported together, in one line."""
        found: list[aws.ec2.GetSubnetResult] = []
        failures: list[str] = []
        for subnet_id in ids:
            try:
                found.append(
                    aws.ec2.get_subnet(id=subnet_id, opts=pulumi.InvokeOptions(parent=self))
                )
            except Exception as exc:
                failures.append(f"{subnet_id} {_lookup_failure(exc)}")
        if failures:
            raise SettingsError(f"{key}: {'; '.join(failures)}")
        return found

    # ------------------------------------------------------------------ created VPC
    def _created(self, name: str, args: NetworkArgs) -> None:
        settings = args.settings
        zones = self._zones(settings.az_count)
        subnets = plan_subnets(settings.cidr, settings.az_count)
        child = pulumi.ResourceOptions(parent=self)
        nat = settings.egress == "nat"

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=settings.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": f"{name}-vpc"},
            opts=child,
        )
        # Managed with no rules: resources must opt into a security group of their own.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[], opts=child
        )

        private_ids = [
            aws.ec2.Subnet(
                f"{name}-private-{i}",
                vpc_id=vpc.id,
                cidr_block=subnets.private[i],
                availability_zone=zone,
                tags={"Name": f"{name}-private-{zone}", "kubernetes.io/role/internal-elb": "1"},
                opts=child,
            ).id
            for i, zone in enumerate(zones)
        ]
        public_ids, nat_ids = (
            self._nat(name, vpc, zones, subnets, settings.nat_strategy, asleep=args.asleep)
            if nat
            else ([], [])
        )

        private_rt_ids = []
        for i, subnet_id in enumerate(private_ids):
            # Without NAT the table keeps only the local route (and the S3 prefix list).
            routes: list[aws.ec2.RouteTableRouteArgsDict] = (
                [{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat_ids[i % len(nat_ids)]}]
                if nat_ids
                else []
            )
            rt = aws.ec2.RouteTable(
                f"{name}-private-rt-{i}",
                vpc_id=vpc.id,
                routes=routes,
                tags={"Name": f"{name}-private-{zones[i]}"},
                opts=child,
            )
            rta = aws.ec2.RouteTableAssociation(
                f"{name}-private-rta-{i}", subnet_id=subnet_id, route_table_id=rt.id, opts=child
            )
            private_rt_ids.append(rt.id)
            self.egress_ready += [rt, rta]

        account = Account.lookup(self)
        s3 = aws.ec2.VpcEndpoint(
            f"{name}-s3-endpoint",
            vpc_id=vpc.id,
            service_name=pulumi.Output.concat("com.amazonaws.", account.region, ".s3"),
            vpc_endpoint_type="Gateway",
            route_table_ids=private_rt_ids,
            tags={"Name": f"{name}-s3"},
            opts=child,
        )
        self.egress_ready.append(s3)
        if args.asleep:
            pass  # interface endpoints bill by the hour and serve only the running platform
        elif not nat:
            self._interface_endpoints(
                name,
                vpc=vpc,
                cidr=settings.cidr,
                subnet_ids=private_ids,
                account=account,
                services=interface_endpoint_services(args.architecture),
            )
        elif args.architecture == "mwaa" and args.mwaa_private_web_server:
            # The callers (workers, a runner in the VPC) reach it by private DNS from every
            # subnet; the NAT's zone comes first (`_nat`), MWAA's two subnets are 0 and 1.
            self._interface_endpoints(
                name,
                vpc=vpc,
                cidr=settings.cidr,
                subnet_ids=private_ids[: nat_endpoint_zones(settings.nat_strategy)],
                account=account,
                services=nat_endpoint_services(private_web_server=True),
            )
        self._flow_logs(name, vpc, account, args)

        self.vpc_id = vpc.id
        self.vpc_cidr = settings.cidr
        self.availability_zones = zones
        self.private_subnet_ids = list(private_ids)
        self.public_subnet_ids = list(public_ids)
        # Subnets 0 and 1 sit in different zones by construction: what MWAA requires.
        self.mwaa_subnet_ids = list(private_ids[:2])
        self.private_route_table_ids = private_rt_ids
        self.nat_gateway_count = len(nat_ids)
        self.internet_egress = nat
        self.flow_logs = True
        self.shared_vpc = False

    def _nat(
        self,
        name: str,
        vpc: aws.ec2.Vpc,
        zones: list[str],
        subnets: SubnetPlan,
        strategy: str,
        *,
        asleep: bool,
    ) -> tuple[list[pulumi.Output[str]], list[pulumi.Output[str]]]:
        """Internet gateway, one public subnet per zone, and the NAT gateways (none while
        asleep): (public subnet ids, NAT gateway ids)."""
        child = pulumi.ResourceOptions(parent=self)
        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags={"Name": f"{name}-igw"}, opts=child
        )
        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags={"Name": f"{name}-public"},
            opts=child,
        )
        self.egress_ready.append(public_rt)
        public_ids = []
        for i, zone in enumerate(zones):
            public = aws.ec2.Subnet(
                f"{name}-public-{i}",
                vpc_id=vpc.id,
                cidr_block=subnets.public[i],
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-public-{zone}", "kubernetes.io/role/elb": "1"},
                opts=child,
            )
            public_rta = aws.ec2.RouteTableAssociation(
                f"{name}-public-rta-{i}",
                subnet_id=public.id,
                route_table_id=public_rt.id,
                opts=child,
            )
            public_ids.append(public.id)
            self.egress_ready.append(public_rta)

        nat_count = 0 if asleep else 1 if strategy == "single" else len(zones)
        nat_ids = []
        for i in range(nat_count):
            eip = aws.ec2.Eip(f"{name}-nat-eip-{i}", domain="vpc", opts=child)
            nat = aws.ec2.NatGateway(
                f"{name}-nat-{i}",
                allocation_id=eip.allocation_id,
                subnet_id=public_ids[i],
                tags={"Name": f"{name}-nat-{zones[i]}"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
            )
            nat_ids.append(nat.id)
            self.egress_ready.append(nat)
        return public_ids, nat_ids

    def _interface_endpoints(
        self,
        name: str,
        *,
        vpc: aws.ec2.Vpc,
        cidr: str,
        subnet_ids: list[pulumi.Output[str]],
        account: Account,
        services: tuple[str, ...],
    ) -> None:
        """One interface endpoint per service in `services`, private DNS on, so the SDKs'
        default regional names resolve to addresses inside the VPC."""
        child = pulumi.ResourceOptions(parent=self)
        sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg",
            vpc_id=vpc.id,
            description=f"Interface endpoints of {name}: HTTPS from the VPC",
            tags={"Name": f"{name}-endpoints"},
            opts=child,
        )
        https = aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-https",
            security_group_id=sg.id,
            cidr_ipv4=cidr,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="AWS API calls from inside the VPC",
            opts=child,
        )
        self.egress_ready.append(https)
        for service in services:
            endpoint = aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}-endpoint",
                vpc_id=vpc.id,
                service_name=pulumi.Output.concat("com.amazonaws.", account.region, f".{service}"),
                vpc_endpoint_type="Interface",
                subnet_ids=subnet_ids,
                security_group_ids=[sg.id],
                private_dns_enabled=True,
                tags={"Name": f"{name}-{service}"},
                opts=child,
            )
            self.egress_ready.append(endpoint)
        self.interface_endpoint_services = services

    def _zones(self, count: int) -> list[str]:
        # A plain (blocking) invoke: the zone count decides how many subnets exist, so it must
        # be known, and checked, before any subnet is declared.
        available = aws.get_availability_zones(
            state="available",
            exclude_zone_ids=list(UNSUPPORTED_ZONE_IDS),
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOptions(parent=self),
        ).names
        if len(available) < count:
            raise SettingsError(
                f"azCount: {count} is more than the {len(available)} availability zones "
                "of this region"
            )
        return list(available[:count])

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, account: Account, args: NetworkArgs) -> None:
        group_name = f"/aws/vpc/{name}/flow-logs"
        key = customer_key(
            f"{name}-flow-logs",
            description=f"Flow logs of {name}",
            account=account,
            service_statements=[logs_key_statement(account, group_name)],
            parent=self,
            protect=args.protect,
        )
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=key.arn,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        role = service_role(
            f"{name}-flow-logs-role",
            service="vpc-flow-logs.amazonaws.com",
            account=account,
            statements=[
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogGroups",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": [group.arn, pulumi.Output.concat(group.arn, ":*")],
                }
            ],
            parent=self,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=600,
            opts=assuming(role, opts=pulumi.ResourceOptions(parent=self)),
        )


# How EC2 and the provider's data sources say an id does not exist (InvalidVpcID.NotFound,
# InvalidSubnetID.NotFound, "no matching EC2 VPC found").
_NOT_FOUND = re.compile(r"\.NotFound\b|no matching EC2 \w+ found", re.IGNORECASE)


def _lookup_failure(exc: Exception) -> str:
    """'was not found' for a missing id; otherwise why the lookup failed (access denied,
    throttling, no credentials), which says nothing about whether the id exists."""
    reason = _reason(exc)
    if _NOT_FOUND.search(str(exc)):
        return f"was not found ({reason})"
    return f"could not be looked up ({reason})"


def _reason(exc: Exception) -> str:
    """The provider's message, without the SDK's wrapping."""
    return str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
