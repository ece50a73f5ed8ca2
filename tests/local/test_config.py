"""local.config: the local platform runs what the program generates, not a copy of it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from components.eks.airflow import pgbouncer_ini
from components.platform import CONNECTIONS_PREFIX, SECRETS_BACKEND, VARIABLES_PREFIX
from components.settings import Settings, load
from components.workspace import secret_entries
from local.bench import runner
from local.config import (
    E2E_INSPECTION,
    FAST_TEST_TUNING,
    FEATURES,
    LOCAL_ONLY,
    LocalConfig,
    Ports,
    Secrets,
    chart_command,
    env_name,
    local_config,
    local_pgbouncer_ini,
)
from tools.plan import stack_config

REPO = Path(__file__).resolve().parents[2]
PORTS = Ports(
    api=18080, postgres=18101, pgbouncer=18102, redis=18103, moto=18104, statsd=18105,
    execution_api=18106,
)  # fmt: skip
SECRETS = Secrets("dbpw", "redispw", "fernet", "jwt", "apikey", "adminpw")
STATE = Path("/tmp/state")
CA = STATE / "pki/ca.crt"


def settings_of(stack: str, **overrides: Any) -> Settings:
    project, config = stack_config(stack)
    config.update({f"{project}:{k}": v for k, v in overrides.items()})
    return load(project, stack, config)


def config_of(
    stack: str,
    fast: bool = False,
    airflow_defaults: bool = False,
    features: tuple[str, ...] = (),
    tuning: dict[str, str] | None = None,
    **overrides: Any,
) -> LocalConfig:
    return local_config(
        settings_of(stack, **overrides),
        ports=PORTS,
        secrets=SECRETS,
        state=STATE,
        ca_file=CA,
        account_id="111122223333",
        fast=fast,
        airflow_defaults=airflow_defaults,
        features=features,
        tuning=tuning,
    )


def test_prod_broker_is_the_programs_rediss_url_on_local_redis_with_the_ca() -> None:
    cfg = config_of("prod")
    assert cfg.env["AIRFLOW__CELERY__BROKER_URL"] == (
        f"rediss://:redispw@127.0.0.1:{PORTS.redis}/0?ssl_cert_reqs=required&ssl_ca_certs={CA}"
    )


def test_the_brokers_ca_path_survives_a_plus_in_the_state_folder() -> None:
    """A benchmark platform's folder is named after its configuration (`defaults+remote-logs`);
    Celery reads the URL's query with parse_qsl, where a bare '+' is a space."""
    ca = Path("/tmp/airflow-bench-defaults+remote-logs-x/state/pki/ca.crt")
    settings = settings_of("prod")
    cfg = local_config(settings, ports=PORTS, secrets=SECRETS, state=STATE, ca_file=ca,
                       account_id="111122223333")  # fmt: skip
    query = urlsplit(cfg.env["AIRFLOW__CELERY__BROKER_URL"]).query
    assert dict(parse_qsl(query))["ssl_ca_certs"] == str(ca)


def test_prod_metadata_goes_through_pgbouncer_to_the_pooled_database() -> None:
    cfg = config_of("prod")
    conn = cfg.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert (
        conn
        == f"postgresql://airflow:dbpw@127.0.0.1:{PORTS.pgbouncer}/airflow-metadata?sslmode=disable"
    )
    assert cfg.env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + conn
    assert cfg.pgbouncer_ini is not None
    pooled = re.search(r"^airflow-metadata = (.*)$", cfg.pgbouncer_ini, re.M)
    assert pooled, "PgBouncer must serve the database the connection names"
    assert f"port={PORTS.postgres}" in pooled.group(1) and "dbname=airflow" in pooled.group(1)
    assert f"listen_port = {PORTS.pgbouncer}" in cfg.pgbouncer_ini
    assert cfg.pgbouncer_users == '"airflow" "dbpw"\n'


def test_pgbouncer_ini_differs_from_the_programs_only_in_hosts_ports_and_paths() -> None:
    program = pgbouncer_ini("airflow", "db.example.internal").splitlines()
    local = (config_of("prod").pgbouncer_ini or "").splitlines()
    changed = [(a, b) for a, b in zip(program, local, strict=False) if a != b]
    for before, after in changed:
        shape = re.sub(r"(host=|port=|= )\S+", r"\1X", before)
        assert shape == re.sub(r"(host=|port=|= )\S+", r"\1X", after), (before, after)
    assert len(local) == len(program) + 1 and local[-1].startswith("unix_socket_dir = ")
    # Auth, pooling and TLS to the database are the program's.
    for line in ("auth_type = scram-sha-256", "pool_mode = transaction",
                 "server_tls_sslmode = require"):  # fmt: skip
        assert line in local


def test_pgbouncer_listens_on_loopback_only() -> None:
    local = (config_of("prod").pgbouncer_ini or "").splitlines()
    assert [line for line in local if line.startswith("listen_addr")] == ["listen_addr = 127.0.0.1"]


