"""Security and observability: KMS keys, secrets, alarms, dashboards, log groups."""

from __future__ import annotations

from collections.abc import Mapping

from finops.data import dig
from finops.pricing.base import (
    Context,
    Resource,
    input_number,
    input_text,
    line,
    log_kind,
    number,
    resource_label,
)
from finops.report import LineItem


def price_kms_key(res: Resource, ctx: Context) -> list[LineItem]:
    table = ctx.prices["kms"]
    note = table["rotation_note"] if res.get("enableKeyRotation") is True else "requests ignored"
    return [line(res, "KMS customer managed key", 1, "key-month", table["key_month"], note=note)]


def price_secret(res: Resource, ctx: Context) -> list[LineItem]:
    return [
        line(
            res,
            "Secrets Manager secret",
            1,
            "secret-month",
            ctx.prices["secretsmanager"]["secret_month"],
            note="API calls: on the Airflow platform's line",
        )
    ]


def secrets_manager_calls(res: Resource, ctx: Context) -> list[LineItem]:
    """The secrets backend's API calls for the platform's expected task runs (usage
    airflow_tasks_per_month x secrets_manager_calls_per_task), on the platform's resource."""
    tasks = float(ctx.usage["airflow_tasks_per_month"].get(ctx.platform, 0))
    budget = float(ctx.usage["secrets_manager_calls_per_task"])
    per_task = budget + float(ctx.usage["secrets_manager_reads_per_task"])
    if not tasks or not per_task:
        return []
    return [
        line(
            res,
            f"Secrets Manager API calls: {tasks:,.0f} task runs x {per_task:g} calls "
            f"({budget:g} the configuration's budget + the DAGs' own reads)",
            tasks * per_task / 10_000,
            "10k calls",
            ctx.prices["secretsmanager"]["api_calls_10k"],
            note="usage airflow_tasks_per_month, secrets_manager_calls_per_task (the budget "
            "make test holds the program to), secrets_manager_reads_per_task",
        )
    ]


def price_metric_alarm(res: Resource, ctx: Context) -> list[LineItem]:
    table = ctx.prices["cloudwatch"]
    queries = res.get("metricQueries")
    queries = queries if isinstance(queries, list) else []
    metrics = [
        q for q in queries if isinstance(q, Mapping) and isinstance(q.get("metric"), Mapping)
    ]
    periods = [number(dig(q, "metric.period")) for q in metrics] or [number(res.get("period"))]
    high_res = any(p is not None and p < 60 for p in periods)
    count = len(metrics) if queries else 1
    if queries and not metrics:
        ctx.warn(res, "metric-math alarm with no metric in metricQueries; priced as one metric")
        count = 1
    unit_price = (
        table["high_resolution_alarm_metric_month"] if high_res else table["alarm_metric_month"]
    )
    kind = "high-resolution" if high_res else "standard-resolution"
    what = f"metric-math alarm, {count} metrics" if queries else "alarm, 1 metric"
    return [
        line(
            res,
            f"{what} ({kind})",
            count,
            "alarm-metric-month",
            unit_price,
            note="free tier ignored",
        )
    ]


def price_composite_alarm(res: Resource, ctx: Context) -> list[LineItem]:
    return [
        line(
            res,
            "composite alarm",
            1,
            "alarm-month",
            ctx.prices["cloudwatch"]["composite_alarm_month"],
        )
    ]


def price_dashboard(res: Resource, ctx: Context) -> list[LineItem]:
    return [
        line(
            res,
            "CloudWatch dashboard",
            1,
            "dashboard-month",
            ctx.prices["cloudwatch"]["dashboard_month"],
            note="first 3 dashboards free: free tier ignored",
        )
    ]


def price_log_group(res: Resource, ctx: Context) -> list[LineItem]:
    table, logs = ctx.prices["cloudwatch"], ctx.usage["logs"]
    label = resource_label(res)
    kind = log_kind(label)
    gb = float(logs["gb_per_month"].get(kind, logs["gb_per_month"]["other"]))
    log_class = input_text(res, ctx, "logGroupClass", "STANDARD") or "STANDARD"
    ingest = table["logs_ingest_gb"].get(log_class, table["logs_ingest_gb"]["STANDARD"])
    retention = input_number(res, ctx, "retentionInDays", 0) or 0
    if retention:
        months = retention / (365 / 12)
        held = f"{retention:g}-day retention"
    else:
        months = float(logs["unbounded_retention_months"])
        held = f"no retention: priced at {months:g} months' accumulation"
        ctx.warn(res, "log group never expires: storage grows every month")
    stored = gb * months * float(logs["storage_compression"])
    return [
        line(
            res,
            f"log ingestion ({kind}, {log_class})",
            gb,
            "GB",
            ingest,
            note=f"usage logs.gb_per_month.{kind}",
        ),
        line(
            res,
            f"log storage ({held})",
            stored,
            "GB-month",
            table["logs_storage_gb_month"],
            note=f"steady state, compressed x{logs['storage_compression']}",
        ),
    ]
