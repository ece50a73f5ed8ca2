"""The statsd ServiceMonitor selects the rendered statsd Service and port."""

from __future__ import annotations

import copy

from tests.charts.conftest import prod_stack
from tools.charts.objects import Cluster, selects


def service_monitor_problems(cluster: Cluster) -> list[str]:
    problems = []
    for monitor in cluster.of_kind("ServiceMonitor"):
        if monitor["metadata"]["name"] != "airflow-statsd":
            continue
        ns = monitor["metadata"]["namespace"]
        services = [
            s
            for s in cluster.of_kind("Service")
            if s["metadata"].get("namespace") == ns
            and selects(monitor["spec"]["selector"], s["metadata"].get("labels") or {})
        ]
        if not services:
            problems.append(f"ServiceMonitor {ns}/airflow-statsd selects no Service")
        for endpoint in monitor["spec"]["endpoints"]:
            for s in services:
                names = {p.get("name") for p in s["spec"]["ports"]}
                if endpoint["port"] not in names:
                    problems.append(
                        f"Service {s['metadata']['name']} has no port {endpoint['port']}"
                    )
    return problems


def test_the_service_monitor_selects_the_statsd_service_and_port() -> None:
    cluster = prod_stack().cluster()
    assert any(m["metadata"]["name"] == "airflow-statsd" for m in cluster.of_kind("ServiceMonitor"))
    assert service_monitor_problems(cluster) == []


def test_a_service_monitor_selecting_nothing_is_caught() -> None:
    stack = prod_stack()
    declared = copy.deepcopy(stack.declared)
    monitor = next(o for o in declared if o["kind"] == "ServiceMonitor")
    monitor["spec"]["selector"]["matchLabels"]["component"] = "stats"
    assert service_monitor_problems(stack.cluster(declared=declared))
