"""Airflow on the cluster: the official chart, its pinned secrets, KEDA, and the internal ALB.

Every credential the chart needs arrives as a Kubernetes Secret the program writes from
`random` resources or the data stores (values composed with `Output.format`; no resource is
ever created inside `apply`):
the metadata connection (through PgBouncer), the broker URL, the Fernet, API and JWT keys,
PgBouncer's config, and git-sync credentials. Helm values carry only secret *names*, so the
values are plain data that `chart_values()` renders and the tests validate against the chart's
JSON schema.

The ALB is Pulumi's, not the controller's: it is internal, deletion-protected in production,
tagged and priced like every other resource, and alarms can name it. The AWS Load Balancer
Controller only keeps its IP target group in sync with the API server pods (a
TargetGroupBinding) and, from the binding's `networking` rule, opens the node security group
to the ALB's security group on the API server port.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.aws_helpers import Account, assuming, policy_document
from components.charts import pinned
from components.eks.cluster import SYSTEM_LABELS, WORKER_LABELS, WORKER_TAINT, EksCluster
from components.eks.data import DB_NAME, DB_PORT, DB_USER, AirflowData
from components.eks.execution_api import api_server_values, execution_api_policy, execution_api_url
from components.eks.network_policy import ingress_policy
from components.eks.releases import pinned_release
from components.eks.sign_in import client_secret_policy, from_settings
from components.eks.state_logins import (
    BACKUP_LOGIN_ANNOTATION,
    backup_env,
    create_user_job,
    declare_state_logins,
)
from components.irsa import ROLE_ARN_ANNOTATION, ServiceAccount
from components.platform import (
    SECRETS_BACKEND,
    secrets_backend_kwargs,
    tuned_airflow_options,
)
from components.settings import AccessSettings, AirflowSettings, EksSettings

RELEASE = "airflow"
NAMESPACE = "airflow"
API_SERVER_PORT = 8080
PGBOUNCER_PORT = 6543
# Where the API server reads live task logs (chart values ports.workerLogs / triggererLogs).
LOG_PORTS = {"worker": 8793, "triggerer": 8794}
# What a task records as its host: the pod IP (see airflow_config).
HOSTNAME_CALLABLE = "airflow.utils.net.get_host_ip_address"
HEALTH_CHECK_PATH = "/api/v2/monitor/health"
REMOTE_LOG_CONN_ID = "aws_logs"
# Versions, repositories and digests: charts.lock.yaml.
AIRFLOW_CHART = pinned("airflow")
KEDA_CHART = pinned("keda")
# Airflow's metadata connection through PgBouncer: {0} user, {1} password, {2} PgBouncer host,
# {3} its port, {4} release (PgBouncer's pooled database is `<release>-metadata`). The local
# platform (local/config.py) formats the same template against its own PgBouncer.
METADATA_CONNECTION = "postgresql://{0}:{1}@{2}:{3}/{4}-metadata?sslmode=disable"
KEDA_NAMESPACE = "keda"
# Chart components that run Airflow code and may call AWS (logs, secrets backend, tasks).
# The chart names their service accounts `<release>-<component>` (templates/_helpers.yaml).
AWS_COMPONENTS = {
    "scheduler": "scheduler",
    "workers": "worker",
    "triggerer": "triggerer",
    "apiServer": "api-server",
    "dagProcessor": "dag-processor",
}
# The API server has an IRSA role of its own: only it may read the OIDC client secret.
API_SERVER_COMPONENT = "apiServer"
SIGN_IN_CONFIG_ANNOTATION = "airflow-on-aws/sign-in-config-sha256"
"""The API server's pod annotation: the digest of its webserver_config.py."""
IRSA_ROLE_ANNOTATION = "airflow-on-aws/irsa-role"
"""The API server's pod annotation: its IRSA role's ARN."""
# The settings the program sets in airflow.cfg; airflowConfigOptions may not override them.
RELEASE_TIMEOUT = 1200  # seconds: image pulls + database migrations on a fresh cluster
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"  # AWS's recommended ALB policy (TLS 1.3+1.2)


@dataclass(frozen=True)
class SecretNames:
    """Kubernetes Secrets (namespace `airflow`) the chart reads, by purpose."""

    metadata: str = f"{RELEASE}-metadata-connection"
    broker: str = f"{RELEASE}-broker-connection"
    fernet: str = f"{RELEASE}-pinned-fernet-key"
    api_secret_key: str = f"{RELEASE}-pinned-api-secret-key"
    jwt: str = f"{RELEASE}-pinned-jwt-secret"
    pgbouncer_config: str = f"{RELEASE}-pgbouncer-settings"
    pgbouncer_stats: str = f"{RELEASE}-pgbouncer-stats-connection"
    git_credentials: str = f"{RELEASE}-git-credentials"
    redis_password: str = f"{RELEASE}-pinned-redis-password"
    state_api_user: str = f"{RELEASE}-state-api-user"
    state_backup_user: str = f"{RELEASE}-state-backup-user"


SECRETS = SecretNames()


