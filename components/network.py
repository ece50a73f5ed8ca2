"""The VPC both Airflow platforms run in.

Public and private subnets are carved from one VPC CIDR across N availability zones taken
from the provider (never literal names); NAT is one gateway (`single`) or one per zone
(`per-az`). S3 traffic stays on the gateway endpoint, flow logs go to an encrypted log group,
and the default security group is emptied so nothing lands in it by accident.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_helpers import (
    Account,
    assuming,
    customer_key,
    logs_key_statement,
    service_role,
)
from components.settings import NetworkSettings, SettingsError

# Zones where EKS cannot place a control plane (EKS user guide, "Amazon EKS cluster
# networking": CreateCluster answers UnsupportedAvailabilityZoneException). Zone *ids* are the
# same in every account, unlike the letters, so they are excluded by id on both platforms.
UNSUPPORTED_ZONE_IDS = ("use1-az3", "usw1-az2", "cac1-az3")


@dataclass(frozen=True)
class NetworkArgs:
    settings: NetworkSettings
    """CIDR, zone count and NAT strategy."""
    log_retention_days: int
    """Retention of the flow-log group."""
    protect: bool
    """Protect the flow-log key and group from deletion."""


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
    """VPC, subnets, NAT, S3 endpoint, flow logs."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    availability_zones: list[str]
    private_subnet_ids: list[pulumi.Output[str]]
    public_subnet_ids: list[pulumi.Output[str]]
    mwaa_subnet_ids: list[pulumi.Output[str]]
    private_route_table_ids: list[pulumi.Output[str]]
    nat_gateway_count: int

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:network:Network", name, None, opts)
        settings = args.settings
        zones = self._zones(settings.az_count)
        subnets = plan_subnets(settings.cidr, settings.az_count)
        child = pulumi.ResourceOptions(parent=self)

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
        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags={"Name": f"{name}-igw"}, opts=child
        )

        public_ids, private_ids = [], []
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
            private = aws.ec2.Subnet(
                f"{name}-private-{i}",
                vpc_id=vpc.id,
                cidr_block=subnets.private[i],
                availability_zone=zone,
                tags={"Name": f"{name}-private-{zone}", "kubernetes.io/role/internal-elb": "1"},
                opts=child,
            )
            public_ids.append(public.id)
            private_ids.append(private.id)

        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags={"Name": f"{name}-public"},
            opts=child,
        )
        for i, subnet_id in enumerate(public_ids):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-rta-{i}",
                subnet_id=subnet_id,
                route_table_id=public_rt.id,
                opts=child,
            )

        nat_count = 1 if settings.nat_strategy == "single" else settings.az_count
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

        private_rt_ids = []
        for i, subnet_id in enumerate(private_ids):
            rt = aws.ec2.RouteTable(
                f"{name}-private-rt-{i}",
                vpc_id=vpc.id,
                routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat_ids[i % nat_count]}],
                tags={"Name": f"{name}-private-{zones[i]}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-rta-{i}", subnet_id=subnet_id, route_table_id=rt.id, opts=child
            )
            private_rt_ids.append(rt.id)

        account = Account.lookup(self)
        aws.ec2.VpcEndpoint(
            f"{name}-s3-endpoint",
            vpc_id=vpc.id,
            service_name=pulumi.Output.concat("com.amazonaws.", account.region, ".s3"),
            vpc_endpoint_type="Gateway",
            route_table_ids=private_rt_ids,
            tags={"Name": f"{name}-s3"},
            opts=child,
        )
        self._flow_logs(name, vpc, account, args)

        self.vpc_id = vpc.id
        self.vpc_cidr = settings.cidr
        self.availability_zones = zones
        self.private_subnet_ids = private_ids
        self.public_subnet_ids = public_ids
        # Subnets 0 and 1 sit in different zones by construction: what MWAA requires.
        self.mwaa_subnet_ids = private_ids[:2]
        self.private_route_table_ids = private_rt_ids
        self.nat_gateway_count = nat_count
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "privateSubnetIds": self.private_subnet_ids,
                "publicSubnetIds": self.public_subnet_ids,
                "availabilityZones": self.availability_zones,
            }
        )

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
