"""The Airflow namespace enforces Pod Security `restricted`, and every pod the chart renders
there passes it (non-root, no privilege escalation, all capabilities dropped, RuntimeDefault
seccomp, restricted volume types)."""

from __future__ import annotations

from components.eks.airflow import NAMESPACE
from tests.charts.conftest import prod_stack
from tools.charts.objects import Cluster
from tools.charts.pod_security import pod_security_restricted


def violations(cluster: Cluster) -> list[str]:
    pods = [p for p in cluster.pods() if p.namespace == NAMESPACE]
    assert pods, f"no pod rendered in namespace {NAMESPACE}"
    return [problem for pod in pods for problem in pod_security_restricted(pod)]


def test_the_airflow_namespace_enforces_restricted() -> None:
    namespace = next(
        o
        for o in prod_stack().declared
        if o["kind"] == "Namespace" and o["metadata"]["name"] == NAMESPACE
    )
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_every_airflow_pod_passes_pod_security_restricted() -> None:
    problems = violations(prod_stack().cluster())
    assert problems == [], "\n".join(problems)


def test_a_pod_that_may_run_as_root_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender("airflow", lambda v: v["dags"]["gitSync"].pop("securityContexts"))
    problems = violations(stack.cluster(renders))
    assert any("git-sync" in p for p in problems), problems
    renders = stack.rerender(
        "airflow", lambda v: v["securityContexts"]["pod"].pop("seccompProfile")
    )
    assert any("seccompProfile is unset" in p for p in violations(stack.cluster(renders)))
