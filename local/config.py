"""The stack's settings -> the local platform's configuration, through the program's own code.

Nothing here is a hand-written copy of what the components generate: the Airflow options
come from `components.eks.airflow.airflow_config` and `chart_values` (prod) or
`components.mwaa.airflow_options` (dev), the metadata connection and the broker URL from the
templates the components format, PgBouncer's config from `pgbouncer_ini`, the secrets from
`components.workspace.secret_entries`. Only what must differ on one machine is replaced:
hosts and ports become 127.0.0.1 and local ports, paths become files under the state
directory, the broker URL gets the throwaway CA, and AWS is a moto server.

Two kinds of extra options are kept apart from the program's, each with its reason:
`LOCAL_ONLY` (needed for one machine to work at all) and `FAST_TEST_TUNING` with
`E2E_INSPECTION` (shorter heartbeats and polls, and the configuration readable through the
API, for the end-to-end tests; never used by `make local`).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from components.eks.airflow import (
    METADATA_CONNECTION,
    PGBOUNCER_PORT,
    RELEASE,
    REMOTE_LOG_CONN_ID,
    ChartInputs,
    airflow_config,
    chart_values,
    pgbouncer_ini,
)
from components.eks.data import BROKER_URL, DB_NAME, DB_USER, dns_label
from components.eks.execution_api import CONTAINER as EXECUTION_API
from components.mwaa import airflow_options
from components.settings import Settings
from components.workspace import data_lake_connection, secret_entries
from local.sign_in import FAB_AUTH_MANAGER, INSECURE_TRANSPORT_ENV

REPO = Path(__file__).resolve().parents[1]
DAGS_FOLDER = REPO / "dags"
# MWAA's default `celery.worker_autoscale` (max,min concurrent tasks per worker) per class
# (Amazon MWAA User Guide, "Amazon MWAA environment class").
MWAA_WORKER_AUTOSCALE = {
    "mw1.micro": "3,3",
    "mw1.small": "5,5",
    "mw1.medium": "10,10",
    "mw1.large": "20,20",
    "mw1.xlarge": "40,40",
    "mw1.2xlarge": "80,80",
}
# The chart's statsd defaults (values.yaml `config.metrics`): on, prefix `airflow`. On EKS
# the host is the chart's statsd-exporter Service; here, a UDP port on loopback.
STATSD_PREFIX = "airflow"
ADMIN_USER = "admin"
LOCAL_BUNDLE = "airflow.dag_processing.bundles.local.LocalDagBundle"
# What one machine needs and the platforms get elsewhere (one line each, why).
LOCAL_ONLY = {
    # Workers reach the Task Execution API on its local process (prod) or the local API server
    # (dev), not the chart's Service.
    "core.execution_api_server_url": "{execution_url}/execution/",
    # One admin, password from the state directory (the chart uses its own user job).
    "core.simple_auth_manager_users": f"{ADMIN_USER}:admin",
    "core.simple_auth_manager_passwords_file": "{state}/passwords.json",
    # One uvicorn worker per API server process: with several, uvicorn restarts any child
    # that answers its health ping late, and on a loaded two-core machine they start too
    # slowly and never settle.
    "api.workers": "1",
    # At load 25+ on two cores the Execution API answers later than Airflow's 5 s, and a
    # task whose calls all time out fails (httpx.ReadTimeout in the worker's log;
    # docs/benchmark.md).
    "workers.execution_api_timeout": "30",
}
# Shorter heartbeats, polls and timeouts so the end-to-end test on two cores takes minutes,
# not hours. Only `make e2e` / `make bench-local` use them; `make local` runs the program's
# configuration untouched.
FAST_TEST_TUNING = {
    "scheduler.scheduler_heartbeat_sec": "2",
    "scheduler.task_instance_heartbeat_timeout": "30",
    "scheduler.task_instance_heartbeat_timeout_detection_interval": "5",
    "scheduler.orphaned_tasks_check_interval": "15",
    "scheduler.scheduler_health_check_threshold": "20",
    "scheduler.task_queued_timeout": "60",
    "dag_processor.refresh_interval": "5",
    "dag_processor.min_file_process_interval": "5",
    "dag_processor.parsing_processes": "1",
    "triggerer.job_heartbeat_sec": "2",
}
# The effective configuration readable through the REST API (`GET /api/v2/config`), so the
# end-to-end tests check what Airflow runs with, not what was written. Airflow's default,
# and both platforms', keep it hidden; only the tests (`fast`) turn it on.
E2E_INSPECTION = {"api.expose_config": "True"}
# The program's features that cost work per task, each one Airflow option group: the
# benchmark adds them one at a time to Airflow's defaults, so each has its own cost line.
FEATURES: dict[str, tuple[str, ...]] = {
    "remote-logs": (
        "logging.remote_logging",
        "logging.remote_base_log_folder",
        "logging.remote_log_conn_id",
    ),
    "secrets-backend": ("secrets.backend", "secrets.backend_kwargs"),
}
# What every benchmark configuration keeps of the program's options, Airflow's defaults
# included: which DAGs there are and where the API answers are the work and the platform,
# not a choice of tuning. Airflow's default `load_examples` would have the defaults' DAG
# processor parse Airflow's example DAGs (and the providers') beside the benchmark's 20.
SAME_WORK = ("core.load_examples", "api.base_url")
# The Celery worker and the triggerer would each start Airflow's log server, which binds every
# interface on a fixed port (`logging.worker_log_server_port` 8793, `triggerer_log_server_port`
# 8794): open to the network, and two platforms on one machine would collide. Neither is
# needed here: prod's task logs go to S3 (moto), dev's are files the API server reads itself.
WORKER = ("celery", "worker", "--skip-serve-logs")
TRIGGERER = ("triggerer", "--skip-serve-logs")


@dataclass(frozen=True)
class Ports:
    """TCP/UDP ports on 127.0.0.1, one per server."""

    api: int
    """Airflow UI and REST API (`PORT=`, 8080 by default)."""
    postgres: int
    pgbouncer: int
    redis: int
    moto: int
    statsd: int
    """UDP: where Airflow sends statsd metrics (a listener may or may not be there)."""
    execution_api: int
    """The Task Execution API's own process (prod: components/eks/execution_api.py)."""


