"""NetworkPolicies as the cluster enforces them: every peer matches a pod that exists, and
every port a component must reach is open to it (the API server reads live task logs from
workers on 8793 and triggerers on 8794)."""

from __future__ import annotations

import copy

from components.eks.airflow import LOG_PORTS, PGBOUNCER_PORT
from tests.charts.conftest import prod_stack
from tools.charts.network_policies import dead_peers, reachable
from tools.charts.objects import Cluster, Pod

# Peers of the chart's own policies that match nothing, each with why it may stay.
KNOWN_DEAD_PEERS = {
    (
        "airflow-worker-policy",
        "webserver",
    ): "charts 1.18 and 1.21 admit the Airflow 2 webserver; the "
    "program's airflow-worker-log-access admits the API server (fixed upstream in chart 1.22)",
    ("airflow-triggerer-policy", "webserver"): "same, airflow-triggerer-log-access",
}

# (from component, to component, TCP port): what Airflow needs inside its namespace.
REQUIRED = [
    ("api-server", "worker", LOG_PORTS["worker"]),
    ("api-server", "triggerer", LOG_PORTS["triggerer"]),
    *[
        (c, "pgbouncer", PGBOUNCER_PORT)
        for c in ("scheduler", "api-server", "worker", "triggerer", "dag-processor")
    ],
    *[(c, "api-server", 8080) for c in ("worker", "triggerer", "scheduler", "dag-processor")],
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
        f"{source} cannot reach {target} on {port}"
        for source, target, port in REQUIRED
        if not reachable(
            cluster, _airflow_pod(cluster, source), _airflow_pod(cluster, target), port
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
        f"api-server cannot reach worker on {LOG_PORTS['worker']}",
        f"api-server cannot reach triggerer on {LOG_PORTS['triggerer']}",
    ]


def test_prometheus_may_scrape_the_statsd_exporter() -> None:
    cluster = prod_stack().cluster()
    prometheus = next(
        p for p in cluster.pods() if p.labels.get("app.kubernetes.io/name") == "prometheus"
    )
    assert reachable(cluster, prometheus, _airflow_pod(cluster, "statsd"), 9102)