@pytest.mark.parametrize(
    "line", ["listen_addr = *", "listen_port = 6543", "auth_file = /etc/pgbouncer/users.txt"]
)
def test_a_program_ini_without_a_line_to_make_local_is_refused(line: str) -> None:
    program = pgbouncer_ini("airflow", "db.example.internal")
    assert line in program.splitlines()
    changed = program.replace(line, line.replace(" = ", " =  "))
    with pytest.raises(ValueError, match=re.escape(repr(line))):
        local_pgbouncer_ini(changed, PORTS, STATE)


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_no_airflow_process_starts_the_log_server_on_every_interface(stack: str) -> None:
    # The worker's and the triggerer's log servers bind host "" on fixed 8793/8794.
    cfg = config_of(stack)
    commands = {p.name: p.args for p in cfg.processes}
    assert commands["worker"] == ("celery", "worker", "--skip-serve-logs")
    assert commands["triggerer"] == ("triggerer", "--skip-serve-logs")


def test_prod_airflow_options_are_the_charts_config() -> None:
    cfg = config_of("prod", airflowConfigOptions='["core.default_timezone=utc"]')
    env = cfg.env
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__SECRETS__BACKEND"] == SECRETS_BACKEND
    assert json.loads(env["AIRFLOW__SECRETS__BACKEND_KWARGS"]) == {
        "connections_prefix": CONNECTIONS_PREFIX,
        "variables_prefix": VARIABLES_PREFIX,
        "connections_lookup_pattern": "^(?!(aws_logs)$)",
    }
    assert env["AIRFLOW__LOGGING__REMOTE_LOGGING"] == "True"
    assert env["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"] == f"s3://{cfg.log_bucket}/logs"
    assert env["AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID"] == "aws_logs"
    assert env["AIRFLOW_CONN_AWS_LOGS"] == "aws://?region_name=us-east-1"
    assert env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "16"
    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "utc"  # settings flow through
    assert env["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:18080"  # the ALB, rewritten


def test_a_setting_changes_the_local_run() -> None:
    cfg = config_of("prod", airflowWorkerConcurrency="4", airflowSchedulerReplicas="3")
    assert cfg.env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "4"
    assert [p.name for p in cfg.processes if p.args == ("scheduler",)] == [
        "scheduler-1", "scheduler-2", "scheduler-3"]  # fmt: skip


def test_prod_runs_the_charts_processes() -> None:
    names = [p.name for p in config_of("prod").processes]
    assert names == [
        "scheduler-1",
        "scheduler-2",
        "api-server",
        "execution-api",
        "dag-processor",
        "triggerer",
        "worker",
    ]


@pytest.mark.parametrize("airflow_defaults", [False, True])
def test_prod_serves_the_task_execution_api_from_a_process_of_its_own(
    airflow_defaults: bool,
) -> None:
    """As the chart's API server pod does (components/eks/execution_api.py): the core API on
    the API port, the Execution API on its own, and the tasks sent there. The defaults keep
    the program's shape: the same processes."""
    cfg = config_of("prod", airflow_defaults=airflow_defaults)
    served = {p.name: (p.args, p.port) for p in cfg.processes if p.port is not None}
    assert served == {
        "api-server": (("api-server", "--apps", "core"), PORTS.api),
        "execution-api": (("api-server", "--apps", "execution"), PORTS.execution_api),
    }
    assert cfg.env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
        f"http://127.0.0.1:{PORTS.execution_api}/execution/"
    )


def test_dev_serves_both_apis_from_its_one_web_server() -> None:
    """MWAA runs its own web server; the local dev platform keeps one API server for both."""
    cfg = config_of("dev")
    served = {p.name: (p.args, p.port) for p in cfg.processes if p.port is not None}
    assert served == {"api-server": (("api-server",), PORTS.api)}
    assert cfg.env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
        f"http://127.0.0.1:{PORTS.api}/execution/"
    )


@pytest.mark.parametrize(
    "args", [["airflow", "api-server"], ["bash", "-c", "airflow api-server"], ["sh", "-c", "x"]]
)
def test_a_chart_command_the_local_platform_cannot_run_is_refused(args: list[str]) -> None:
    with pytest.raises(ValueError, match="a chart command this cannot run locally"):
        chart_command(args)


def test_dev_runs_the_mwaa_options_and_class_defaults() -> None:
    cfg = config_of("dev", mwaaSchedulers="3", mwaaEnvironmentClass="mw1.medium")
    assert cfg.env["AIRFLOW__SECRETS__BACKEND"] == SECRETS_BACKEND
    assert cfg.env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert cfg.env["AIRFLOW__CELERY__WORKER_AUTOSCALE"] == "10,10"
    assert cfg.pgbouncer_ini is None and cfg.log_bucket is None
    assert "AIRFLOW__LOGGING__REMOTE_LOGGING" not in cfg.env  # MWAA logs to CloudWatch
    assert [p.name for p in cfg.processes if p.args == ("scheduler",)] == [
        "scheduler-1", "scheduler-2", "scheduler-3"]  # fmt: skip