@dataclass(frozen=True)
class Secrets:
    """Random values generated once per state directory (the chart's pinned secrets)."""

    db_password: str
    redis_password: str
    fernet_key: str
    jwt_secret: str
    api_secret_key: str
    admin_password: str


@dataclass(frozen=True)
class AirflowProcess:
    """One long-running Airflow process: a name for pid files and logs, and its arguments."""

    name: str
    args: tuple[str, ...]
    port: int | None = None
    """Where it serves on 127.0.0.1 (the API servers)."""


@dataclass(frozen=True)
class LocalConfig:
    """Everything the supervisor needs to start the platform of one stack."""

    stack: str
    architecture: str
    airflow_version: str
    env: dict[str, str]
    """Environment of every Airflow process (AIRFLOW__*, AWS_*)."""
    processes: tuple[AirflowProcess, ...]
    database: str
    """The PostgreSQL database Airflow's metadata lives in."""
    pgbouncer_ini: str | None
    """PgBouncer's config (prod); None when Airflow talks to PostgreSQL directly (dev)."""
    pgbouncer_users: str | None
    aws_secrets: dict[str, str]
    """Secrets Manager name -> value, as the workspace component creates them."""
    data_bucket: str
    log_bucket: str | None
    """Remote task-log bucket (prod: S3 as on EKS); None keeps logs on disk (dev)."""
    alert_topic: str
    chat_topic: str
    """The chat topic (AWS Chatbot custom notifications), next to the alert topic."""
    region: str
    account_id: str
    api_url: str
    options: dict[str, str] = field(default_factory=dict)
    """The Airflow options as 'section.key' -> value, for status and tests."""

    @property
    def alert_topic_arn(self) -> str:
        return f"arn:aws:sns:{self.region}:{self.account_id}:{self.alert_topic}"

    @property
    def chat_topic_arn(self) -> str:
        return f"arn:aws:sns:{self.region}:{self.account_id}:{self.chat_topic}"


