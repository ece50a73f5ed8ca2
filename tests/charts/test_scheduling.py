"""Every pod fits a node group (taints, tolerations, CPU architecture, node selectors)."""

from __future__ import annotations

from typing import Any

from tests.charts.conftest import prod_stack
from tools.charts.objects import Cluster
from tools.charts.scheduling import fits, node_groups


def unschedulable(cluster: Cluster, resources: list[dict[str, Any]]) -> list[str]:
    """Pods no node group takes; DaemonSets (node exporters, agents) must run on every one."""
    groups = node_groups(resources)
    assert groups, "the plan has no node groups"
    problems = []
    for pod in cluster.pods():
        places = [g.name for g in groups if fits(pod, g)]
        if not places or (pod.daemon and len(places) < len(groups)):
            problems.append(
                f"{pod.owner} ({pod.namespace}) fits {places or 'no node group'}: nodeSelector "
                f"{pod.spec.get('nodeSelector')}, tolerations {pod.spec.get('tolerations')}"
            )
    return problems


def test_every_pod_fits_a_node_group() -> None:
    stack = prod_stack()
    problems = unschedulable(stack.cluster(), stack.resources)
    assert problems == [], "\n".join(problems)


def test_a_pod_that_fits_no_node_group_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender("airflow", lambda v: v["workers"]["celery"].update(tolerations=[]))
    problems = unschedulable(stack.cluster(renders), stack.resources)
    assert any("airflow-worker" in p for p in problems), problems
    renders = stack.rerender(
        "keda",
        lambda v: v.update(
            affinity={
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {
                                        "key": "kubernetes.io/arch",
                                        "operator": "In",
                                        "values": ["amd64"],
                                    }
                                ]
                            }
                        ]
                    }
                }
            }
        ),
    )
    assert unschedulable(stack.cluster(renders), stack.resources)
    # A node exporter that stays off the tainted worker nodes leaves them unwatched.
    renders = stack.rerender(
        "kube-prometheus-stack",
        lambda v: v.update({"prometheus-node-exporter": {"tolerations": []}}),
    )
    problems = unschedulable(stack.cluster(renders), stack.resources)
    assert any("node-exporter" in p for p in problems), problems
