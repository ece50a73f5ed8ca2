"""KEDA's ScaledObject targets the worker Deployment and divides by the worker concurrency."""

from __future__ import annotations

import re

from tests.charts.conftest import prod_stack
from tools.charts.objects import Cluster


def scaled_object_problems(cluster: Cluster, concurrency: int) -> list[str]:
    problems = []
    objects = cluster.of_kind("ScaledObject")
    if not objects:
        return ["no ScaledObject rendered"]
    for so in objects:
        ns, target = so["metadata"]["namespace"], so["spec"]["scaleTargetRef"]
        kind = target.get("kind", "Deployment")
        if not any(
            o["metadata"]["name"] == target["name"] and o["metadata"].get("namespace") == ns
            for o in cluster.of_kind(kind)
        ):
            problems.append(f"ScaledObject {so['metadata']['name']}: no {kind} {target['name']}")
        for trigger in so["spec"]["triggers"]:
            query = trigger["metadata"].get("query", "")
            divisor = re.search(r"/\s*(\d+)\s*\)", query)
            if not divisor or int(divisor.group(1)) != concurrency:
                problems.append(
                    f"ScaledObject {so['metadata']['name']}: query does not divide by the "
                    f"worker concurrency {concurrency}: {query}"
                )
    return problems


def test_keda_scales_the_worker_deployment_by_the_configured_concurrency() -> None:
    stack = prod_stack()
    concurrency = stack.settings.eks.worker_concurrency
    assert scaled_object_problems(stack.cluster(), concurrency) == []


def test_a_query_with_another_concurrency_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender(
        "airflow", lambda v: v["config"]["celery"].update(worker_concurrency=7)
    )
    concurrency = stack.settings.eks.worker_concurrency
    assert scaled_object_problems(stack.cluster(renders), concurrency)