def test_secrets_are_the_workspaces_names_with_local_values() -> None:
    cfg = config_of("prod")
    names = secret_entries("a", "b", "c", "d").keys()
    assert set(cfg.aws_secrets) == set(names)
    assert cfg.aws_secrets[f"{VARIABLES_PREFIX}/alert_topic_arn"] == cfg.alert_topic_arn
    assert cfg.alert_topic_arn == "arn:aws:sns:us-east-1:111122223333:airflow-prod-alerts"
    assert cfg.aws_secrets[f"{VARIABLES_PREFIX}/chat_topic_arn"] == (
        "arn:aws:sns:us-east-1:111122223333:airflow-prod-alerts-chat"
    )
    assert cfg.aws_secrets[f"{VARIABLES_PREFIX}/data_bucket"] == cfg.data_bucket
    assert json.loads(cfg.aws_secrets[f"{CONNECTIONS_PREFIX}/data_lake"])["conn_type"] == "aws"


def test_test_tuning_only_when_asked_and_kept_apart() -> None:
    normal, fast = config_of("prod"), config_of("prod", fast=True)
    for option, value in {**FAST_TEST_TUNING, **E2E_INSPECTION}.items():
        assert normal.env.get(env_name(option)) != value
        assert fast.env[env_name(option)] == value
    assert set(LOCAL_ONLY).isdisjoint({**FAST_TEST_TUNING, **E2E_INSPECTION})


def test_aws_is_the_moto_server_never_a_real_account() -> None:
    env = config_of("prod").env
    assert env["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{PORTS.moto}"
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == "/dev/null"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_airflow_venv_pins_the_stacks_airflow_version(stack: str) -> None:
    pins = (REPO / "tests/dags/requirements-airflow.txt").read_text()
    version = settings_of(stack).airflow.version
    assert f"\napache-airflow=={version}\n" in pins, (
        f"airflowVersion {version} of {stack} is not what .venv-airflow installs"
    )


def options_changed(a: LocalConfig, b: LocalConfig) -> set[str]:
    """The Airflow options (environment variables) set differently in `a` and `b`."""
    return {k for k in a.env.keys() | b.env.keys() if a.env.get(k) != b.env.get(k)}


def test_airflow_defaults_leave_out_the_programs_options_and_nothing_else() -> None:
    program, defaults = config_of("prod"), config_of("prod", airflow_defaults=True)
    # Exactly the program's choices differ; the work (the same DAGs, no examples), the
    # broker, the database and the platform's addresses are the same.
    assert options_changed(program, defaults) == {
        "AIRFLOW__CELERY__WORKER_CONCURRENCY",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL",
        "AIRFLOW__LOGGING__LOGGING_LEVEL",
        "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER",
        "AIRFLOW__LOGGING__REMOTE_LOGGING",
        "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID",
        "AIRFLOW__SECRETS__BACKEND",
        "AIRFLOW__SECRETS__BACKEND_KWARGS",
    }
    for option in options_changed(program, defaults):
        assert option not in defaults.env
    assert defaults.env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    # Equal shape: the same schedulers and processes, only the options differ.
    assert defaults.processes == program.processes
    assert [p.name for p in defaults.processes if p.args == ("scheduler",)] == [
        "scheduler-1",
        "scheduler-2",
    ]


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_a_feature_on_the_defaults_is_the_programs_options_for_it_and_nothing_else(
    feature: str,
) -> None:
    program, defaults = config_of("prod"), config_of("prod", airflow_defaults=True)
    line = config_of("prod", airflow_defaults=True, features=(feature,))
    expected = {env_name(option) for option in FEATURES[feature]}
    assert options_changed(defaults, line) == expected
    for name in expected:
        assert line.env[name] == program.env[name]


def test_an_unknown_feature_is_refused() -> None:
    with pytest.raises(ValueError, match="features: \\['parsing'\\] unknown"):
        config_of("prod", airflow_defaults=True, features=("parsing",))


def test_a_tuning_candidate_is_the_programs_options_with_that_one_change() -> None:
    program = config_of("prod")
    tuned = config_of("prod", tuning={"dag_processor.min_file_process_interval": "30"})
    assert options_changed(program, tuned) == {"AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL"}
    assert tuned.env["AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL"] == "30"
    assert tuned.processes == program.processes


@pytest.mark.parametrize("candidate", sorted(runner.CANDIDATES))
def test_each_bench_candidate_changes_the_programs_options_in_its_own_only(candidate: str) -> None:
    """A candidate run beside `program` measures its one change: the program must not already
    have that value, and nothing else may differ."""
    tuning = runner.CANDIDATES[candidate]
    program, tuned = config_of("prod"), config_of("prod", tuning=tuning)
    assert options_changed(program, tuned) == {env_name(option) for option in tuning}
    assert all(tuned.env[env_name(o)] == v for o, v in tuning.items())
    assert tuned.processes == program.processes
