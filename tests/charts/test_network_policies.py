"""NetworkPolicies as the cluster enforces them: every peer matches a pod that exists, and
every port a component must reach is open to it (the API server reads live task logs from
workers on 8793 and triggerers on 8794)."""

from __future__ import annotations

import copy

from components.eks.airflow import LOG_PORTS, PGBOUNCER_PORT
from components.eks.execution_api import EXECUTION_API_PORT
from tests.charts.conftest import prod_stack
from tools.charts.network_policies import dead_peers, reachable
from tools.charts.objects import Cluster, Pod

# Where the statsd exporter ingests (the chart's ports.statsdIngest).
STATSD_INGEST_PORT = 9125

# Peers of the chart's own policies that match nothing, each with why it may stay.
KNOWN_DEAD_PEERS = {
    (
        "airflow-worker-policy",
        "webserver",
    ): "charts 1.18 and 1.21 admit the Airflow 2 webserver; the "
    "program's airflow-worker-log-access admits the API server (fixed upstream in chart 1.22)",
    ("airflow-triggerer-policy", "webserver"): "same, airflow-triggerer-log-access",
}

AIRFLOW = ("scheduler", "api-server", "worker", "triggerer", "dag-processor")
# (from component, to component, port, protocol): what Airflow needs inside its namespace.
REQUIRED = [
    ("api-server", "worker", LOG_PORTS["worker"], "TCP"),
    ("api-server", "triggerer", LOG_PORTS["triggerer"], "TCP"),
    *[(c, "pgbouncer", PGBOUNCER_PORT, "TCP") for c in AIRFLOW],
    *[
        (c, "api-server", 8080, "TCP")
        for c in ("worker", "triggerer", "scheduler", "dag-processor")
    ],
    # Running tasks call the Task Execution API in its own container of the API server pod.
    ("worker", "api-server", EXECUTION_API_PORT, "TCP"),
    # Every Airflow process sends its metrics to the statsd exporter.
    *[(c, "statsd", STATSD_INGEST_PORT, "UDP") for c in AIRFLOW],
]


def unknown_dead_peers(cluster: Cluster) -> list[str]:
    found = []
    for policy, peer in dead_peers(cluster):
        component = ((peer.get("podSelector") or {}).get("matchLabels") or {}).get("component")
        if (policy, component) not in KNOWN_DEAD_PEERS:
            found.append(f"NetworkPolicy {policy}: peer {peer} matches no pod")
    return found


def _airflow_pod(cluster: Cluster, component: str) -> Pod:
    return next(
        p
        for p in cluster.pods()
        if p.namespace == "airflow" and p.labels.get("component") == component
    )


def blocked_flows(cluster: Cluster) -> list[str]:
    return [
        f"{source} cannot reach {target} on {port}/{protocol}"
        for source, target, port, protocol in REQUIRED
        if not reachable(
            cluster, _airflow_pod(cluster, source), _airflow_pod(cluster, target), port, protocol
        )
    ]


def test_every_network_policy_peer_matches_a_pod() -> None:
    problems = unknown_dead_peers(prod_stack().cluster())
    assert problems == [], "\n".join(problems)


def test_a_peer_that_matches_nothing_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender(
        "airflow",
        lambda v: v["statsd"]["extraNetworkPolicies"][0]["podSelector"]["matchLabels"].update(
            {"app.kubernetes.io/name": "prometheuss"}
        ),
    )
    assert unknown_dead_peers(stack.cluster(renders))


def test_every_port_airflow_needs_is_reachable() -> None:
    problems = blocked_flows(prod_stack().cluster())
    assert problems == [], "\n".join(problems)


def test_without_the_programs_log_policies_the_ui_cannot_read_live_logs() -> None:
    stack = prod_stack()
    declared = [
        o
        for o in copy.deepcopy(stack.declared)
        if not (o["kind"] == "NetworkPolicy" and o["metadata"]["name"].endswith("-log-access"))
    ]
    problems = blocked_flows(stack.cluster(declared=declared))
    assert problems == [
        f"api-server cannot reach worker on {LOG_PORTS['worker']}/TCP",
        f"api-server cannot reach triggerer on {LOG_PORTS['triggerer']}/TCP",
    ]


def test_without_the_programs_execution_api_policy_no_task_could_run() -> None:
    """The chart's API server policy opens only the core API's port."""
    stack = prod_stack()
    declared = [
        o
        for o in copy.deepcopy(stack.declared)
        if not (
            o["kind"] == "NetworkPolicy" and o["metadata"]["name"].endswith("-execution-api-access")
        )
    ]
    problems = blocked_flows(stack.cluster(declared=declared))
    assert problems == [f"worker cannot reach api-server on {EXECUTION_API_PORT}/TCP"]


def test_prometheus_may_scrape_the_statsd_exporter() -> None:
    cluster = prod_stack().cluster()
    prometheus = next(
        p for p in cluster.pods() if p.labels.get("app.kubernetes.io/name") == "prometheus"
    )
    assert reachable(cluster, prometheus, _airflow_pod(cluster, "statsd"), 9102)


def test_statsd_admitting_its_ingest_port_over_tcp_only_is_caught() -> None:
    stack = prod_stack()

    def tcp_only(objects: list[dict]) -> list[dict]:
        objects = copy.deepcopy(objects)
        for o in objects:
            if o["kind"] == "NetworkPolicy" and "statsd" in o["metadata"]["name"]:
                for rule in o["spec"]["ingress"]:
                    for port in rule.get("ports") or []:
                        port["protocol"] = "TCP"
        return objects

    renders = {chart: tcp_only(objects) for chart, objects in stack.renders.items()}
    problems = blocked_flows(stack.cluster(renders))
    assert problems == [f"{c} cannot reach statsd on {STATSD_INGEST_PORT}/UDP" for c in AIRFLOW]