def env_name(option: str) -> str:
    """'section.key' -> AIRFLOW__SECTION__KEY (how Airflow reads options from the env)."""
    section, key = option.split(".", 1)
    return f"AIRFLOW__{section.upper()}__{key.upper()}"


def local_pgbouncer_ini(program_ini: str, ports: Ports, state: Path) -> str:
    """The program's pgbouncer.ini with only host, ports and paths replaced.

    Raises ValueError when a line to replace is not in the program's ini: a changed line
    would otherwise pass through as it is (PgBouncer on every interface, on the chart's port)."""
    text = re.sub(r"host=\S+", "host=127.0.0.1", program_ini)
    text = re.sub(rf"port={_DB_PORT_PATTERN}\b", f"port={ports.postgres}", text)
    for line, local in (
        (f"listen_port = {PGBOUNCER_PORT}", f"listen_port = {ports.pgbouncer}"),
        ("listen_addr = *", "listen_addr = 127.0.0.1"),
        ("auth_file = /etc/pgbouncer/users.txt", f"auth_file = {state / 'pgbouncer/users.txt'}"),
    ):
        if not re.search(rf"^{re.escape(line)}$", text, re.M):
            raise ValueError(f"the program's pgbouncer.ini has no line {line!r} to make local")
        text = re.sub(rf"^{re.escape(line)}$", local, text, flags=re.M)
    # The Debian binary would otherwise put its socket in /tmp, shared with other platforms.
    return text + f"unix_socket_dir = {state / 'pgbouncer'}\n"


_DB_PORT_PATTERN = r"\d+"


