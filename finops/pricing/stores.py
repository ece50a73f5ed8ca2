"""Data stores: the RDS metadata database, the ElastiCache broker, S3 buckets."""

from __future__ import annotations

from finops.pricing.base import (
    RDS_DESIRED_STATE,
    Context,
    Resource,
    input_number,
    input_text,
    line,
    number,
    unpriced,
)
from finops.report import LineItem


def price_rds_instance(res: Resource, ctx: Context) -> list[LineItem]:
    table = ctx.prices["rds"]
    instance_class = input_text(res, ctx, "instanceClass", None)
    if instance_class not in table["instance_hourly"]:
        return unpriced(res, ctx, f"no RDS price for instance class {instance_class!r}")
    engine = res.get("engine")
    if isinstance(engine, str) and engine != "postgres":
        ctx.warn(res, f"engine {engine!r} priced at PostgreSQL rates")
    multi_az = res.get("multiAz") is True
    factor = table["multi_az_factor"] if multi_az else 1
    deployment = "Multi-AZ" if multi_az else "single-AZ"
    stopped = _stopped(res, ctx)
    items = [
        line(
            res,
            f"{instance_class} PostgreSQL {deployment}" + (" (stopped)" if stopped else ""),
            0 if stopped else ctx.hours,
            "h",
            table["instance_hourly"][instance_class] * factor,
            note="a stopped instance bills its storage only (docs/sleep.md)" if stopped else "",
        )
    ]
    storage = input_number(res, ctx, "allocatedStorage", None)
    storage_type = input_text(res, ctx, "storageType", "gp2") or "gp2"
    per_gb = table["storage_gb_month"].get(storage_type)
    if storage is None or per_gb is None:
        ctx.warn(
            res, f"storage not priced (allocatedStorage={storage}, storageType={storage_type!r})"
        )
        return items
    retention = res.get("backupRetentionPeriod")
    items.append(
        line(
            res,
            f"{storage_type} storage {storage:g} GB {deployment}",
            storage,
            "GB-month",
            per_gb * factor,
            note=f"backups ({retention} days) free up to 100 % of the storage size",
        )
    )
    return items


def _stopped(res: Resource, ctx: Context) -> bool:
    """The plan stops this instance (`aws.rds.InstanceDesiredState`, a stack asleep)."""
    return any(
        state.get("state") == "stopped" and state.get("identifier") == res.get("identifier")
        for state in ctx.of_type(RDS_DESIRED_STATE)
    )


def price_replication_group(res: Resource, ctx: Context) -> list[LineItem]:
    table = ctx.prices["elasticache"]
    node_type = input_text(res, ctx, "nodeType", None)
    if node_type not in table["node_hourly"]:
        return unpriced(res, ctx, f"no ElastiCache price for node type {node_type!r}")
    shards = number(res.get("numNodeGroups"))
    if shards:
        nodes = shards * (1 + (number(res.get("replicasPerNodeGroup")) or 0))
    else:
        nodes = input_number(res, ctx, "numCacheClusters", 1) or 1
    engine = res.get("engine") if isinstance(res.get("engine"), str) else "redis"
    hourly = table["node_hourly"][node_type]
    if engine == "valkey":
        hourly = round(hourly * (1 - table["valkey_discount"]), 6)
    return [line(res, f"{nodes:g} x {node_type} ({engine})", nodes * ctx.hours, "node-h", hourly)]


def price_bucket(res: Resource, ctx: Context) -> list[LineItem]:
    label = res.get("bucket") if isinstance(res.get("bucket"), str) else res.name
    by_bucket = ctx.usage.get("s3_gb_by_bucket") or {}
    gb = float(by_bucket.get(res.name, by_bucket.get(label, ctx.usage["s3_gb_per_bucket"])))
    return [
        line(
            res,
            "S3 Standard storage",
            gb,
            "GB-month",
            ctx.prices["s3"]["standard_gb_month"],
            note="usage s3_gb_per_bucket / s3_gb_by_bucket; requests ignored",
        )
    ]


def price_pull_through_cache(res: Resource, ctx: Context) -> list[LineItem]:
    """An ECR pull-through cache rule is free; the images it caches are private ECR storage,
    and an authenticated upstream (Docker Hub) needs the credential's secret, which the
    operator creates once and the rule names."""
    items = [
        line(
            res,
            "ECR storage of the cached images",
            float(ctx.usage["pull_through_cache_gb"]),
            "GB-month",
            ctx.prices["ecr"]["storage_gb_month"],
            note="pulls inside the region free",
        )
    ]
    if res.inputs.get("credentialArn"):
        items.append(
            line(
                res,
                "Secrets Manager secret (upstream credential)",
                1,
                "secret-month",
                ctx.prices["secretsmanager"]["secret_month"],
                note="created once by the operator; named by the rule",
            )
        )
    return items