@dataclass(frozen=True)
class ChartInputs:
    """Everything `chart_values` needs, as plain values (Outputs resolved by the caller)."""

    airflow: AirflowSettings
    eks: EksSettings
    vpc_cidr: str
    region: str
    log_bucket: str
    airflow_role_arn: str
    web_url: str
    """Where people open the UI: the links in logs and alerts point there."""
    release: str = RELEASE
    secrets: SecretNames = SECRETS
    environment_name: str = ""
    """Names this environment's state backups (the metadata_backup DAG's metric dimension)."""
    logins_digest: str = ""
    """SHA-256 of the state-transfer passwords: the create-user job's pod annotation, so a
    rotated password changes the release and Helm runs the job again (it resets both)."""
    backup_login_digest: str = ""
    """SHA-256 of the backup password: the workers' pod annotation, so a rotated password
    restarts the workers, whose environment holds it."""
    access: AccessSettings = field(default_factory=AccessSettings)
    """Who signs in, through which identity provider (the API server's webserver_config.py)."""
    api_server_role_arn: str = ""
    """The API server's IRSA role (empty: the shared Airflow role)."""


def airflow_service_accounts(
    release: str = RELEASE, namespace: str = NAMESPACE
) -> list[ServiceAccount]:
    """The chart's service accounts that get the shared Airflow IRSA role (all but the API
    server's, which has its own)."""
    return [
        ServiceAccount(namespace, f"{release}-{sa}")
        for component, sa in AWS_COMPONENTS.items()
        if component != API_SERVER_COMPONENT
    ]


def api_server_service_account(
    release: str = RELEASE, namespace: str = NAMESPACE
) -> ServiceAccount:
    """The API server's service account: its IRSA role may also read the OIDC client secret."""
    return ServiceAccount(namespace, f"{release}-{AWS_COMPONENTS[API_SERVER_COMPONENT]}")


def sign_in_values(inputs: ChartInputs) -> dict[str, Any]:
    """The API server's sign-in (components/eks/sign_in.py): its webserver_config.py when
    teams are mapped; without, FAB's database logins stay, held only by the machine logins."""
    if not inputs.access.teams:
        return {}
    return {"apiServerConfig": from_settings(inputs.access)}


def api_server_pod_annotations(api_server: Mapping[str, Any]) -> dict[str, str]:
    """The API server's pod annotations (any it already has, plus the digest of its
    webserver_config.py and its IRSA role). The chart mounts that file from a ConfigMap as a
    subPath, which Kubernetes never refreshes, and its Deployment has no checksum of it: a
    changed mapping or identity provider rolls the pods only through this digest. A pod gets
    its role's credentials when it starts: a changed role (the API server's own, on a stack
    that had the shared one) rolls them through the role's ARN."""
    annotations = dict(api_server.get("podAnnotations", {}))
    role_arn = api_server.get("serviceAccount", {}).get("annotations", {}).get(ROLE_ARN_ANNOTATION)
    if role_arn:
        annotations[IRSA_ROLE_ANNOTATION] = role_arn
    config = api_server.get("apiServerConfig")
    if config:
        annotations[SIGN_IN_CONFIG_ANNOTATION] = hashlib.sha256(config.encode()).hexdigest()
    return annotations


def statsd_labels(release: str = RELEASE) -> dict[str, str]:
    """Labels of the chart's statsd-exporter Service (templates/statsd/statsd-service.yaml)."""
    return {"tier": "airflow", "component": "statsd", "release": release}


def fernet_key(random_hex: str) -> str:
    """A Fernet key from 32 random bytes (`RandomBytes.hex`). Fernet wants the bytes in
    URL-safe base64; `RandomBytes.base64` is standard base64, whose `+` and `/` Fernet rejects,
    so the key is encoded here from the raw bytes."""
    raw = bytes.fromhex(random_hex)
    if len(raw) != 32:
        raise ValueError(f"a Fernet key is 32 bytes, got {len(raw)}")
    return base64.urlsafe_b64encode(raw).decode("ascii")


# Seconds a client may keep a transaction open and idle before PgBouncer closes it and gives
# its server connection back to the pool. Airflow 3.3.1's API server can hold every one of
# the pool's connections in a transaction that never ends: its Execution API sessions commit
# through its event loop, and a REST request's token check (RevokedToken.is_revoked) blocks
# that loop waiting for a connection (apache/airflow#65712, #73422; make bench-local, py-spy:
# docs/benchmark.md "Not a leak"): a deadlock this limit broke first. Since the Execution API
# has a process of its own (components/eks/execution_api.py) that deadlock cannot form; the
# limit stays as the backstop for any client that leaves a transaction open. Below PgBouncer's
# query_wait_timeout (120 s), so queued clients get a connection before they give up; far
# above the idle gaps of a live transaction (seconds at most).
IDLE_TRANSACTION_TIMEOUT_S = 60


def pgbouncer_ini(release: str, db_host: str) -> str:
    """PgBouncer's config: one pooled database `<release>-metadata` in front of RDS, TLS to RDS
    (the parameter group forces it), the same keys the chart would render itself, and a
    limit on transactions left open and idle (IDLE_TRANSACTION_TIMEOUT_S)."""
    return "\n".join(
        [
            "[databases]",
            f"{release}-metadata = host={db_host} dbname={DB_NAME} port={DB_PORT} pool_size=10",
            "",
            "[pgbouncer]",
            "pool_mode = transaction",
            f"listen_port = {PGBOUNCER_PORT}",
            "listen_addr = *",
            "auth_type = scram-sha-256",
            "auth_file = /etc/pgbouncer/users.txt",
            f"stats_users = {DB_USER}",
            "ignore_startup_parameters = extra_float_digits",
            "max_client_conn = 200",
            f"idle_transaction_timeout = {IDLE_TRANSACTION_TIMEOUT_S}",
            "verbose = 0",
            "log_disconnections = 0",
            "log_connections = 0",
            "server_tls_sslmode = require",
            "server_tls_ciphers = normal",
            "",
        ]
    )


