"""The Task Execution API apart from the core API (components/eks/execution_api.py), as the
real chart renders it: the second container is the chart's API server container with other
arguments and its own port, the Service carries that port, and airflow.cfg sends the tasks
there."""

from __future__ import annotations

from typing import Any

from components.eks.airflow import API_SERVER_PORT, api_server_service
from components.eks.execution_api import CONTAINER, EXECUTION_API_PORT, HEALTH_PATH
from tests.charts.conftest import airflow_cfg, prod_stack
from tools.charts.objects import Cluster, Obj

# What the two containers must share: the process is the same `airflow api-server`.
SHARED = ("image", "imagePullPolicy", "env", "envFrom", "securityContext")
# The chart's config map (airflow.cfg, airflow_local_settings.py): both read it. The core API
# may mount more (a stack with sign-in teams: its webserver_config.py); the Execution API does
# not use an auth manager.
CONFIG_VOLUME = "config"


def _named(cluster: Cluster, kind: str, name: str) -> Obj:
    return next(o for o in cluster.of_kind(kind) if o["metadata"]["name"] == name)


def _containers(cluster: Cluster) -> dict[str, dict[str, Any]]:
    deployment = _named(cluster, "Deployment", api_server_service())
    return {c["name"]: c for c in deployment["spec"]["template"]["spec"]["containers"]}


def split_problems(cluster: Cluster) -> list[str]:
    """What keeps the tasks from the Execution API's own process, one line each."""
    containers = _containers(cluster)
    core, execution = containers.get("api-server"), containers.get(CONTAINER)
    if core is None or execution is None:
        return [f"the API server pod runs {sorted(containers)}, not api-server and {CONTAINER}"]
    problems = [
        f"{CONTAINER}'s {key} differs from the chart's API server container's"
        for key in SHARED
        if execution.get(key, []) != core.get(key, [])
        and not (key == "envFrom" and not execution.get(key) and not core.get(key))
    ]
    config_mounts = [m for m in core.get("volumeMounts", []) if m["name"] == CONFIG_VOLUME]
    if not config_mounts or execution.get("volumeMounts") != config_mounts:
        problems.append(f"{CONTAINER} mounts {execution.get('volumeMounts')}, not {config_mounts}")
    if core["args"][-1] != "exec airflow api-server --apps core":
        problems.append(f"the API server container runs {core['args']}")
    wanted = f"exec airflow api-server --apps execution --port {EXECUTION_API_PORT} --workers 1"
    if execution["args"][-1] != wanted:
        problems.append(f"{CONTAINER} runs {execution['args']}")
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = execution.get(probe, {}).get("httpGet", {})
        if (get.get("path"), get.get("port")) != (HEALTH_PATH, EXECUTION_API_PORT):
            problems.append(f"{CONTAINER}'s {probe} asks {get or 'nothing'}")
    service = _named(cluster, "Service", api_server_service())
    ports = {p["port"] for p in service["spec"]["ports"]}
    if ports != {API_SERVER_PORT, EXECUTION_API_PORT}:
        problems.append(f"the API server Service has ports {sorted(ports)}")
    url = airflow_cfg(cluster)["core"].get("execution_api_server_url")
    wanted = f"http://{api_server_service()}:{EXECUTION_API_PORT}/execution/"
    if url != wanted:
        problems.append(f"tasks call the Execution API at {url}, not {wanted}")
    return problems


def test_the_execution_api_runs_apart_as_the_charts_own_api_server() -> None:
    problems = split_problems(prod_stack().cluster())
    assert problems == [], "\n".join(problems)


def test_an_execution_api_container_missing_the_jwt_secret_is_caught() -> None:
    """Without it the Execution API would refuse every task's token."""
    stack = prod_stack()

    def drop_jwt(values: dict[str, Any]) -> None:
        container = values["apiServer"]["extraContainers"][0]
        container["env"] = [
            e for e in container["env"] if e["name"] != "AIRFLOW__API_AUTH__JWT_SECRET"
        ]

    cluster = stack.cluster(renders=stack.rerender("airflow", drop_jwt))
    assert split_problems(cluster) == [
        f"{CONTAINER}'s env differs from the chart's API server container's"
    ]


def test_with_sign_in_the_execution_api_reads_the_same_configuration() -> None:
    """Sign-in mounts webserver_config.py into the core API's container only."""
    stack = prod_stack()

    def with_sign_in(values: dict[str, Any]) -> None:
        values["apiServer"]["apiServerConfig"] = "AUTH_TYPE = 4  # AUTH_OAUTH\n"

    cluster = stack.cluster(renders=stack.rerender("airflow", with_sign_in))
    mounts = {m["mountPath"] for m in _containers(cluster)["api-server"]["volumeMounts"]}
    assert "/opt/airflow/webserver_config.py" in mounts  # the core API's, from the chart
    assert split_problems(cluster) == []


def test_tasks_sent_to_the_core_api_are_caught() -> None:
    stack = prod_stack()

    def together(values: dict[str, Any]) -> None:
        values["config"]["core"]["execution_api_server_url"] = (
            f"http://{api_server_service()}:{API_SERVER_PORT}/execution/"
        )

    cluster = stack.cluster(renders=stack.rerender("airflow", together))
    assert split_problems(cluster) == [
        f"tasks call the Execution API at http://{api_server_service()}:{API_SERVER_PORT}"
        f"/execution/, not http://{api_server_service()}:{EXECUTION_API_PORT}/execution/"
    ]
