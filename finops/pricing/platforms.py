"""Airflow platforms: the MWAA environment, the EKS control plane, node groups, add-ons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from finops.data import dig
from finops.pricing.base import (
    CONTAINER_INSIGHTS_ADDON,
    EKS_CLUSTER,
    LAUNCH_TEMPLATE,
    LOG_GROUP,
    MANAGED_NODE_GROUP,
    MWAA_LOG_GROUP,
    MWAA_LOG_TYPES,
    NODE_GROUP,
    Context,
    Resource,
    input_number,
    input_text,
    line,
    log_kind,
    number,
    resource_label,
    unpriced,
)
from finops.pricing.observability import secrets_manager_calls
from finops.report import LineItem


def price_mwaa(res: Resource, ctx: Context) -> list[LineItem]:
    table = ctx.prices["mwaa"]
    env_class = input_text(res, ctx, "environmentClass", "mw1.small") or "mw1.small"  # API default
    if env_class not in table["environment_hourly"]:
        return unpriced(res, ctx, f"no MWAA price for environment class {env_class!r}")
    workers = table["included_workers"]
    schedulers = _included(table["included_schedulers"], env_class)
    webservers = _included(table["included_webservers"], env_class)
    min_workers = input_number(res, ctx, "minWorkers", 1) or 1
    max_workers = input_number(res, ctx, "maxWorkers", 10) or 10
    extras = {  # price key: (what, instances beyond those the environment includes)
        "additional_worker_hourly": ("additional workers", min_workers - workers),
        "additional_scheduler_hourly": (
            "additional schedulers",
            (input_number(res, ctx, "schedulers", schedulers) or 0) - schedulers,
        ),
        "additional_webserver_hourly": (
            "additional web servers",
            (input_number(res, ctx, "minWebservers", webservers) or 0) - webservers,
        ),
    }
    env = (
        f"{env_class} environment (includes {workers} worker, {schedulers} schedulers, "
        f"{webservers} web servers)"
    )
    items = [
        line(
            res,
            env,
            ctx.hours,
            "h",
            table["environment_hourly"][env_class],
            note=f"workers min {min_workers:g} / max {max_workers:g}; idle baseline = min",
        ),
    ]
    for key, (what, count) in extras.items():
        if count > 0 and env_class in table[key]:
            items.append(
                line(
                    res,
                    f"{what}: {count:g}",
                    count * ctx.hours,
                    "instance-h",
                    table[key][env_class],
                )
            )
    storage_gb = float(ctx.usage["mwaa"]["metadata_db_gb"])
    items.append(
        line(
            res,
            "metadata database storage",
            storage_gb,
            "GB-month",
            table["metadata_storage_gb_month"],
            note="usage mwaa.metadata_db_gb",
        )
    )
    return items + _mwaa_unmanaged_logs(res, ctx) + secrets_manager_calls(res, ctx)


def _included(table: Mapping[str, int], env_class: str) -> int:
    return int(table.get(env_class, table["default"]))


def _mwaa_unmanaged_logs(res: Resource, ctx: Context) -> list[LineItem]:
    """MWAA creates its own log groups (never expiring) unless the program pre-creates them."""
    managed = [g for g in ctx.of_type(LOG_GROUP) if MWAA_LOG_GROUP.match(resource_label(g))]
    if managed:
        return []
    config = res.get("loggingConfiguration") or {"taskLogs": {"enabled": True}}
    kinds = [kind for key, kind in MWAA_LOG_TYPES.items() if dig(config, f"{key}.enabled") is True]
    gb = sum(float(ctx.usage["logs"]["gb_per_month"].get(kind, 0.0)) for kind in kinds)
    if not kinds:
        return []
    ctx.warn(res, "MWAA log groups are not pre-created: MWAA makes them without retention")
    return [
        line(
            res,
            f"log ingestion, MWAA-created groups ({', '.join(kinds)})",
            gb,
            "GB",
            ctx.prices["cloudwatch"]["logs_ingest_gb"]["STANDARD"],
        )
    ]


# ---------------------------------------------------------------- EKS


def price_eks_cluster(res: Resource, ctx: Context) -> list[LineItem]:
    table = ctx.prices["eks"]
    version = input_text(res, ctx, "version", None)
    support = input_text(res, ctx, "upgradePolicy.supportType", None)
    if support != "STANDARD":
        why = "is EXTENDED" if support == "EXTENDED" else "is not set, so AWS defaults to EXTENDED"
        ctx.warn(
            res,
            f"upgradePolicy.supportType {why}: once Kubernetes {version or '(version unset)'} "
            f"leaves standard support the control plane bills "
            f"${table['extended_support_hourly']:.2f}/h "
            f"(${table['extended_support_hourly'] * ctx.hours:,.2f}/month) instead of "
            f"${table['cluster_hourly']:.2f}/h",
        )
    items = [
        line(
            res,
            f"EKS control plane (Kubernetes {version or 'default'}, standard support)",
            ctx.hours,
            "h",
            table["cluster_hourly"],
            note=f"upgradePolicy.supportType={support or 'unset'}",
        )
    ]
    items += _eks_unmanaged_logs(res, ctx)
    items += _eks_default_node_group(res, ctx)
    items += secrets_manager_calls(res, ctx)
    if res.get("autoMode.enabled") is True:
        ctx.warn(res, "EKS Auto Mode management fees are not modelled")
    return items


def _eks_unmanaged_logs(res: Resource, ctx: Context) -> list[LineItem]:
    log_types = res.get("enabledClusterLogTypes")
    managed = [
        g for g in ctx.of_type(LOG_GROUP) if log_kind(resource_label(g)) == "eks_control_plane"
    ]
    if not isinstance(log_types, list) or not log_types or managed:
        return []
    ctx.warn(res, "control-plane log group is not pre-created: EKS makes it without retention")
    gb = float(ctx.usage["logs"]["gb_per_month"]["eks_control_plane"])
    return [
        line(
            res,
            f"log ingestion, EKS control plane ({len(log_types)} log types)",
            gb,
            "GB",
            ctx.prices["cloudwatch"]["logs_ingest_gb"]["STANDARD"],
        )
    ]


def _eks_default_node_group(res: Resource, ctx: Context) -> list[LineItem]:
    """pulumi-eks creates a t3.medium x 2 node group unless told not to."""
    if res.get("skipDefaultNodeGroup") is True or res.get("autoMode.enabled") is True:
        return []
    ctx.warn(
        res, "skipDefaultNodeGroup is not true: pulumi-eks adds a default self-managed node group"
    )
    instance = input_text(res, ctx, "instanceType", "t3.medium") or "t3.medium"
    count = input_number(res, ctx, "desiredCapacity", 2) or 0
    disk = input_number(res, ctx, "nodeRootVolumeSize", 20) or 0
    return _node_lines(
        res, ctx, NodeShape(instance, "ON_DEMAND", count, disk, "gp2", "default node group")
    )


@dataclass(frozen=True)
class NodeShape:
    instance_type: str
    capacity_type: str
    count: float
    disk_gib: float
    disk_type: str
    label: str


def price_node_group(res: Resource, ctx: Context) -> list[LineItem]:
    desired = input_number(res, ctx, "scalingConfig.desiredSize", None)
    if desired is None:
        return unpriced(res, ctx, "scalingConfig.desiredSize is missing or unknown")
    template = find_launch_template(res, ctx)
    types = res.get("instanceTypes")
    instance = types[0] if isinstance(types, list) and types and isinstance(types[0], str) else None
    instance = instance or (template.get("instanceType") if template else None) or "t3.medium"
    if isinstance(types, list) and len(types) > 1:
        ctx.warn(res, f"several instance types {types}: priced as the first, {instance}")
    disk, disk_type = _node_disk(res, ctx, template)
    capacity = input_text(res, ctx, "capacityType", "ON_DEMAND") or "ON_DEMAND"
    low, high = res.get("scalingConfig.minSize"), res.get("scalingConfig.maxSize")
    scaling = f"desired {desired:g} (min {low}, max {high})"
    return _node_lines(res, ctx, NodeShape(instance, capacity, desired, disk, disk_type, scaling))


def _node_lines(res: Resource, ctx: Context, shape: NodeShape) -> list[LineItem]:
    on_demand = ctx.prices["ec2"]["on_demand_hourly"].get(shape.instance_type)
    if on_demand is None:
        return unpriced(res, ctx, f"no EC2 price for instance type {shape.instance_type!r}")
    spot = shape.capacity_type == "SPOT"
    factor = float(ctx.usage["spot_factor"]) if spot else 1.0
    hourly = round(on_demand * factor, 6)
    how = f"SPOT at {factor:g} x on-demand ${on_demand}/h" if spot else "ON_DEMAND"
    items = [
        line(
            res,
            f"{shape.instance_type} {how}, {shape.label}",
            shape.count * ctx.hours,
            "instance-h",
            hourly,
            note="idle baseline = desired size",
        )
    ]
    disk_price = ctx.prices["ebs"]["gb_month"].get(shape.disk_type)
    if disk_price is None:
        ctx.warn(res, f"no EBS price for volume type {shape.disk_type!r}; disks not priced")
    elif shape.count and shape.disk_gib:
        items.append(
            line(
                res,
                f"{shape.disk_type} root volumes {shape.count:g} x {shape.disk_gib:g} GiB",
                shape.count * shape.disk_gib,
                "GB-month",
                disk_price,
            )
        )
    return items


def _node_disk(res: Resource, ctx: Context, template: Resource | None) -> tuple[float, str]:
    default_gib = float(ctx.usage["eks_default_disk_gib"])
    if template is not None:
        size = number(template.get("blockDeviceMappings.0.ebs.volumeSize"))
        kind = template.get("blockDeviceMappings.0.ebs.volumeType")
        if size is None:
            ctx.warn(
                res,
                f"launch template {template.name} sets no root volume size; "
                f"{default_gib:g} GiB assumed",
            )
        return (size if size is not None else default_gib), (
            kind if isinstance(kind, str) else "gp3"
        )
    size = input_number(res, ctx, "diskSize", default_gib)
    return (size if size is not None else default_gib), "gp3"


def find_launch_template(res: Resource, ctx: Context) -> Resource | None:
    """The launch template a node group uses.

    Matched, in order: `launchTemplate.name` against a template's `name` input or logical
    name; `launchTemplate.id` against a template's logical name (mocks usually derive ids from
    it); then the template named `<node group>-lt`; then the only template whose logical name
    starts with the node group's. None (with a warning) when the group names a template that
    cannot be found or several match.
    """
    templates = ctx.of_type(LAUNCH_TEMPLATE)
    ref = res.get("launchTemplate")
    if not isinstance(ref, Mapping):
        return None
    wanted_name, wanted_id = ref.get("name"), ref.get("id")
    for template in templates:
        if isinstance(wanted_name, str) and wanted_name in (template.get("name"), template.name):
            return template
    for template in templates:
        if isinstance(wanted_id, str) and wanted_id and wanted_id.startswith(template.name):
            return template
    exact = [t for t in templates if t.name == f"{res.name}-lt"]
    prefixed = exact or [t for t in templates if t.name.startswith(res.name)]
    if len(prefixed) == 1:
        return prefixed[0]
    ctx.warn(res, f"launch template not found among {len(templates)} planned; default disk assumed")
    return None


def node_count(ctx: Context) -> float:
    """Nodes running at the idle baseline, over every node group in the plan."""
    total = 0.0
    for group in ctx.of_type(NODE_GROUP, MANAGED_NODE_GROUP):
        total += number(group.get("scalingConfig.desiredSize")) or 0.0
    for cluster in ctx.of_type(EKS_CLUSTER):
        if (
            cluster.get("skipDefaultNodeGroup") is not True
            and cluster.get("autoMode.enabled") is not True
        ):
            total += number(cluster.get("desiredCapacity")) or 2.0
    return total


def price_addon(res: Resource, ctx: Context) -> list[LineItem]:
    name = input_text(res, ctx, "addonName", None)
    if name != CONTAINER_INSIGHTS_ADDON:
        return [line(res, f"EKS add-on {name or '(unknown)'} (no add-on charge)", 1, "add-on", 0.0)]
    nodes = node_count(ctx)
    if not nodes:
        ctx.warn(res, "Container Insights with no node in the plan: observations not priced")
    per_node = float(ctx.usage["container_insights"]["observations_per_node_month"]) / 1e6
    items = [
        line(
            res,
            f"Container Insights observations, {nodes:g} nodes x {per_node:g} M",
            nodes * per_node,
            "M observations",
            ctx.prices["cloudwatch"]["container_insights_per_million_observations"],
            note="enhanced observability for EKS; usage container_insights.*",
        )
    ]
    managed = [
        g for g in ctx.of_type(LOG_GROUP) if resource_label(g).startswith("/aws/containerinsights/")
    ]
    if not managed:
        kinds = (
            "container_insights_application",
            "container_insights_dataplane",
            "container_insights_host",
        )
        gb = sum(float(ctx.usage["logs"]["gb_per_month"][kind]) for kind in kinds)
        ctx.warn(
            res,
            "Container Insights log groups are not pre-created: "
            "the add-on makes them without retention",
        )
        items.append(
            line(
                res,
                "log ingestion, add-on-created groups (application, dataplane, host)",
                gb,
                "GB",
                ctx.prices["cloudwatch"]["logs_ingest_gb"]["STANDARD"],
            )
        )
    return items