def log_access_policy(
    component: str, port: int, release: str = RELEASE
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """NetworkPolicy spec: the API server may open `component`'s log server port."""
    return ingress_policy(component, port, {"component": "api-server"}, release)


# Airflow pods no chart NetworkPolicy selects: the DAG processor (which runs DAG code) and the
# chart's Jobs. None of them serves anything, so none admits any connection.
NO_INGRESS_COMPONENTS = ("dag-processor", "run-airflow-migrations", "create-user-job")


def no_ingress_policy(release: str = RELEASE) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """NetworkPolicy spec: the NO_INGRESS_COMPONENTS pods admit no connection at all."""
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(
            match_labels={"tier": "airflow", "release": release},
            match_expressions=[
                k8s.meta.v1.LabelSelectorRequirementArgs(
                    key="component", operator="In", values=list(NO_INGRESS_COMPONENTS)
                )
            ],
        ),
        policy_types=["Ingress"],
    )


# Pod Security `restricted` (the namespace enforces it): no root, no privilege escalation, no
# capabilities, the runtime's default seccomp profile. UIDs are the images' own users.
_RESTRICTED_POD = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
_RESTRICTED_CONTAINER = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def _restricted(uid: int, gid: int | None = None) -> dict[str, Any]:
    """`securityContexts` values for a chart component running as `uid`."""
    group = {} if gid is None else {"runAsGroup": gid, "fsGroup": gid}
    return {
        "pod": {"runAsUser": uid, **group, **_RESTRICTED_POD},
        "container": dict(_RESTRICTED_CONTAINER),
    }


def _resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> dict[str, Any]:
    return {
        "requests": {"cpu": cpu, "memory": memory},
        "limits": {"cpu": cpu_limit, "memory": memory_limit},
    }


def _zone_spread(component: str, release: str) -> list[dict[str, Any]]:
    return [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            # Prefer spreading; never leave a replica pending because a zone is short of room.
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {
                "matchLabels": {"tier": "airflow", "component": component, "release": release}
            },
        }
    ]


def api_server_service(release: str = RELEASE) -> str:
    """The chart's API server Service (templates/api-server/api-server-service.yaml), port
    API_SERVER_PORT: the ALB's target, the workers' backup URL, and what
    `python -m tools.airflow_state --port-forward` forwards."""
    return f"{release}-api-server"


def _literal_env(inputs: ChartInputs) -> list[dict[str, str]]:
    """The chart's `env`: every Airflow container gets it."""
    # A connection without keys: boto3 falls back to the pod's IRSA web identity.
    return [
        {"name": "AIRFLOW_CONN_AWS_LOGS", "value": f"aws://?region_name={inputs.region}"},
        {"name": "AWS_DEFAULT_REGION", "value": inputs.region},
    ]


# Where the chart mounts airflow.cfg and airflow_local_settings.py from its ConfigMap
# (templates/_helpers.yaml `airflow_config_mount`).
CONFIG_MOUNTS = [
    {"name": "config", "mountPath": f"/opt/airflow/{file}", "subPath": file.rsplit("/", 1)[-1],
     "readOnly": True}
    for file in ("airflow.cfg", "config/airflow_local_settings.py")
]  # fmt: skip


