"""The small surface every Airflow platform offers the rest of the program.

MWAA and EKS fill in the same `AirflowPlatform`, so observability and alerting read one shape
and branch only where the platforms really differ (what there is to watch).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.settings.versions import option_for

# Where both platforms look up connections and variables (the secrets backend contract).
CONNECTIONS_PREFIX = "airflow/connections"
VARIABLES_PREFIX = "airflow/variables"
SECRETS_BACKEND = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
# Airflow options both platforms start from, by their Airflow 3 names (tuned_airflow_options
# gives each the name of the platform's version); a stack's `airflowConfigOptions` may
# override them. Each was measured by `make bench-local` before it was adopted
# (docs/benchmark.md).
TUNED_AIRFLOW_OPTIONS = {
    # Unchanged DAG files re-parsed every 120 s, not Airflow's 30: the DAG processor's CPU
    # per task falls; a changed file is parsed at once either way (the default
    # `file_parsing_sort_mode`, modified_time, queues files changed since their last parse).
    # `[scheduler]` on Airflow 2 (settings/versions.py, AIRFLOW_3_RENAMED_OPTIONS).
    "dag_processor.min_file_process_interval": "120",
}
# Alarms on a signal that should never go silent (a heartbeat, the node count, the daily state
# backup). They treat missing data as missing: a new stack, which has produced no data yet,
# stays INSUFFICIENT_DATA instead of paging; a signal that falls silent after reporting goes
# OK -> INSUFFICIENT_DATA, which the alerting rule forwards for exactly these roles.
SILENCE_ALARM_ROLES = ("scheduler-heartbeat", "node-count", "state-backup-missing")


def tuned_airflow_options(version: str) -> dict[str, str]:
    """TUNED_AIRFLOW_OPTIONS under the names Airflow `version` reads."""
    return {option_for(option, version): value for option, value in TUNED_AIRFLOW_OPTIONS.items()}


def secrets_backend_kwargs(environment_connections: Sequence[str] = ()) -> str:
    """The Secrets Manager backend's `backend_kwargs` (JSON): both prefixes, and a
    `connections_lookup_pattern` that skips the connections the platform defines in the
    environment (`AIRFLOW_CONN_*`). Airflow asks the backend before the environment, so each
    of those is otherwise a GetSecretValue that never finds anything: on EKS the task-log
    upload's `aws_logs` missed about 30 times per worker start (make bench-local,
    docs/benchmark.md, Tuning 1).
    Connections and variables users add under the prefixes are still looked up."""
    kwargs = {"connections_prefix": CONNECTIONS_PREFIX, "variables_prefix": VARIABLES_PREFIX}
    if environment_connections:
        names = "|".join(re.escape(c) for c in environment_connections)
        kwargs["connections_lookup_pattern"] = f"^(?!({names})$)"
    return json.dumps(kwargs)


@dataclass(frozen=True)
class NodeGroupWatch:
    """A node group whose size observability alarms on."""

    name: pulumi.Output[str]
    min_size: int


@dataclass(frozen=True)
class KubernetesAccess:
    """What an in-cluster add-on (the Prometheus stack) needs from the cluster."""

    provider: k8s.Provider
    cluster_name: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str]
    """Issuer host and path, without https:// (the IRSA trust condition key prefix)."""
    airflow_namespace: str
    statsd_labels: Mapping[str, str]
    """Labels of the Airflow chart's statsd-exporter Service (for a ServiceMonitor)."""
    system_node_selector: Mapping[str, str]
    kubernetes_version: str
    """The cluster's Kubernetes version (add-ons take the version AWS pairs with it)."""
    depends_on: Sequence[pulumi.Resource] = ()
    """Resources an add-on must wait for (node groups, the EBS CSI driver)."""
    docker_hub: pulumi.Input[str] = ""
    """`<registry>/<prefix>` of the stack's Docker Hub pull-through cache: where an add-on
    pulls its Docker Hub images (components/eks/images.py)."""
    airflow_ready: Sequence[pulumi.Resource] = ()
    """What must exist before objects go into the Airflow namespace (the namespace itself)."""


@dataclass(frozen=True)
class WatchTargets:
    """What there is to watch; observability alarms on whatever is set."""

    mwaa_environment: pulumi.Output[str] | None = None
    eks_cluster: pulumi.Output[str] | None = None
    db_instance_id: pulumi.Output[str] | None = None
    db_allocated_storage_gib: int = 0
    cache_cluster_ids: Sequence[pulumi.Output[str]] = ()
    load_balancer_arn_suffix: pulumi.Output[str] | None = None
    target_group_arn_suffix: pulumi.Output[str] | None = None
    node_groups: Sequence[NodeGroupWatch] = ()
    airflow_namespace: str | None = None


@dataclass(frozen=True)
class AirflowPlatform:
    """What a platform component exposes as `.platform`."""

    architecture: str
    environment_name: str
    web_url: pulumi.Output[str]
    dag_location: pulumi.Output[str]
    log_groups: Mapping[str, pulumi.Output[str]]
    """Purpose (e.g. Task, Scheduler, cluster) -> CloudWatch log group name."""
    watch: WatchTargets
    kubernetes: KubernetesAccess | None = None
    exports: Mapping[str, pulumi.Input[object]] = field(default_factory=dict)
    """Extra stack outputs the platform wants users to see (secrets wrapped already)."""


def state_api_secret_name(environment_name: str) -> str:
    """Secrets Manager secret (JSON `username`, `password`) of the Airflow API user that the
    state transfer uses on EKS (`python -m tools.airflow_state --port-forward ...`). Outside
    the `airflow/` prefixes on purpose: the secrets backend must never serve it to DAGs."""
    return f"{environment_name}/airflow-api/state-transfer"
