"""Every component that serves task logs advertises a host the API server can reach: a task
records `[core] hostname_callable`'s answer as its host, and the API server fetches live logs
from there. A Deployment's pod name resolves nowhere (apache/airflow#35388); a pod IP does, and
so does a StatefulSet pod name when the StatefulSet's serviceName is a headless Service."""

from __future__ import annotations

from typing import Any

from components.eks.airflow import HOSTNAME_CALLABLE, LOG_PORTS
from tests.charts.conftest import airflow_cfg, prod_stack
from tools.charts.objects import Cluster, Obj, name_of, selects

# Callables whose answer is the pod IP.
IP_CALLABLES = {HOSTNAME_CALLABLE}
ENV_OVERRIDE = "AIRFLOW__CORE__HOSTNAME_CALLABLE"


def _callable(cluster: Cluster, workload: Obj) -> str:
    """The hostname_callable the workload's Airflow container runs with (env wins over cfg)."""
    for c in workload["spec"]["template"]["spec"]["containers"]:
        for env in c.get("env") or []:
            if env["name"] == ENV_OVERRIDE:
                return str(env.get("value", ""))
    return airflow_cfg(cluster).get("core", {}).get("hostname_callable", "socket.getfqdn")


def _headless_service(cluster: Cluster, workload: Obj) -> bool:
    if workload["kind"] != "StatefulSet" or not workload["spec"].get("serviceName"):
        return False
    labels = workload["spec"]["template"]["metadata"].get("labels") or {}
    return any(
        s["metadata"]["name"] == workload["spec"]["serviceName"]
        and s["metadata"].get("namespace") == workload["metadata"].get("namespace")
        and s["spec"].get("clusterIP") == "None"
        and selects({"matchLabels": s["spec"].get("selector") or {}}, labels)
        for s in cluster.of_kind("Service")
    )


def unreachable_log_hosts(cluster: Cluster) -> list[str]:
    problems = []
    for component in LOG_PORTS:
        workloads = [
            o
            for o in cluster.objects
            if o.get("kind") in ("Deployment", "StatefulSet")
            and o["metadata"].get("namespace") == "airflow"
            and (o["spec"]["template"]["metadata"].get("labels") or {}).get("component")
            == component
        ]
        if not workloads:
            problems.append(f"no {component} workload is rendered")
        for w in workloads:
            how = _callable(cluster, w)
            if how not in IP_CALLABLES and not _headless_service(cluster, w):
                problems.append(
                    f"{name_of(w)}: tasks record hosts from {how}, which the API server cannot "
                    "resolve (a pod name without a headless Service); set core.hostname_callable "
                    f"= {HOSTNAME_CALLABLE}"
                )
    return problems


def test_workers_and_triggerers_advertise_a_host_the_api_server_reaches() -> None:
    problems = unreachable_log_hosts(prod_stack().cluster())
    assert problems == [], "\n".join(problems)


def test_without_the_ip_callable_live_logs_are_unreachable() -> None:
    stack = prod_stack()
    renders = stack.rerender("airflow", lambda v: v["config"]["core"].pop("hostname_callable"))
    problems = unreachable_log_hosts(stack.cluster(renders))
    assert len(problems) == len(LOG_PORTS), problems


def test_a_statefulset_behind_a_headless_service_needs_no_ip_callable() -> None:
    stack = prod_stack()

    def persistent_workers(values: dict[str, Any]) -> None:
        values["config"]["core"].pop("hostname_callable")
        values["workers"]["celery"]["persistence"]["enabled"] = True

    problems = unreachable_log_hosts(stack.cluster(stack.rerender("airflow", persistent_workers)))
    assert [p.split(":")[0] for p in problems] == ["Deployment airflow/airflow-triggerer"]
