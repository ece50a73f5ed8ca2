"""What every pricer shares: type tokens, the planned resource, the estimate context, helpers.

Pricers read the inputs exactly as the Pulumi engine sees them (camelCase wire names,
checked against the installed pulumi-aws 7.51 / pulumi-eks 4.4 SDKs), never crashes on a
missing or unknown value, and says in a warning what it could not price.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from finops.data import dig, is_unknown
from finops.report import LineItem

# Type tokens the program declares (pulumi-aws 7.51.1, pulumi-eks 4.4, pulumi-kubernetes 4.34).
MWAA = "aws:mwaa/environment:Environment"
EKS_CLUSTER = "eks:index:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_DESIRED_STATE = "aws:rds/instanceDesiredState:InstanceDesiredState"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
KMS_KEY = "aws:kms/key:Key"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRET = "aws:secretsmanager/secret:Secret"
PULL_THROUGH_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
ADDON = "aws:eks/addon:Addon"
BUCKET = "aws:s3/bucket:Bucket"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
BUDGET = "aws:budgets/budget:Budget"
SNS_TOPIC = "aws:sns/topic:Topic"
SNS_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"

CONTAINER_INSIGHTS_ADDON = "amazon-cloudwatch-observability"
ALB_GROUP_ANNOTATION = "alb.ingress.kubernetes.io/group.name"
LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
MWAA_LOG_TYPES = {
    "dagProcessingLogs": "mwaa_dagprocessing",
    "schedulerLogs": "mwaa_scheduler",
    "taskLogs": "mwaa_task",
    "webserverLogs": "mwaa_webserver",
    "workerLogs": "mwaa_worker",
}
MWAA_LOG_GROUP = re.compile(r"^airflow-.+-(DAGProcessing|Scheduler|Task|WebServer|Worker)$")
_QUANTITY = re.compile(r"^\s*([0-9.]+)\s*([KMGTPE]i?)?\s*$")
_BINARY = {"Ki": 2**-20, "Mi": 2**-10, "Gi": 1.0, "Ti": 2**10, "Pi": 2**20}
_DECIMAL = {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}


@dataclass(frozen=True)
class Resource:
    """One planned resource, as `tools/plan.py` hands it over."""

    type: str
    name: str
    inputs: Mapping[str, Any]

    @classmethod
    def from_plan(cls, raw: Mapping[str, Any]) -> Resource:
        inputs = raw.get("inputs")
        return cls(
            str(raw.get("type", "")),
            str(raw.get("name", "")),
            inputs if isinstance(inputs, Mapping) else {},
        )

    def get(self, path: str) -> Any:
        return dig(self.inputs, path)


@dataclass
class Context:
    """Everything one estimate shares: prices, usage, the whole plan, and the warnings."""

    prices: dict[str, Any]
    usage: dict[str, Any]
    hours: float
    resources: list[Resource]
    warnings: list[str] = field(default_factory=list)
    alb_groups: set[str] = field(default_factory=set)

    def warn(self, resource: Resource, message: str) -> None:
        self.warnings.append(f"{resource.name} ({resource.type}): {message}")

    def of_type(self, *types: str) -> list[Resource]:
        return [resource for resource in self.resources if resource.type in types]

    @property
    def platform(self) -> str:
        """ "mwaa", "eks" or "none": chooses usage assumptions that differ by platform."""
        if self.of_type(MWAA):
            return "mwaa"
        return "eks" if self.of_type(EKS_CLUSTER) else "none"


Pricer = Callable[[Resource, Context], list[LineItem]]


# ---------------------------------------------------------------- helpers


def line(
    res: Resource, item: str, quantity: float, unit: str, unit_price: float, *, note: str = ""
) -> LineItem:
    return LineItem(
        resource=res.name,
        type=res.type,
        item=item,
        quantity=round(quantity, 6),
        unit=unit,
        unit_price=unit_price,
        monthly=round(quantity * unit_price, 2),
        note=note,
    )


def unpriced(res: Resource, ctx: Context, reason: str) -> list[LineItem]:
    """The zero line a priced type gets when its inputs do not allow a price."""
    ctx.warn(res, f"{reason}; not priced")
    return [line(res, f"not priced: {reason}", 0, "-", 0.0)]


def number(value: Any) -> float | None:
    if is_unknown(value) or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def input_number(res: Resource, ctx: Context, path: str, default: float | None) -> float | None:
    """A numeric input; the API default when absent; a warning when unknown or malformed."""
    raw = res.get(path)
    if raw is None and absent(res.inputs, path):
        return default
    value = number(raw)
    if value is None:
        shown = f"default {default:g}" if default is not None else "no default"
        ctx.warn(res, f"input {path} is unknown or not a number ({shown} used)")
        return default
    return value


def input_text(res: Resource, ctx: Context, path: str, default: str | None) -> str | None:
    raw = res.get(path)
    if raw is None and absent(res.inputs, path):
        return default
    if not isinstance(raw, str):
        shown = f"default {default!r}" if default is not None else "no default"
        ctx.warn(res, f"input {path} is unknown ({shown} used)")
        return default
    return raw


def absent(inputs: Mapping[str, Any], path: str) -> bool:
    """True when the key is simply not set (as opposed to set to the unknown sentinel)."""
    current: Any = inputs
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return True
        current = current[part]
    return False


def gib(quantity: Any) -> float | None:
    """A Kubernetes quantity ("50Gi", "100G", "1Ti") in GiB."""
    if isinstance(quantity, int | float) and not isinstance(quantity, bool):
        return float(quantity) / 2**30  # a bare number is bytes
    match = _QUANTITY.match(quantity) if isinstance(quantity, str) else None
    if not match:
        return None
    value, suffix = float(match.group(1)), match.group(2) or ""
    if suffix in _BINARY:
        return value * _BINARY[suffix]
    return value * _DECIMAL.get(suffix, 1.0) / 2**30


def resource_label(res: Resource) -> str:
    """The AWS-side name when planned (`name` input), else the logical name."""
    name = res.get("name")
    return name if isinstance(name, str) else res.name


def log_kind(name: str) -> str:
    """The usage key (`logs.gb_per_month.<kind>`) a log group is priced with, by its name."""
    mwaa = MWAA_LOG_GROUP.match(name)
    if mwaa:
        return f"mwaa_{mwaa.group(1).lower()}"
    if name.startswith("/aws/eks/") and name.endswith("/cluster"):
        return "eks_control_plane"
    if name.startswith("/aws/containerinsights/"):
        return f"container_insights_{name.rstrip('/').rsplit('/', 1)[-1]}"
    if "flow-log" in name or "flowlog" in name.replace("-", "").replace("_", ""):
        return "vpc_flow_logs"
    return "other"