def _secret_env(name: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def api_server_env(inputs: ChartInputs) -> list[dict[str, Any]]:
    """The environment the chart gives its API server container (`custom_airflow_environment`
    and `standard_airflow_environment` with the JWT secret), in its order, from the secret
    names the program pins: the Execution API's container gets the same."""
    secrets = inputs.secrets
    return [
        *_literal_env(inputs),
        {"name": "AIRFLOW_HOME", "value": "/opt/airflow"},
        _secret_env("AIRFLOW__CORE__FERNET_KEY", secrets.fernet, "fernet-key"),
        _secret_env("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", secrets.metadata, "connection"),
        _secret_env("AIRFLOW_CONN_AIRFLOW_DB", secrets.metadata, "connection"),
        _secret_env("KEDA_DB_CONN", secrets.metadata, "kedaConnection"),
        _secret_env("AIRFLOW__API__SECRET_KEY", secrets.api_secret_key, "api-secret-key"),
        _secret_env("AIRFLOW__API_AUTH__JWT_SECRET", secrets.jwt, "jwt-secret"),
        _secret_env("AIRFLOW__CELERY__BROKER_URL", secrets.broker, "connection"),
    ]


def state_backup_env(inputs: ChartInputs) -> list[dict[str, Any]]:
    """The metadata_backup DAG's environment on the workers: this release's API server."""
    url = f"http://{api_server_service(inputs.release)}.{NAMESPACE}:{API_SERVER_PORT}"
    return backup_env(url, inputs.environment_name, inputs.secrets.state_backup_user)


def airflow_config(inputs: ChartInputs) -> dict[str, dict[str, Any]]:
    """airflow.cfg sections: the tuned defaults (tuned_airflow_options), extra options from
    settings over them, then the ones the platform manages (remote logs in S3, the Secrets
    Manager backend shared with MWAA, no examples). Settings refuse extra options that
    collide with these (MANAGED_AIRFLOW_OPTIONS)."""
    config: dict[str, dict[str, Any]] = {}
    tuned = tuned_airflow_options(inputs.airflow.version)
    for option, value in {**tuned, **inputs.airflow.options}.items():
        section, key = option.split(".", 1)
        config.setdefault(section, {})[key] = value
    managed: dict[str, dict[str, Any]] = {
        # Workers and triggerers are Deployments: their pod names resolve nowhere, so each task
        # records its pod IP as host and the API server fetches live logs there
        # (apache/airflow#35388).
        # Tasks call the Task Execution API in its own process (components/eks/execution_api.py).
        "core": {
            "load_examples": "False",
            "hostname_callable": HOSTNAME_CALLABLE,
            "execution_api_server_url": execution_api_url(api_server_service(inputs.release)),
        },
        "api": {"base_url": inputs.web_url},
        "logging": {
            "remote_logging": "True",
            "remote_base_log_folder": f"s3://{inputs.log_bucket}/logs",
            "remote_log_conn_id": REMOTE_LOG_CONN_ID,
            "logging_level": inputs.airflow.log_level,
        },
        "secrets": {
            "backend": SECRETS_BACKEND,
            # aws_logs is AIRFLOW_CONN_AWS_LOGS (chart env): never in Secrets Manager.
            "backend_kwargs": secrets_backend_kwargs([REMOTE_LOG_CONN_ID]),
        },
        "celery": {"worker_concurrency": inputs.eks.worker_concurrency},
    }
    for section, options in managed.items():
        config.setdefault(section, {}).update(options)
    return config


def chart_values(inputs: ChartInputs) -> dict[str, Any]:
    """Values of the official Airflow chart (1.21.x keys), from plain values only."""
    values = _chart_values(inputs)
    api_server = values["apiServer"]
    api_server["podAnnotations"] = api_server_pod_annotations(api_server)
    for component in NO_KUBERNETES_API:
        # IRSA's web identity token is a volume of its own (the pod identity webhook's); the
        # Kubernetes API token is not needed by pods that never call the API.
        account = {**values[component].get("serviceAccount", {})}  # some share one dict
        values[component]["serviceAccount"] = {**account, "automountServiceAccountToken": False}
    # Every container gets requests and limits (checkov CKV_K8S_10-13): the log groomer
    # sidecars and the two Jobs had none.
    for component in ("scheduler", "dagProcessor", "triggerer"):
        values[component]["logGroomerSidecar"] = {
            "resources": _resources("10m", "32Mi", "100m", "128Mi")
        }
    values["migrateDatabaseJob"]["resources"] = _resources("250m", "512Mi", "1", "1Gi")
    values["createUserJob"]["resources"] = _resources("100m", "256Mi", "500m", "512Mi")
    # The exporter writes nothing: its root filesystem can be read-only (CKV_K8S_22). Airflow's
    # own containers write under AIRFLOW_HOME and /tmp (tools/charts/checkov-exceptions.yaml).
    values["statsd"]["securityContexts"]["container"]["readOnlyRootFilesystem"] = True
    return values


# Chart components that never call the Kubernetes API under CeleryExecutor (checkov
# CKV_K8S_38). Workers and the triggerer keep the token: task code there may launch pods
# (KubernetesPodOperator and its deferrable trigger); tools/charts/checkov-exceptions.yaml.
NO_KUBERNETES_API = (
    "scheduler",
    "apiServer",
    "dagProcessor",
    "statsd",
    "pgbouncer",
    "migrateDatabaseJob",
    "createUserJob",
)


def _chart_values(inputs: ChartInputs) -> dict[str, Any]:
    eks, release, secrets = inputs.eks, inputs.release, inputs.secrets
    role = {"annotations": {ROLE_ARN_ANNOTATION: inputs.airflow_role_arn}}
    in_cluster_redis = eks.queue_mode == "in-cluster"
    git_sync: dict[str, Any] = {
        "enabled": True,
        "repo": eks.dags_repo_url,
        "branch": eks.dags_repo_branch,
        "ref": eks.dags_repo_branch,
        "subPath": eks.dags_repo_subpath,
        "depth": 1,
        # git-sync's image user (the chart's dags.gitSync.uid default).
        "securityContexts": {"container": {"runAsUser": 65533, **_RESTRICTED_CONTAINER}},
        "resources": _resources("50m", "64Mi", "200m", "256Mi"),
    }
    if eks.dags_repo_token.get_secret_value():
        git_sync["credentialsSecret"] = secrets.git_credentials
    return {
        "airflowVersion": inputs.airflow.version,
        "defaultAirflowTag": inputs.airflow.version,
        "executor": "CeleryExecutor",
        "nodeSelector": dict(SYSTEM_LABELS),
        # Airflow images run as 50000 in group 0 (the chart's uid/gid defaults).
        "securityContexts": {
            "pod": {"runAsUser": 50000, "runAsGroup": 0, "fsGroup": 0, **_RESTRICTED_POD},
            "containers": dict(_RESTRICTED_CONTAINER),
        },
        "fernetKeySecretName": secrets.fernet,
        "apiSecretKeySecretName": secrets.api_secret_key,
        "jwtSecretName": secrets.jwt,
        "postgresql": {"enabled": False},
        "data": {
            "metadataSecretName": secrets.metadata,
            "brokerUrlSecretName": secrets.broker,
        },
        "redis": {
            "enabled": in_cluster_redis,
            "securityContexts": _restricted(999, 999),  # the redis image's user
            **({"passwordSecretName": secrets.redis_password} if in_cluster_redis else {}),
            "resources": _resources("100m", "128Mi", "500m", "512Mi"),
        },
        "pgbouncer": {
            "enabled": True,
            "replicas": 2,
            "podDisruptionBudget": {"enabled": True},
            "configSecretName": secrets.pgbouncer_config,
            "securityContexts": _restricted(65534),  # nobody, the chart's pgbouncer uid
            "metricsExporterSidecar": {
                "statsSecretName": secrets.pgbouncer_stats,
                "resources": _resources("20m", "32Mi", "100m", "64Mi"),
            },
            "resources": _resources("50m", "64Mi", "250m", "128Mi"),
        },
        "config": airflow_config(inputs),
        "env": _literal_env(inputs),
        "networkPolicies": {"enabled": True},
        # Pulumi waits for the release's pods (like `helm --wait`); as a post-install hook the
        # migration job would only run after that wait, while the scheduler and API server
        # wait for the migrations: the first install would never become ready. (The users
        # job, which nothing waits for, is a hook: components/eks/state_logins.py.)
        "migrateDatabaseJob": {
            "enabled": True,
            "useHelmHooks": False,
            "applyCustomEnv": False,
            # The release waits for this Job (wait_for_jobs) after its Deployments: it must
            # still exist then, or Helm's wait fails on a migrated database and rolls back.
            # The chart's 300 s could expire first; the release timeout cannot.
            "ttlSecondsAfterFinished": RELEASE_TIMEOUT,
        },
        **create_user_job(secrets.state_api_user, secrets.state_backup_user, inputs.logins_digest),
        "scheduler": {
            "replicas": eks.scheduler_replicas,
            "podDisruptionBudget": {"enabled": True},
            "topologySpreadConstraints": _zone_spread("scheduler", release),
            "resources": _resources("500m", "1Gi", "1", "2Gi"),
            "serviceAccount": role,
        },
        "apiServer": {
            "replicas": eks.api_server_replicas,
            "podDisruptionBudget": {"enabled": True},
            "topologySpreadConstraints": _zone_spread("api-server", release),
            "resources": _resources("250m", "1Gi", "1", "2Gi"),
            # The core API here, the Task Execution API in a container of its own.
            **api_server_values(
                env=api_server_env(inputs),
                config_mounts=CONFIG_MOUNTS,
                security_context=_RESTRICTED_CONTAINER,
                core_port=API_SERVER_PORT,
            ),
            "serviceAccount": {
                "annotations": {
                    ROLE_ARN_ANNOTATION: inputs.api_server_role_arn or inputs.airflow_role_arn
                }
            },
            **sign_in_values(inputs),
            # The chart's policy admits nobody unless `from` is set: the ALB and Airflow's
            # own pods (the state backup DAG's REST calls) are let in; the tasks' Execution
            # API port has a policy of its own (execution_api_policy). The ALB opens its own
            # connections to the IP targets from its addresses in the VPC, so UI clients
            # beyond the VPC (eksWebClientCidrs) are admitted by the ALB's security group,
            # not here; the nodes' security group admits only that ALB group.
            "networkPolicy": {
                "ingress": {
                    "from": [
                        {"ipBlock": {"cidr": inputs.vpc_cidr}},
                        {"podSelector": {"matchLabels": {"tier": "airflow", "release": release}}},
                    ],
                    "ports": [{"port": API_SERVER_PORT}],
                }
            },
        },
        "triggerer": {
            "enabled": True,
            "persistence": {"enabled": False},  # task logs go to S3
            "resources": _resources("250m", "512Mi", "1", "1Gi"),
            "serviceAccount": role,
        },
        "dagProcessor": {
            "enabled": True,
            "resources": _resources("250m", "1Gi", "1", "2Gi"),
            "serviceAccount": role,
        },
        # CeleryExecutor only: every worker setting lives under workers.celery (chart 1.21
        # deprecates the flat workers.* keys shared with pod-template-file pods).
        "workers": {
            "celery": {
                "keda": {
                    "enabled": True,
                    "minReplicaCount": eks.min_workers,
                    "maxReplicaCount": eks.max_workers,
                    # KEDA queries RDS directly (kedaConnection), not through PgBouncer.
                    "usePgbouncer": False,
                    # PgBouncer's policy admits the KEDA operator from this namespace (the
                    # chart renders that peer regardless); KEDA runs in its own.
                    "namespaceLabels": {"kubernetes.io/metadata.name": KEDA_NAMESPACE},
                },
                "persistence": {"enabled": False},  # task logs go to S3
                "nodeSelector": dict(WORKER_LABELS),
                "tolerations": [{"operator": "Equal", **WORKER_TAINT}],
                # Sized for 16 mostly I/O-bound task processes (finops/usage.yaml assumes the
                # same).
                "resources": _resources("500m", "3Gi", "2", "3Gi"),
                "serviceAccount": role,
                "env": state_backup_env(inputs),
                # The backup password sits in the workers' environment from pod start: a
                # rotated one rolls them (the chart templates podAnnotations into the pods).
                "podAnnotations": (
                    {BACKUP_LOGIN_ANNOTATION: inputs.backup_login_digest}
                    if inputs.backup_login_digest
                    else {}
                ),
            },
        },
        "statsd": {
            "enabled": True,
            "securityContexts": _restricted(65534),
            "resources": _resources("50m", "64Mi", "200m", "128Mi"),
            # Let Prometheus (kube-prometheus-stack, any namespace) scrape the exporter.
            "extraNetworkPolicies": [
                {
                    "namespaceSelector": {},
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
                }
            ],
        },
        "dags": {"gitSync": git_sync},
    }


@dataclass(frozen=True)
class AirflowReleaseArgs:
    airflow: AirflowSettings
    """Airflow version, extra options, log level."""
    eks: EksSettings
    """Replicas, workers, git-sync, queue mode, certificate."""
    environment_name: str
    """Names and tags of the ALB."""
    cluster: EksCluster
    """Where the chart runs (provider, IRSA, node security group, ALB controller)."""
    data: AirflowData
    """Database, broker and log bucket the chart connects to."""
    task_policy_json: pulumi.Input[str]
    """What Airflow itself may do in AWS (secrets, data bucket, alert topic)."""
    data_key_arn: pulumi.Input[str]
    """The workspace's KMS key (Airflow's secrets and data): encrypts the state-transfer
    secret in Secrets Manager, as it does the other secrets."""
    vpc_id: pulumi.Input[str]
    """VPC of the ALB and its target group."""
    vpc_cidr: str
    """Clients allowed to the ALB, and the API server's NetworkPolicy source (with the
    settings' eksWebClientCidrs)."""
    private_subnet_ids: Sequence[pulumi.Input[str]]
    """Subnets of the internal ALB."""
    protect: bool
    """ALB deletion protection."""
    access: AccessSettings = field(default_factory=AccessSettings)
    """Who signs in through the organisation's identity provider (the API server's auth)."""


class AirflowRelease(pulumi.ComponentResource):
    """KEDA, the Airflow chart with pinned secrets and IRSA, the internal ALB and its binding."""

    web_url: pulumi.Output[str]
    load_balancer_dns_name: pulumi.Output[str]
    """Where the webHostname DNS record points (CNAME, or an alias record)."""
    dag_location: pulumi.Output[str]
    airflow_role_arn: pulumi.Output[str]
    load_balancer_arn_suffix: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    release: k8s.helm.v3.Release

    def __init__(
        self, name: str, args: AirflowReleaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:eks_airflow:AirflowRelease", name, None, opts)
        self._name = name
        self._cluster = args.cluster
        self._account = Account.lookup(self)
        cluster, eks = args.cluster, args.eks

        airflow_policies = {
            "task": args.task_policy_json,
            "task-logs": self._logs_policy(args.data),
        }
        role = cluster.irsa(
            "airflow", airflow_service_accounts(), inline_policies=airflow_policies, parent=self
        )
        secret_arn = args.access.oidc_client_secret_arn if args.access.teams else ""
        api_role = cluster.irsa(
            "airflow-api-server",
            [api_server_service_account()],
            inline_policies={
                **airflow_policies,
                **({"oidc-client-secret": client_secret_policy(secret_arn)} if secret_arn else {}),
            },
            parent=self,
        )
        if not args.access.teams:
            pulumi.log.warn(
                "accessTeams: no team is mapped to an Airflow role, so nobody can sign in to "
                f"{args.environment_name}'s Airflow UI (docs/sign-in.md 'Add a team')",
                resource=self,
            )
        self.airflow_role_arn = role.arn
        self.namespace = namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": NAMESPACE,
                "labels": {
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
            },
            opts=cluster.k8s_opts(parent=self),
        )
        secrets = self._secrets(args, namespace)
        keda = pinned_release(
            f"{name}-keda",
            KEDA_CHART,
            release_name="keda",
            namespace=KEDA_NAMESPACE,
            create_namespace=True,
            values={"nodeSelector": dict(SYSTEM_LABELS)},
            registry=eks.image_registry,
            docker_hub=cluster.docker_hub,
            timeout=600,
            opts=cluster.k8s_opts(parent=self),
        )
        alb_group, target_group = self._load_balancer(args)
        inputs = pulumi.Output.all(
            role.arn,
            args.data.log_bucket,
            self._account.region,
            self.web_url,
            self._logins_digest,
            self._backup_login_digest,
            api_role.arn,
        )
        values = inputs.apply(
            lambda v: chart_values(
                ChartInputs(
                    airflow=args.airflow,
                    eks=eks,
                    vpc_cidr=args.vpc_cidr,
                    region=str(v[2]),
                    log_bucket=str(v[1]),
                    airflow_role_arn=str(v[0]),
                    web_url=str(v[3]),
                    environment_name=args.environment_name,
                    logins_digest=str(v[4]),
                    backup_login_digest=str(v[5]),
                    access=args.access,
                    api_server_role_arn=str(v[6]),
                )
            )
        )
        self.release = pinned_release(
            f"{name}-release",
            AIRFLOW_CHART,
            release_name=RELEASE,
            namespace=namespace.metadata["name"],
            values=values,
            registry=eks.image_registry,
            docker_hub=cluster.docker_hub,
            timeout=RELEASE_TIMEOUT,
            max_history=10,
            # The migration and create-user Jobs complete, or `pulumi up` fails.
            wait_for_jobs=True,
            opts=assuming(
                role,
                api_role,
                opts=cluster.k8s_opts(keda, *secrets, *cluster.storage_ready, parent=self),
            ),
        )
        self._bind_api_server(args, alb_group, target_group)
        self._let_api_server_read_logs(namespace)
        k8s.networking.v1.NetworkPolicy(
            f"{name}-execution-api-access",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{RELEASE}-execution-api-access", namespace=namespace.metadata["name"]
            ),
            spec=execution_api_policy(RELEASE),
            opts=cluster.k8s_opts(namespace, parent=self),
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-no-ingress",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{RELEASE}-no-ingress", namespace=namespace.metadata["name"]
            ),
            spec=no_ingress_policy(),
            opts=cluster.k8s_opts(namespace, parent=self),
        )
        self.dag_location = pulumi.Output.from_input(
            f"{eks.dags_repo_url}@{eks.dags_repo_branch}:{eks.dags_repo_subpath}"
        )
        self.register_outputs(
            {"webUrl": self.web_url, "dagLocation": self.dag_location, "roleArn": role.arn}
        )

    def _logs_policy(self, data: AirflowData) -> pulumi.Output[str]:
        return policy_document(
            [
                {
                    "Sid": "ListTaskLogs",
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": data.log_bucket_arn,
                    "Condition": {"StringLike": {"s3:prefix": ["logs", "logs/*"]}},
                },
                {
                    "Sid": "ReadWriteTaskLogs",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": pulumi.Output.concat(data.log_bucket_arn, "/logs/*"),
                },
                {
                    "Sid": "TaskLogsKey",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": data.log_key_arn,
                    "Condition": {
                        "StringEquals": {
                            "kms:ViaService": pulumi.Output.concat(
                                "s3.", self._account.region, ".amazonaws.com"
                            )
                        }
                    },
                },
            ]
        )

    def _secret(
        self,
        role: str,
        secret_name: str,
        data: Mapping[str, pulumi.Input[str]],
        namespace: k8s.core.v1.Namespace,
    ) -> k8s.core.v1.Secret:
        return k8s.core.v1.Secret(
            f"{self._name}-{role}",
            metadata={"name": secret_name, "namespace": namespace.metadata["name"]},
            type="Opaque",
            string_data={k: pulumi.Output.secret(v) for k, v in data.items()},
            opts=self._cluster.k8s_opts(namespace, parent=self),
        )

    def _secrets(
        self, args: AirflowReleaseArgs, namespace: k8s.core.v1.Namespace
    ) -> list[k8s.core.v1.Secret]:
        name, data, eks = self._name, args.data, args.eks
        child = pulumi.ResourceOptions(parent=self)
        password, host = data.db_password, data.db_address
        pgbouncer_host = f"{RELEASE}-pgbouncer.{NAMESPACE}"
        created = [
            self._secret(
                "metadata-secret",
                SECRETS.metadata,
                {
                    # Airflow goes through PgBouncer (in-cluster hop; PgBouncer -> RDS is TLS).
                    "connection": pulumi.Output.format(
                        METADATA_CONNECTION,
                        DB_USER,
                        password,
                        pgbouncer_host,
                        PGBOUNCER_PORT,
                        RELEASE,
                    ),
                    # KEDA's scaler queries RDS directly, over TLS.
                    "kedaConnection": pulumi.Output.format(
                        "postgresql://{0}:{1}@{2}:{3}/{4}?sslmode=require",
                        DB_USER,
                        password,
                        host,
                        DB_PORT,
                        DB_NAME,
                    ),
                },
                namespace,
            ),
            self._secret(
                "pgbouncer-config-secret",
                SECRETS.pgbouncer_config,
                {
                    "pgbouncer.ini": host.apply(lambda h: pgbouncer_ini(RELEASE, h)),
                    "users.txt": pulumi.Output.format('"{0}" "{1}"\n', DB_USER, password),
                },
                namespace,
            ),
            self._secret(
                "pgbouncer-stats-secret",
                SECRETS.pgbouncer_stats,
                {
                    "connection": pulumi.Output.format(
                        "postgresql://{0}:{1}@127.0.0.1:{2}/pgbouncer?sslmode=disable",
                        DB_USER,
                        password,
                        PGBOUNCER_PORT,
                    )
                },
                namespace,
            ),
        ]

        if data.broker_url is not None:
            broker_url: pulumi.Output[str] = data.broker_url
        else:
            redis_password = random.RandomPassword(
                f"{name}-redis-password", length=32, special=False, opts=child
            )
            created.append(
                self._secret(
                    "redis-password-secret",
                    SECRETS.redis_password,
                    {"password": redis_password.result},
                    namespace,
                )
            )
            broker_url = pulumi.Output.format(
                "redis://:{0}@{1}-redis:6379/0", redis_password.result, RELEASE
            )
        created.append(
            self._secret("broker-secret", SECRETS.broker, {"connection": broker_url}, namespace)
        )

        logins = declare_state_logins(
            name,
            environment_name=args.environment_name,
            data_key_arn=args.data_key_arn,
            protect=args.protect,
            op_secret=SECRETS.state_api_user,
            backup_secret=SECRETS.state_backup_user,
            write_secret=lambda role, secret_name, values: self._secret(
                role, secret_name, values, namespace
            ),
            parent=self,
        )
        self._logins_digest = logins.digest
        self._backup_login_digest = logins.backup_digest
        created += logins.secrets
        fernet = random.RandomBytes(f"{name}-fernet-key", length=32, opts=child)
        api_key = random.RandomPassword(
            f"{name}-api-secret-key", length=64, special=False, opts=child
        )
        jwt = random.RandomPassword(f"{name}-jwt-signing-key", length=64, special=False, opts=child)
        created += [
            self._secret(
                "fernet-secret",
                SECRETS.fernet,
                {"fernet-key": fernet.hex.apply(fernet_key)},
                namespace,
            ),
            self._secret(
                "api-secret-key-secret",
                SECRETS.api_secret_key,
                {"api-secret-key": api_key.result},
                namespace,
            ),
            self._secret("jwt-secret", SECRETS.jwt, {"jwt-secret": jwt.result}, namespace),
        ]
        token = eks.dags_repo_token.get_secret_value()
        if token:
            user, secret_token = eks.dags_repo_username, pulumi.Output.secret(token)
            created.append(
                self._secret(
                    "git-credentials-secret",
                    SECRETS.git_credentials,
                    {  # git-sync v4 and v3 variable names
                        "GITSYNC_USERNAME": user,
                        "GITSYNC_PASSWORD": secret_token,
                        "GIT_SYNC_USERNAME": user,
                        "GIT_SYNC_PASSWORD": secret_token,
                    },
                    namespace,
                )
            )
        return created

    def _load_balancer(
        self, args: AirflowReleaseArgs
    ) -> tuple[aws.ec2.SecurityGroup, aws.lb.TargetGroup]:
        """The internal ALB, its security group, target group and listeners (before the
        chart: Airflow's base URL is the ALB's address)."""
        name, cluster = self._name, args.cluster
        child = pulumi.ResourceOptions(parent=self)
        group = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            vpc_id=args.vpc_id,
            description="Airflow ALB: HTTP(S) from the VPC and the UI client networks only",
            tags={"Name": f"{args.environment_name}-airflow-alb"},
            opts=child,
        )
        for port in (80, 443):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-alb-from-vpc-{port}",
                security_group_id=group.id,
                cidr_ipv4=args.vpc_cidr,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description="Clients inside the VPC",
                opts=child,
            )
            # Peered and VPN networks keep their own source addresses.
            for cidr in args.eks.web_client_cidrs:
                # Named by the network, so reordering the setting replaces no rule.
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-alb-from-{cidr.replace('.', '-').replace('/', '-')}-{port}",
                    security_group_id=group.id,
                    cidr_ipv4=cidr,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    description="UI clients beyond the VPC (eksWebClientCidrs)",
                    opts=child,
                )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-to-api-server",
            security_group_id=group.id,
            referenced_security_group_id=cluster.node_security_group_id,
            ip_protocol="tcp",
            from_port=API_SERVER_PORT,
            to_port=API_SERVER_PORT,
            description="Airflow API server pods (IP targets on the nodes' security group)",
            opts=child,
        )
        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            # ALB names stop at 32 characters; the environment name (at most 24) fits.
            name=f"{args.environment_name}-airflow",
            internal=True,
            load_balancer_type="application",
            subnets=list(args.private_subnet_ids),
            security_groups=[group.id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.protect,
            idle_timeout=120,
            tags={"Name": f"{args.environment_name}-airflow"},
            opts=child,
        )
        target_group = aws.lb.TargetGroup(
            f"{name}-api",
            # A prefix, not a name: a replacement target group is created before the old one
            # is deleted, and two cannot share a name.
            name_prefix="api-",
            port=API_SERVER_PORT,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=30,
            health_check={
                "enabled": True,
                "path": HEALTH_CHECK_PATH,
                "port": "traffic-port",
                "protocol": "HTTP",
                "matcher": "200",
                "interval": 15,
                "healthy_threshold": 2,
                "unhealthy_threshold": 3,
            },
            opts=child,
        )
        forward = [
            aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)
        ]
        certificate = args.eks.certificate_arn
        if certificate:
            aws.lb.Listener(
                f"{name}-https",
                load_balancer_arn=alb.arn,
                port=443,
                protocol="HTTPS",
                certificate_arn=certificate,
                ssl_policy=TLS_POLICY,
                default_actions=forward,
                opts=child,
            )
            aws.lb.Listener(
                f"{name}-http-redirect",
                load_balancer_arn=alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[
                    aws.lb.ListenerDefaultActionArgs(
                        type="redirect",
                        redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                            port="443", protocol="HTTPS", status_code="HTTP_301"
                        ),
                    )
                ],
                opts=child,
            )
        else:
            aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=forward,
                opts=child,
            )
        scheme = "https" if certificate else "http"
        # With a certificate the UI must be opened by a name it covers: webHostname, whose
        # DNS record points at the ALB (settings require it then).
        host = args.eks.web_hostname or alb.dns_name
        self.web_url = pulumi.Output.concat(scheme, "://", host)
        self.load_balancer_dns_name = alb.dns_name
        self.load_balancer_arn_suffix = alb.arn_suffix
        self.target_group_arn_suffix = target_group.arn_suffix
        return group, target_group

    def _let_api_server_read_logs(self, namespace: k8s.core.v1.Namespace) -> None:
        """Charts 1.18-1.21: worker and triggerer NetworkPolicies admit only `component: webserver`,
        which Airflow 3 does not run: the UI could not show logs of running or deferred tasks
        (fixed upstream in chart 1.22, apache/airflow#65754). Policies add up, so this one lets
        the API server in on the log ports and changes nothing else."""
        for component, port in LOG_PORTS.items():
            k8s.networking.v1.NetworkPolicy(
                f"{self._name}-{component}-log-access",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=f"{RELEASE}-{component}-log-access", namespace=namespace.metadata["name"]
                ),
                spec=log_access_policy(component, port),
                opts=self._cluster.k8s_opts(namespace, parent=self),
            )

    def _bind_api_server(
        self,
        args: AirflowReleaseArgs,
        group: aws.ec2.SecurityGroup,
        target_group: aws.lb.TargetGroup,
    ) -> None:
        """Keep the target group on the API server pods (the controller does, once the chart's
        Service exists)."""
        name, cluster = self._name, args.cluster
        service = api_server_service()
        k8s.apiextensions.CustomResource(
            f"{name}-api-binding",
            api_version="elbv2.k8s.aws/v1beta1",
            kind="TargetGroupBinding",
            metadata={"name": service, "namespace": NAMESPACE},
            spec={
                "serviceRef": {"name": service, "port": API_SERVER_PORT},
                "targetGroupARN": target_group.arn,
                "targetType": "ip",
                # The controller adds (and removes) this rule on the node security group.
                "networking": {
                    "ingress": [
                        {
                            "from": [{"securityGroup": {"groupID": group.id}}],
                            "ports": [{"protocol": "TCP", "port": API_SERVER_PORT}],
                        }
                    ]
                },
            },
            opts=cluster.k8s_opts(self.release, cluster.load_balancer_controller, parent=self),
        )
