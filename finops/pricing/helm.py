"""Helm releases: the volumes and load balancers charts create that the plan does not list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finops.data import dig
from finops.pricing.base import (
    ALB_GROUP_ANNOTATION,
    LEGACY_CLASS_ANNOTATION,
    Context,
    Resource,
    absent,
    gib,
    line,
    number,
)
from finops.pricing.network import alb_lines
from finops.report import LineItem


def price_helm_release(res: Resource, ctx: Context) -> list[LineItem]:
    chart = res.get("chart")
    chart_name = chart.rstrip("/").rsplit("/", 1)[-1] if isinstance(chart, str) else ""
    values = res.get("values")
    values = values if isinstance(values, Mapping) else {}
    if chart_name == "kube-prometheus-stack":
        return _prometheus_volumes(res, ctx, values)
    if chart_name == "airflow":
        return _airflow_release(res, ctx, values)
    return [
        line(
            res,
            f"Helm release {chart_name or '(unknown chart)'} (runs on the cluster's nodes)",
            1,
            "release",
            0.0,
        )
    ]


def _volume_line(
    res: Resource, ctx: Context, label: str, size: Any, count: float = 1
) -> list[LineItem]:
    size_gib = gib(size)
    if size_gib is None:
        ctx.warn(res, f"{label}: storage size {size!r} is unknown or not a Kubernetes quantity")
        return []
    if not count:
        return []
    return [
        line(
            res,
            f"{label}: {count:g} x {size_gib:g} GiB gp3 PVC",
            count * size_gib,
            "GB-month",
            ctx.prices["ebs"]["gb_month"]["gp3"],
            note="EBS CSI volumes assumed gp3",
        )
    ]


def _prometheus_volumes(res: Resource, ctx: Context, values: Mapping[str, Any]) -> list[LineItem]:
    request = "volumeClaimTemplate.spec.resources.requests.storage"
    claims = {
        "Prometheus": f"prometheus.prometheusSpec.storageSpec.{request}",
        "Alertmanager": f"alertmanager.alertmanagerSpec.storage.{request}",
    }
    items: list[LineItem] = []
    for label, path in claims.items():
        if dig(values, path) is not None or not absent(values, path):
            items += _volume_line(res, ctx, label, dig(values, path))
    if dig(values, "grafana.persistence.enabled") is True:
        items += _volume_line(
            res, ctx, "Grafana", dig(values, "grafana.persistence.size") or "10Gi"
        )
    if not items:
        items.append(
            line(
                res,
                "kube-prometheus-stack without persistent volumes",
                1,
                "release",
                0.0,
                note="Prometheus data is lost when its pod moves",
            )
        )
    return items


def _worker(values: Mapping[str, Any], path: str) -> Any:
    """A Celery worker value as the chart reads it: workers.celery.<path> (chart 1.21+) over
    the flat workers.<path> it deprecates."""
    found = dig(values, f"workers.celery.{path}")
    return dig(values, f"workers.{path}") if found is None else found


def _airflow_release(res: Resource, ctx: Context, values: Mapping[str, Any]) -> list[LineItem]:
    keda = _worker(values, "keda.enabled") is True
    if keda:
        idle = number(_worker(values, "keda.minReplicaCount"))
        idle = 0.0 if idle is None else idle
        peak = number(_worker(values, "keda.maxReplicaCount")) or 10.0  # chart default
    else:
        idle = number(_worker(values, "replicas"))
        idle = 1.0 if idle is None else idle  # chart default
        peak = idle
    concurrency = number(dig(values, "config.celery.worker_concurrency")) or 16  # chart default
    scaling = f"KEDA {idle:g}..{peak:g}" if keda else "fixed"
    items = [
        line(
            res,
            f"Celery worker pods at idle: {idle:g} ({scaling}, {concurrency:g} tasks each)",
            idle,
            "pod",
            0.0,
            note="pods run on the worker node group: no cost beyond its nodes",
        )
    ]
    items += _airflow_volumes(res, ctx, values, idle, peak)
    items += _airflow_ingresses(res, ctx, values)
    return items


def _airflow_volumes(
    res: Resource, ctx: Context, values: Mapping[str, Any], idle: float, peak: float
) -> list[LineItem]:
    """Volumes the chart creates by default: worker and triggerer logs, Redis, PostgreSQL."""
    items: list[LineItem] = []
    if _worker(values, "persistence.enabled") is not False:  # chart default: enabled, 100Gi
        deleted = (
            _worker(values, "persistence.persistentVolumeClaimRetentionPolicy.whenScaled")
            == "Delete"
        )
        count = idle if deleted else peak
        if not deleted and peak > idle:
            ctx.warn(
                res,
                f"worker PVCs outlive scale-down (StatefulSet retention): "
                f"priced at {peak:g}, the maximum",
            )
        items += _volume_line(
            res,
            ctx,
            "Airflow worker log volumes",
            _worker(values, "persistence.size") or "100Gi",
            count,
        )
    if dig(values, "triggerer.persistence.enabled") is not False:
        replicas = number(dig(values, "triggerer.replicas")) or 1
        items += _volume_line(
            res,
            ctx,
            "Airflow triggerer log volumes",
            dig(values, "triggerer.persistence.size") or "100Gi",
            replicas,
        )
    if (
        dig(values, "redis.enabled") is not False
        and dig(values, "redis.persistence.enabled") is not False
    ):
        items += _volume_line(
            res, ctx, "in-chart Redis", dig(values, "redis.persistence.size") or "1Gi"
        )
    if dig(values, "postgresql.enabled") is not False:
        ctx.warn(res, "the chart's own PostgreSQL is enabled (postgresql.enabled is not false)")
        items += _volume_line(
            res,
            ctx,
            "in-chart PostgreSQL",
            dig(values, "postgresql.primary.persistence.size") or "8Gi",
        )
    return items


def _airflow_ingresses(res: Resource, ctx: Context, values: Mapping[str, Any]) -> list[LineItem]:
    """The chart renders its own Ingress objects, which the plan does not list separately."""
    items: list[LineItem] = []
    ingresses = dig(values, "ingress")
    for key, spec in ingresses.items() if isinstance(ingresses, Mapping) else []:
        if not isinstance(spec, Mapping) or spec.get("enabled") is not True:
            continue
        raw = spec.get("annotations")
        annotations: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        ingress_class = spec.get("ingressClassName") or annotations.get(LEGACY_CLASS_ANNOTATION)
        if ingress_class == "alb":
            group = annotations.get(ALB_GROUP_ANNOTATION)
            items += alb_lines(
                res, ctx, group if isinstance(group, str) else f"ingress:{res.name}-{key}"
            )
    return items
