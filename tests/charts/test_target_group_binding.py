"""The ALB's TargetGroupBinding names a rendered Service and port."""

from __future__ import annotations

import copy

from tests.charts.conftest import prod_stack
from tools.charts.objects import Cluster


def binding_problems(cluster: Cluster) -> list[str]:
    problems = []
    for binding in cluster.of_kind("TargetGroupBinding"):
        ns, ref = binding["metadata"]["namespace"], binding["spec"]["serviceRef"]
        service = next(
            (
                s
                for s in cluster.of_kind("Service")
                if (s["metadata"]["name"], s["metadata"].get("namespace")) == (ref["name"], ns)
            ),
            None,
        )
        if service is None:
            problems.append(
                f"TargetGroupBinding {ns}/{binding['metadata']['name']}: no Service {ref['name']}"
            )
        elif not any(ref["port"] in (p["port"], p.get("name")) for p in service["spec"]["ports"]):
            problems.append(f"TargetGroupBinding: Service {ref['name']} has no port {ref['port']}")
    return problems


def test_the_target_group_binding_names_a_rendered_service_and_port() -> None:
    cluster = prod_stack().cluster()
    assert cluster.of_kind("TargetGroupBinding")
    assert binding_problems(cluster) == []


def test_a_binding_to_a_missing_service_is_caught() -> None:
    stack = prod_stack()
    declared = copy.deepcopy(stack.declared)
    binding = next(o for o in declared if o["kind"] == "TargetGroupBinding")
    binding["spec"]["serviceRef"]["name"] = "airflow-webserver"
    assert binding_problems(stack.cluster(declared=declared))
