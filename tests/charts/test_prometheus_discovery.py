"""Prometheus picks up what the program gives it: the rendered Prometheus resource's selectors
(serviceMonitorSelector / ruleSelector and their namespace selectors, as the operator reads
them: an empty selector takes every object, a missing one none, a missing namespace selector
only Prometheus's own namespace) select every ServiceMonitor and PrometheusRule, the
program's own (statsd in airflow, the alert rules in monitoring) among them."""

from __future__ import annotations

from typing import Any

from tests.charts.conftest import prod_stack
from tools.charts.objects import Cluster, name_of, selects

# Custom resource kind -> the Prometheus spec fields that select it.
SELECTORS = {
    "ServiceMonitor": ("serviceMonitorSelector", "serviceMonitorNamespaceSelector"),
    "PrometheusRule": ("ruleSelector", "ruleNamespaceSelector"),
}


def undiscovered(cluster: Cluster) -> list[str]:
    prometheus = cluster.of_kind("Prometheus")
    if len(prometheus) != 1:
        return [f"{len(prometheus)} Prometheus resources rendered, expected 1"]
    spec, home = prometheus[0]["spec"], prometheus[0]["metadata"]["namespace"]
    missed = []
    for kind, (selector, namespace_selector) in SELECTORS.items():
        for o in cluster.of_kind(kind):
            namespace = o["metadata"].get("namespace", "")
            in_namespace = (
                namespace == home
                if spec.get(namespace_selector) is None
                else selects(spec[namespace_selector], cluster.namespace_labels(namespace))
            )
            labels = o["metadata"].get("labels") or {}
            if not (in_namespace and selects(spec.get(selector), labels)):
                missed.append(f"{name_of(o)}: not selected by Prometheus's {selector}")
    return missed


def test_prometheus_selects_every_service_monitor_and_rule() -> None:
    stack = prod_stack()
    cluster = stack.cluster()
    assert {o["kind"] for o in stack.declared} >= set(SELECTORS)  # the program's are checked
    problems = undiscovered(cluster)
    assert problems == [], "\n".join(problems)


def test_the_chart_default_selectors_would_miss_the_programs_objects() -> None:
    stack = prod_stack()

    def chart_defaults(values: dict[str, Any]) -> None:
        spec = values["prometheus"]["prometheusSpec"]
        spec["serviceMonitorSelectorNilUsesHelmValues"] = True
        spec["ruleSelectorNilUsesHelmValues"] = True

    problems = undiscovered(stack.cluster(stack.rerender("kube-prometheus-stack", chart_defaults)))
    program = {name_of(o) for o in stack.declared if o["kind"] in SELECTORS}
    assert program and {p.split(":")[0] for p in problems} == program
