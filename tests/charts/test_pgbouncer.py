"""PgBouncer listens where its Service and the metadata connection point."""

from __future__ import annotations

import re
from typing import Any

from components.eks.airflow import PGBOUNCER_PORT
from tests.charts.conftest import Obj, prod_stack
from tools.charts.objects import Cluster, selects


def _program_secret(stack_declared: list[Obj], name: str) -> dict[str, Any]:
    secret = next(
        o for o in stack_declared if o["kind"] == "Secret" and o["metadata"]["name"] == name
    )
    return {k: _unsecret(v) for k, v in (secret.get("stringData") or {}).items()}


def _unsecret(value: Any) -> Any:
    """Secret inputs arrive wrapped by the engine ({<sig>: ..., "value": ...})."""
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def pgbouncer_problems(cluster: Cluster, declared: list[Obj]) -> list[str]:
    connection = _program_secret(declared, "airflow-metadata-connection")["connection"]
    host, port = re.search(r"@([\w.-]+):(\d+)/", connection).groups()  # type: ignore[union-attr]
    service_name, namespace = host.split(".")[:2]
    ini = _program_secret(declared, "airflow-pgbouncer-settings")["pgbouncer.ini"]
    listen = int(re.search(r"listen_port = (\d+)", ini).group(1))  # type: ignore[union-attr]
    services = [
        s
        for s in cluster.of_kind("Service")
        if (s["metadata"]["name"], s["metadata"].get("namespace")) == (service_name, namespace)
    ]
    if not services:
        return [f"the metadata connection names {host}, which is no Service"]
    service = services[0]
    ports = [p for p in service["spec"]["ports"] if p["port"] == int(port)]
    if not ports:
        return [f"Service {service_name} has no port {port} (the metadata connection's)"]
    pods = [
        p
        for p in cluster.pods()
        if p.namespace == namespace
        and selects({"matchLabels": service["spec"]["selector"]}, p.labels)
    ]
    problems = []
    for pod in pods:
        container_ports = {
            (cp.get("name"), cp["containerPort"])
            for c in pod.spec["containers"]
            for cp in c.get("ports") or []
        }
        target = ports[0].get("targetPort", ports[0]["port"])
        resolved = {n for name, n in container_ports if target in (name, n)}
        if not resolved:
            problems.append(
                f"{pod.owner}: no container port {target} behind Service {service_name}"
            )
        elif listen not in resolved:
            problems.append(
                f"{pod.owner}: PgBouncer listens on {listen}, the Service sends to {resolved}"
            )
    return problems or ([] if pods else [f"Service {service_name} selects no pod"])


def test_pgbouncer_listens_where_its_service_and_the_connection_point() -> None:
    stack = prod_stack()
    assert PGBOUNCER_PORT
    assert pgbouncer_problems(stack.cluster(), stack.declared) == []


def test_a_pgbouncer_port_mismatch_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender("airflow", lambda v: v.setdefault("ports", {}).update(pgbouncer=6432))
    assert pgbouncer_problems(stack.cluster(renders), stack.declared)
