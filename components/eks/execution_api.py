"""The Task Execution API in a process of its own, beside the API server in the same pod.

Airflow 3's API server serves two apps: the core API (UI, REST) and the Task Execution API,
which every running task calls (start, heartbeat, connections, variables, finish). Served by
one process they share one event loop, and on Airflow 3.3.1 that loop can wait for itself:
the core API's token check (`BaseAuthManager.get_user_from_token` -> `RevokedToken.is_revoked`)
queries the database synchronously on the loop, and blocks there for a PgBouncer connection
while every pooled connection is held by an Execution API request whose transaction commits
only when the loop runs its dependency exit. Only PgBouncer's `idle_transaction_timeout`
ends it (apache/airflow#66493, #65712; docs/benchmark.md, "Not a leak: the API server waits
for itself"). Airflow documents running the two apps apart ("Separating API Servers",
`airflow api-server --apps core|execution`); the chart (1.21) runs one container, so the
program adds the Execution API as a second container of the API server's pod:

- the same image, configuration files, environment and security context as the chart's
  API server container (tests/charts compare them with the real render), on its own port,
  with one uvicorn worker sized by what it was measured to use;
- the chart's API server Service gets that port, and `core.execution_api_server_url`
  points the tasks there; the core API keeps port 8080 (UI, REST, the ALB);
- a NetworkPolicy admits Airflow's own pods to it, and nobody else.

It shares the pod's replicas, zone spread, PodDisruptionBudget and IRSA role (the Execution
API resolves the tasks' connections and variables through the secrets backend, as the API
server did). The local platform runs the same two processes (local/config.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi_kubernetes as k8s

from components.eks.network_policy import ingress_policy

EXECUTION_API_PORT = 8081
CONTAINER = "execution-api"
SERVICE_PORT_NAME = "execution-api"
HEALTH_PATH = "/execution/health"
CORE_APPS = "core"
EXECUTION_APPS = "execution"
# One uvicorn worker per pod, pinned: Airflow 3.3.1's default `[api] workers` (the core API
# runs one too), 4 on the 3.0.x the chart can roll back to. One measured 260 MB resident
# after serving tasks (local platform, 2026-12-07), and one served every task of the
# benchmark (up to 400 a minute on two shared cores, docs/benchmark.md); each API server
# replica brings one more. Its requests are what it uses: the system nodes are not asked for
# another 1 GiB, what the program gives the core API's container.
EXECUTION_API_WORKERS = 1
EXECUTION_API_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "384Mi"},
    "limits": {"cpu": "1", "memory": "1Gi"},
}


def api_server_command(apps: str, port: int | None = None, workers: int | None = None) -> list[str]:
    """The chart's API server command (`bash -c "exec airflow api-server"`) for `apps`."""
    command = f"exec airflow api-server --apps {apps}"
    if port is not None:
        command += f" --port {port}"
    if workers is not None:
        command += f" --workers {workers}"
    return ["bash", "-c", command]


def execution_api_url(service: str) -> str:
    """`core.execution_api_server_url`: the Execution API's port on the API server Service."""
    return f"http://{service}:{EXECUTION_API_PORT}/execution/"


def _probe(**timing: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": HEALTH_PATH, "port": EXECUTION_API_PORT, "scheme": "HTTP"},
        **timing,
    }


def api_server_values(
    *,
    env: Sequence[Mapping[str, Any]],
    config_mounts: Sequence[Mapping[str, Any]],
    security_context: Mapping[str, Any],
    core_port: int,
) -> dict[str, Any]:
    """The chart's `apiServer` values that split it: the core API in the chart's container,
    the Execution API in CONTAINER. `env`, `config_mounts` and `security_context` are what
    the chart gives its API server container; the image and pull policy are the chart's own
    (templated, so a mirrored registry applies to both)."""
    container = {
        "name": CONTAINER,
        "image": '{{ template "airflow_image" . }}',
        "imagePullPolicy": "{{ .Values.images.airflow.pullPolicy }}",
        "args": api_server_command(EXECUTION_APPS, EXECUTION_API_PORT, EXECUTION_API_WORKERS),
        "env": [dict(e) for e in env],
        "volumeMounts": [dict(m) for m in config_mounts],
        "ports": [{"name": SERVICE_PORT_NAME, "containerPort": EXECUTION_API_PORT}],
        "securityContext": dict(security_context),
        "resources": {k: dict(v) for k, v in EXECUTION_API_RESOURCES.items()},
        # The chart's API server probes, on the Execution API's own health route.
        "startupProbe": _probe(
            initialDelaySeconds=0, timeoutSeconds=20, failureThreshold=6, periodSeconds=10
        ),
        "livenessProbe": _probe(
            initialDelaySeconds=15, timeoutSeconds=5, failureThreshold=5, periodSeconds=10
        ),
        "readinessProbe": _probe(
            initialDelaySeconds=15, timeoutSeconds=5, failureThreshold=5, periodSeconds=10
        ),
    }
    return {
        "args": api_server_command(CORE_APPS),
        "extraContainers": [container],
        "service": {
            "ports": [
                {"name": "api-server", "port": core_port},
                {"name": SERVICE_PORT_NAME, "port": EXECUTION_API_PORT},
            ]
        },
    }


def execution_api_policy(release: str) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """NetworkPolicy spec: Airflow's own pods (the workers' tasks) may open the Execution
    API's port on the API server pods; the chart's policy keeps the core API's port."""
    return ingress_policy("api-server", EXECUTION_API_PORT, {}, release)