def _flatten(config: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    return {f"{s}.{k}": str(v) for s, opts in config.items() for k, v in opts.items()}


def local_config(
    settings: Settings,
    *,
    ports: Ports,
    secrets: Secrets,
    state: Path,
    ca_file: Path,
    account_id: str,
    fast: bool = False,
    extra_dag_folders: Sequence[Path] = (),
    airflow_defaults: bool = False,
    sign_in: bool = False,
    features: Collection[str] = (),
    tuning: Mapping[str, str] | None = None,
) -> LocalConfig:
    """The local platform of `settings.stack`: what the stack's platform would run.

    `airflow_defaults` leaves the program's Airflow options out (Airflow's defaults) at the
    same shape: the same schedulers, executor, processes and servers, and the same work
    (SAME_WORK: the same DAGs), the benchmark's baseline. `features` (names in FEATURES)
    keeps those of the program's options on top of the defaults, one feature's cost at a
    time. `tuning` ('section.key' -> value) is a candidate change to the program's options,
    measured against them before it is adopted."""
    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"features: {sorted(unknown)} unknown; known: {sorted(FEATURES)}")
    api_url = f"http://127.0.0.1:{ports.api}"
    execution_url = api_url
    env_base = settings.environment_name
    region = settings.region
    data_bucket = f"{env_base}-data-local"
    alert_topic = f"{env_base}-alerts"
    chat_topic = f"{env_base}-alerts-chat"
    # The broker URL the program generates, with host, port and the CA substituted.
    broker = BROKER_URL.format(secrets.redis_password, "127.0.0.1", ports.redis)
    # Quoted: Celery reads the query with parse_qsl, where a '+' in the path is a space.
    broker += f"&ssl_ca_certs={quote(str(ca_file), safe='/')}"
    env: dict[str, str] = {}
    pg_ini = pg_users = None
    log_bucket: str | None = None

    if settings.architecture == "eks":
        log_bucket = dns_label(f"{env_base}-task-logs", 36) + "-local"
        inputs = ChartInputs(
            airflow=settings.airflow,
            eks=settings.eks,
            vpc_cidr=settings.network.cidr,
            region=region,
            log_bucket=log_bucket,
            airflow_role_arn=f"arn:aws:iam::{account_id}:role/{env_base}-airflow",
            web_url=api_url,
        )
        values = chart_values(inputs)
        options = _flatten(airflow_config(inputs))
        options["core.executor"] = values["executor"]
        # Literal values only: variables read from Kubernetes Secrets have no local twin.
        env.update({e["name"]: str(e["value"]) for e in values["env"] if "value" in e})
        metadata = METADATA_CONNECTION.format(
            DB_USER, secrets.db_password, "127.0.0.1", ports.pgbouncer, RELEASE
        )
        pg_ini = local_pgbouncer_ini(pgbouncer_ini(RELEASE, "127.0.0.1"), ports, state)
        pg_users = f'"{DB_USER}" "{secrets.db_password}"\n'
        processes = _eks_processes(values, ports)
        if any(p.name == EXECUTION_API for p in processes):
            execution_url = f"http://127.0.0.1:{ports.execution_api}"
    else:
        options = dict(airflow_options(settings.airflow))
        # MWAA runs Celery (on SQS) and keeps its own metadata database, without PgBouncer.
        options["core.executor"] = "CeleryExecutor"
        options["celery.worker_autoscale"] = MWAA_WORKER_AUTOSCALE[settings.mwaa.environment_class]
        options["api.base_url"] = api_url
        env["AWS_DEFAULT_REGION"] = region
        metadata = (
            f"postgresql://{DB_USER}:{secrets.db_password}@127.0.0.1:{ports.postgres}/"
            f"{DB_NAME}?sslmode=require"
        )
        processes = _mwaa_processes(settings.mwaa.schedulers, ports)

    if airflow_defaults:
        kept = {*SAME_WORK, *(option for feature in features for option in FEATURES[feature])}
        options = {
            "core.executor": "CeleryExecutor",
            **{k: v for k, v in options.items() if k in kept},
        }
    options.update(tuning or {})
    options.update(
        {
            "database.sql_alchemy_conn": metadata,
            "celery.broker_url": broker,
            "celery.result_backend": "db+" + metadata,
            "core.fernet_key": secrets.fernet_key,
            "api_auth.jwt_secret": secrets.jwt_secret,
            "api.secret_key": secrets.api_secret_key,
            "core.dags_folder": str(DAGS_FOLDER),
            "metrics.statsd_on": "True",
            "metrics.statsd_host": "127.0.0.1",
            "metrics.statsd_port": str(ports.statsd),
            "metrics.statsd_prefix": STATSD_PREFIX,
        }
    )
    for option, value in LOCAL_ONLY.items():
        options[option] = value.format(api_url=api_url, execution_url=execution_url, state=state)
    if sign_in:
        # People sign in as on EKS: the chart's FAB auth manager with the stack's
        # webserver_config.py (local/sign_in.py writes it), not the local admin.
        options = {k: v for k, v in options.items() if not k.startswith("core.simple_auth")}
        options["core.auth_manager"] = FAB_AUTH_MANAGER
        env.update(INSECURE_TRANSPORT_ENV)
    if fast:
        options.update(FAST_TEST_TUNING)
        options.update(E2E_INSPECTION)
    if extra_dag_folders:
        # Test-only DAGs (e2e faults, benchmark) as DAG bundles of their own, beside dags/.
        options["dag_processor.dag_bundle_config_list"] = json.dumps(
            [{"name": "dags-folder", "classpath": LOCAL_BUNDLE, "kwargs": {}}]
            + [
                {"name": folder.name, "classpath": LOCAL_BUNDLE, "kwargs": {"path": str(folder)}}
                for folder in extra_dag_folders
            ]
        )

    env.update({env_name(option): value for option, value in options.items()})
    env.update(
        {
            "AIRFLOW_HOME": str(state / "airflow"),
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ports.moto}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            # Never a real account from here, even on a laptop with credentials.
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    topic_arn = f"arn:aws:sns:{region}:{account_id}:{alert_topic}"
    chat_topic_arn = f"arn:aws:sns:{region}:{account_id}:{chat_topic}"
    return LocalConfig(
        stack=settings.stack,
        architecture=settings.architecture,
        airflow_version=settings.airflow.version,
        env=env,
        processes=processes,
        database=DB_NAME,
        pgbouncer_ini=pg_ini,
        pgbouncer_users=pg_users,
        aws_secrets=secret_entries(
            alert_topic_arn=topic_arn,
            chat_topic_arn=chat_topic_arn,
            data_bucket=data_bucket,
            data_lake_connection=data_lake_connection(region),
        ),
        data_bucket=data_bucket,
        log_bucket=log_bucket,
        alert_topic=alert_topic,
        chat_topic=chat_topic,
        region=region,
        account_id=account_id,
        api_url=api_url,
        options=options,
    )


def chart_command(args: Sequence[str]) -> tuple[str, ...]:
    """A chart container's `airflow` arguments, from its `bash -c "exec airflow ..."`, without
    `--port` (each local process gets its own) and `--workers` (one: LOCAL_ONLY)."""
    shell = list(args)
    if shell[:2] != ["bash", "-c"] or not shell[2].startswith("exec airflow "):
        raise ValueError(f"a chart command this cannot run locally: {shell}")
    words = shlex.split(shell[2])[2:]
    for option in ("--port", "--workers"):
        if option in words:
            at = words.index(option)
            del words[at : at + 2]
    return tuple(words)


def _eks_processes(values: Mapping[str, Any], ports: Ports) -> tuple[AirflowProcess, ...]:
    """The chart's long-running Airflow containers, one process each (one of each API
    server container: one port each), with the commands the program gives them."""
    processes = [
        AirflowProcess(f"scheduler-{i + 1}", ("scheduler",))
        for i in range(values["scheduler"]["replicas"])
    ]
    api_server = values["apiServer"]
    processes.append(AirflowProcess("api-server", chart_command(api_server["args"]), ports.api))
    processes += [
        AirflowProcess(c["name"], chart_command(c["args"]), ports.execution_api)
        for c in api_server.get("extraContainers", ())
        if c["name"] == EXECUTION_API
    ]
    if values["dagProcessor"]["enabled"]:
        processes.append(AirflowProcess("dag-processor", ("dag-processor",)))
    if values["triggerer"]["enabled"]:
        processes.append(AirflowProcess("triggerer", TRIGGERER))
    processes.append(AirflowProcess("worker", WORKER))
    return tuple(processes)


def _mwaa_processes(schedulers: int, ports: Ports) -> tuple[AirflowProcess, ...]:
    """MWAA's set: its schedulers (which also run the DAG processor and triggerer on 3.x),
    a web server and the base worker."""
    processes = [AirflowProcess(f"scheduler-{i + 1}", ("scheduler",)) for i in range(schedulers)]
    processes += [
        AirflowProcess("api-server", ("api-server",), ports.api),
        AirflowProcess("dag-processor", ("dag-processor",)),
        AirflowProcess("triggerer", TRIGGERER),
        AirflowProcess("worker", WORKER),
    ]
    return tuple(processes)


__all__ = [
    "E2E_INSPECTION",
    "FAST_TEST_TUNING",
    "FEATURES",
    "LOCAL_ONLY",
    "REMOTE_LOG_CONN_ID",
    "SAME_WORK",
    "AirflowProcess",
    "LocalConfig",
    "Ports",
    "Secrets",
    "chart_command",
    "env_name",
    "local_config",
]
