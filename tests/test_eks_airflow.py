"""Airflow on EKS: chart values (validated against the chart's schema), pinned secrets, KEDA,
IRSA, the internal ALB and its TargetGroupBinding."""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from typing import Any

import jsonschema
import pytest

from components.charts import pinned
from components.eks.airflow import (
    IRSA_ROLE_ANNOTATION,
    KEDA_CHART,
    NO_KUBERNETES_API,
    ChartInputs,
    chart_values,
    fernet_key,
    pgbouncer_ini,
)
from components.eks.images import mirrored
from components.irsa import ROLE_ARN_ANNOTATION
from components.platform import CONNECTIONS_PREFIX, SECRETS_BACKEND, VARIABLES_PREFIX
from components.settings import CHART_AIRFLOW_VERSIONS, SettingsError, load
from tests.conftest import policy, settings_for, statements
from tests.test_eks_platform import TASK_POLICY, Built, build
from tools.charts.packages import read_member
from tools.mocks import ACCOUNT_ID, Registration
from tools.plan import stack_config

SECRET = "kubernetes:core/v1:Secret"
ROLE_ARN = "arn:aws:iam::111122223333:role/airflow-irsa"
WEB_URL = "http://internal-airflow-test-alb-0123.us-east-1.elb.amazonaws.com"
CERT = "arn:aws:acm:us-east-1:111122223333:certificate/0f6b3a1e-2b7c-4a8e-9c1d-1234567890ab"


@cache
def validator() -> jsonschema.Draft7Validator:
    """The schema Helm itself validates the values against: the pinned package's."""
    schema = read_member(pinned("airflow"), "values.schema.json")
    return jsonschema.Draft7Validator(json.loads(schema))


def render(api_server_role_arn: str = "", **overrides: Any) -> dict[str, Any]:
    s = settings_for("eks", **overrides)
    return chart_values(
        ChartInputs(
            airflow=s.airflow,
            eks=s.eks,
            vpc_cidr=s.network.cidr,
            region="us-east-1",
            log_bucket="airflow-test-task-logs-0123",
            airflow_role_arn=ROLE_ARN,
            web_url=WEB_URL,
            api_server_role_arn=api_server_role_arn,
        )
    )


def values(d: Built) -> dict[str, Any]:
    return dict(d.release("airflow").inputs["values"])


def secret(d: Built, name: str) -> Registration:
    found = [r for r in d.of_type(SECRET) if r.inputs["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one Secret {name}"
    return found[0]


def at(v: dict[str, Any], path: str) -> Any:
    """The values under a dotted path (workers.celery)."""
    for key in path.split("."):
        v = v[key]
    return v


def schema_errors(v: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator().iter_errors(v)]


# ------------------------------------------------------------------- values vs. schema


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"queueMode": "in-cluster"},
        {"dagsRepoUsername": "bot", "dagsRepoToken": "ghp_example"},
        {"airflowConfigOptions": ["core.default_timezone=utc", "scheduler.parsing_processes=4"]},
    ],
)
def test_rendered_values_validate_against_the_chart_schema(overrides: dict[str, Any]) -> None:
    assert schema_errors(render(**overrides)) == []


def test_the_schema_check_catches_wrong_keys_and_types() -> None:
    v = render()
    v["workers"]["celery"]["keda"]["minReplicas"] = 1  # the chart calls it minReplicaCount
    v["scheduler"]["replicas"] = "2"
    errors = schema_errors(v)
    assert len(errors) == 2, errors


def test_values_the_release_gets_are_the_rendered_values() -> None:
    d = build()
    role = d.named("airflow-test-cluster-airflow-irsa")
    bucket = d.one("aws:s3/bucket:Bucket").outputs["bucket"]
    s = settings_for("eks")
    alb = d.one("aws:lb/loadBalancer:LoadBalancer")
    web_url = f"http://{alb.outputs['dnsName']}"
    # Docker Hub's images through the stack's pull-through cache (issue 21, item 2).
    docker_hub = f"{ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/{s.eks.docker_hub_cache_prefix}"
    expected = chart_values(
        ChartInputs(
            s.airflow,
            s.eks,
            "10.40.0.0/16",
            "us-east-1",
            bucket,
            role.outputs["arn"],
            web_url,
            environment_name="airflow-test",
            logins_digest=values(d)["createUserJob"]["annotations"]["airflow-on-aws/logins-sha256"],
            backup_login_digest=values(d)["workers"]["celery"]["podAnnotations"][
                "airflow-on-aws/backup-login-sha256"
            ],
            api_server_role_arn=d.named("airflow-test-cluster-airflow-api-server-irsa").outputs[
                "arn"
            ],
        )
    )
    expected = mirrored("airflow", expected, "", docker_hub)
    assert values(d)["config"]["api"]["base_url"] == web_url  # links in logs and alerts
    assert json.loads(json.dumps(values(d))) == json.loads(json.dumps(expected))
    assert schema_errors(values(d)) == []


# --------------------------------------------------------------------------- the chart


def test_release_pins_the_official_chart_in_its_own_namespace() -> None:
    d = build()
    release = d.release("airflow")
    assert release.inputs["version"] == pinned("airflow").version
    assert release.inputs["repositoryOpts"] == {"repo": "https://airflow.apache.org"}
    assert release.inputs["name"] == "airflow"
    assert release.inputs["namespace"] == "airflow"
    assert release.inputs["atomic"] is True
    # Waited-for releases must not run migrations as post-install hooks (they would deadlock).
    rendered = values(d)
    assert rendered["migrateDatabaseJob"]["useHelmHooks"] is False
    # The users job may be a post-install hook: nothing waits for it (test_eks_state_logins).
    assert release.inputs["timeout"] >= 600
    assert release.inputs.get("skipAwait") in (None, False)
    namespace = d.one("kubernetes:core/v1:Namespace")
    assert namespace.inputs["metadata"]["name"] == "airflow"
    assert d.depends_on(release, namespace)


def test_celery_with_external_database_and_broker() -> None:
    v = render()
    assert v["executor"] == "CeleryExecutor"
    assert v["postgresql"] == {"enabled": False}
    assert v["redis"]["enabled"] is False
    assert v["data"] == {
        "metadataSecretName": "airflow-metadata-connection",
        "brokerUrlSecretName": "airflow-broker-connection",
    }
    assert v["pgbouncer"]["enabled"] is True
    assert v["pgbouncer"]["configSecretName"] == "airflow-pgbouncer-settings"


def test_in_cluster_queue_uses_the_chart_redis_with_a_pinned_password() -> None:
    v = render(queueMode="in-cluster")
    assert v["redis"]["enabled"] is True
    assert v["redis"]["passwordSecretName"] == "airflow-pinned-redis-password"
    d = build(queueMode="in-cluster")
    password = secret(d, "airflow-pinned-redis-password").inputs["stringData"]["password"]
    broker = secret(d, "airflow-broker-connection").inputs["stringData"]["connection"]
    assert broker == f"redis://:{password}@airflow-redis:6379/0"


def test_airflow_version_is_the_setting_for_chart_and_image() -> None:
    v = render()
    assert v["airflowVersion"] == v["defaultAirflowTag"] == "3.3.1"


def test_dev_and_prod_pin_the_same_airflow_version_the_chart_runs() -> None:
    versions = {}
    for stack in ("dev", "prod"):
        project, config = stack_config(stack)
        versions[stack] = load(project, stack, config).airflow.version
    assert versions["dev"] == versions["prod"]
    _, prod = stack_config("prod")
    settings = load("airflow", "prod", prod)
    rendered = chart_values(
        ChartInputs(
            settings.airflow, settings.eks, settings.network.cidr, "us-east-1", "b", "r", WEB_URL
        )
    )
    assert rendered["airflowVersion"] == versions["prod"]
    assert schema_errors(rendered) == []


def test_schedulers_and_api_servers_are_redundant_disruption_budgeted_and_spread() -> None:
    v = render(airflowSchedulerReplicas=3)
    assert v["scheduler"]["replicas"] == 3
    assert v["apiServer"]["replicas"] == 2
    for component, label in (("scheduler", "scheduler"), ("apiServer", "api-server")):
        spec = v[component]
        assert spec["replicas"] >= 2
        assert spec["podDisruptionBudget"]["enabled"] is True
        (spread,) = spec["topologySpreadConstraints"]
        assert spread["topologyKey"] == "topology.kubernetes.io/zone"
        assert spread["labelSelector"]["matchLabels"]["component"] == label
    assert v["triggerer"]["enabled"] is True and v["dagProcessor"]["enabled"] is True


def test_workers_scale_with_keda_within_the_configured_bounds() -> None:
    v = render(airflowMinWorkers=0, airflowMaxWorkers=25, airflowWorkerConcurrency=8)
    keda = v["workers"]["celery"]["keda"]
    assert keda["enabled"] is True
    assert keda["minReplicaCount"] == 0
    assert keda["maxReplicaCount"] == 25
    assert v["config"]["celery"]["worker_concurrency"] == 8
    assert v["workers"]["celery"]["persistence"] == {"enabled": False}  # logs are remote


def test_keda_is_installed_before_the_chart_that_needs_its_crds() -> None:
    d = build()
    keda = d.release("keda")
    assert keda.inputs["version"] == KEDA_CHART.version == pinned("keda").version
    assert keda.inputs["repositoryOpts"] == {"repo": pinned("keda").repository}
    assert keda.inputs["values"]["nodeSelector"] == {"role": "system"}
    assert d.depends_on(d.release("airflow"), keda)


def test_only_celery_workers_land_on_the_worker_group() -> None:
    d = build()
    v = values(d)
    workers = d.named("airflow-test-cluster-workers").inputs
    assert v["workers"]["celery"]["nodeSelector"] == workers["labels"]
    (taint,) = workers["taints"]
    (toleration,) = v["workers"]["celery"]["tolerations"]
    assert (toleration["key"], toleration["value"]) == (taint["key"], taint["value"])
    assert toleration["effect"] == "NoSchedule" and taint["effect"] == "NO_SCHEDULE"
    assert v["nodeSelector"] == d.named("airflow-test-cluster-system").inputs["labels"]
    others = ("scheduler", "apiServer", "triggerer", "dagProcessor", "statsd", "pgbouncer")
    assert all("nodeSelector" not in v[c] and "tolerations" not in v[c] for c in others)


def test_every_component_has_requests_and_limits() -> None:
    v = render()
    for component in (
        "scheduler",
        "apiServer",
        "workers.celery",
        "triggerer",
        "dagProcessor",
        "statsd",
        "pgbouncer",
        "redis",
    ):
        resources = at(v, component)["resources"]
        assert set(resources["requests"]) == {"cpu", "memory"}, component
        assert set(resources["limits"]) == {"cpu", "memory"}, component


def test_dags_come_from_git_sync() -> None:
    v = render(dagsRepoBranch="release", dagsRepoSubPath="pipelines/dags")
    git = v["dags"]["gitSync"]
    assert git["enabled"] is True
    assert git["repo"] == "https://github.com/example-org/airflow-on-aws.git"
    assert git["branch"] == git["ref"] == "release"
    assert git["subPath"] == "pipelines/dags"
    assert "credentialsSecret" not in git  # a public repository needs none


def test_private_repository_credentials_are_a_kubernetes_secret() -> None:
    d = build(dagsRepoUsername="bot", dagsRepoToken="ghp_example")
    assert values(d)["dags"]["gitSync"]["credentialsSecret"] == "airflow-git-credentials"
    data = secret(d, "airflow-git-credentials").inputs["stringData"]
    assert data == {
        "GITSYNC_USERNAME": "bot",
        "GITSYNC_PASSWORD": "ghp_example",
        "GIT_SYNC_USERNAME": "bot",
        "GIT_SYNC_PASSWORD": "ghp_example",
    }
    assert "ghp_example" not in json.dumps(values(d))
    assert not any(r.inputs["metadata"]["name"] == "airflow-git-credentials" for r in
                   build().of_type(SECRET))  # fmt: skip


def test_task_logs_go_to_the_log_bucket_with_the_pods_own_credentials() -> None:
    d = build()
    v = values(d)
    bucket = d.one("aws:s3/bucket:Bucket").outputs["bucket"]
    logging = v["config"]["logging"]
    assert logging["remote_logging"] == "True"
    assert logging["remote_base_log_folder"] == f"s3://{bucket}/logs"
    assert logging["remote_log_conn_id"] == "aws_logs"
    env = {e["name"]: e["value"] for e in v["env"]}
    assert env["AIRFLOW_CONN_AWS_LOGS"].startswith("aws://")
    assert "@" not in env["AIRFLOW_CONN_AWS_LOGS"]  # no access keys in the URI


def test_connections_and_variables_come_from_secrets_manager_like_on_mwaa() -> None:
    v = render()
    secrets = v["config"]["secrets"]
    assert secrets["backend"] == SECRETS_BACKEND
    kwargs = json.loads(secrets["backend_kwargs"])
    assert kwargs["connections_prefix"] == CONNECTIONS_PREFIX
    assert kwargs["variables_prefix"] == VARIABLES_PREFIX


def test_the_task_log_connection_is_not_looked_up_in_secrets_manager() -> None:
    # The backend matches conn ids with re.match(pattern, conn_id, re.IGNORECASE) and asks
    # Secrets Manager only on a match; aws_logs comes from the chart's env (AIRFLOW_CONN_*).
    v = render()
    pattern = json.loads(v["config"]["secrets"]["backend_kwargs"])["connections_lookup_pattern"]
    env = {e["name"] for e in v["env"]}
    assert "AIRFLOW_CONN_AWS_LOGS" in env
    assert not re.match(pattern, "aws_logs", re.IGNORECASE)
    for looked_up in ("data_lake", "git_dags", "aws_logs_archive", "my_warehouse"):
        assert re.match(pattern, looked_up, re.IGNORECASE), looked_up
    assert v["config"]["core"]["load_examples"] == "False"


def test_extra_airflow_options_are_merged_and_managed_ones_refused() -> None:
    v = render(airflowConfigOptions=["core.default_timezone=utc", "celery.pool=prefork"])
    assert v["config"]["core"] == {
        "default_timezone": "utc",
        "load_examples": "False",
        "hostname_callable": "airflow.utils.net.get_host_ip_address",
        "execution_api_server_url": "http://airflow-api-server:8081/execution/",
    }
    assert v["config"]["celery"]["pool"] == "prefork"
    with pytest.raises(SettingsError, match=r"sets logging\.remote_logging, which the program"):
        render(airflowConfigOptions=["logging.remote_logging=False"])


@pytest.mark.parametrize("version", CHART_AIRFLOW_VERSIONS)  # Airflow 3 only on eks
def test_unchanged_dag_files_are_reparsed_every_two_minutes_unless_the_stack_says_otherwise(
    version: str,
) -> None:
    # make bench-local measured the DAG processor's CPU per task at 30 s and 120 s
    # (docs/benchmark.md, "Tuning"); a stack can still choose its own interval. Airflow 3 reads
    # it under [dag_processor] only: nothing goes to Airflow 2's [scheduler] name.
    config = render(airflowVersion=version)["config"]
    assert config["dag_processor"]["min_file_process_interval"] == "120"
    assert "min_file_process_interval" not in config.get("scheduler", {})
    chosen = render(
        airflowVersion=version, airflowConfigOptions=["dag_processor.min_file_process_interval=30"]
    )
    assert chosen["config"]["dag_processor"]["min_file_process_interval"] == "30"


def test_network_policies_on_and_the_api_server_open_to_the_alb_and_airflow_pods() -> None:
    v = render()
    assert v["networkPolicies"] == {"enabled": True}
    ingress = v["apiServer"]["networkPolicy"]["ingress"]
    assert {"ipBlock": {"cidr": "10.40.0.0/16"}} in ingress["from"]
    assert {"podSelector": {"matchLabels": {"tier": "airflow", "release": "airflow"}}} in (
        ingress["from"]
    )
    assert ingress["ports"] == [{"port": 8080}]
    assert v["statsd"]["enabled"] is True
    # No admin/admin account: the one user the chart creates is the state-transfer user.
    assert "webserver" not in v  # Airflow 3 has none; webserver.defaultUser is deprecated
    assert v["createUserJob"]["defaultUser"]["username"] == "state-transfer"
    assert "admin" not in json.dumps(v["createUserJob"]["args"])


def test_api_server_policy_admits_the_vpc_only_whatever_the_ui_clients() -> None:
    # The ALB connects to the IP targets from its VPC addresses: client networks beyond the
    # VPC are the ALB security group's business, and would be a no-op here.
    clients = ["10.8.0.0/16", "100.64.0.0/10"]
    ingress = render(eksWebClientCidrs=clients)["apiServer"]["networkPolicy"]["ingress"]
    blocks = [p["ipBlock"]["cidr"] for p in ingress["from"] if "ipBlock" in p]
    assert blocks == ["10.40.0.0/16"]
    assert schema_errors(render(eksWebClientCidrs=clients)) == []


# ------------------------------------------------------------------------------ secrets


def test_connections_and_keys_are_kubernetes_secrets_the_chart_names() -> None:
    d = build()
    v = values(d)
    db = d.one("aws:rds/instance:Instance").outputs
    cache = d.one("aws:elasticache/replicationGroup:ReplicationGroup").outputs
    password = d.named("airflow-test-data-db-password").outputs["result"]
    token = d.named("airflow-test-data-cache-token").outputs["result"]

    metadata = secret(d, v["data"]["metadataSecretName"]).inputs["stringData"]
    assert metadata["connection"] == (
        f"postgresql://airflow:{password}@airflow-pgbouncer.airflow:6543/airflow-metadata"
        "?sslmode=disable"
    )
    assert metadata["kedaConnection"] == (
        f"postgresql://airflow:{password}@{db['address']}:5432/airflow?sslmode=require"
    )
    broker = secret(d, v["data"]["brokerUrlSecretName"]).inputs["stringData"]["connection"]
    assert broker == (
        f"rediss://:{token}@{cache['primaryEndpointAddress']}:6379/0?ssl_cert_reqs=required"
    )
    for name, key in (
        (v["fernetKeySecretName"], "fernet-key"),
        (v["apiSecretKeySecretName"], "api-secret-key"),
        (v["jwtSecretName"], "jwt-secret"),
    ):
        data = secret(d, name).inputs["stringData"]
        assert set(data) == {key} and len(data[key]) >= 32
    assert all(s.inputs["metadata"]["namespace"] == "airflow" for s in d.of_type(SECRET))


def test_no_credential_reaches_helm_values_or_plain_config() -> None:
    d = build()
    credentials = [
        d.named("airflow-test-data-db-password").outputs["result"],
        d.named("airflow-test-data-cache-token").outputs["result"],
        d.named("airflow-test-app-api-secret-key").outputs["result"],
        d.named("airflow-test-app-jwt-signing-key").outputs["result"],
    ]
    plain = json.dumps([r.inputs for r in d.registrations if r.type != SECRET], default=str)
    # Only the database itself and the cache get their own credential.
    for credential in credentials[2:]:
        assert credential not in plain
    release_values = json.dumps(values(d))
    assert not any(c in release_values for c in credentials)
    assert d.of_type("kubernetes:core/v1:ConfigMap") == []
    release = d.release("airflow")
    for s in d.of_type(SECRET):
        assert d.depends_on(release, s), s.name


def test_fernet_key_is_32_random_bytes_in_url_safe_base64() -> None:
    d = build()
    generated = d.named("airflow-test-app-fernet-key")
    assert generated.inputs["length"] == 32
    stored = secret(d, "airflow-pinned-fernet-key").inputs["stringData"]["fernet-key"]
    assert len(stored) == 44 and stored.endswith("=")  # what Fernet(key) accepts
    assert base64.urlsafe_b64decode(stored) == bytes.fromhex(generated.outputs["hex"])
    # Bytes whose standard base64 has + and /: Fernet only accepts - and _.
    raw = bytes(range(224, 256))
    assert {"+", "/"} <= set(base64.b64encode(raw).decode())
    key = fernet_key(raw.hex())
    assert "+" not in key and "/" not in key
    assert base64.urlsafe_b64decode(key) == raw
    with pytest.raises(ValueError, match="32 bytes"):
        fernet_key(b"too short".hex())


def test_pgbouncer_pools_rds_over_tls_with_the_generated_password() -> None:
    d = build()
    data = secret(d, "airflow-pgbouncer-settings").inputs["stringData"]
    address = d.one("aws:rds/instance:Instance").outputs["address"]
    password = d.named("airflow-test-data-db-password").outputs["result"]
    assert data["pgbouncer.ini"] == pgbouncer_ini("airflow", address)
    assert f"airflow-metadata = host={address} dbname=airflow port=5432" in data["pgbouncer.ini"]
    assert "server_tls_sslmode = require" in data["pgbouncer.ini"]
    assert data["users.txt"] == f'"airflow" "{password}"\n'
    stats = secret(d, "airflow-pgbouncer-stats-connection").inputs["stringData"]["connection"]
    assert stats.endswith("@127.0.0.1:6543/pgbouncer?sslmode=disable")


def test_pgbouncer_gives_back_the_connection_of_a_transaction_left_idle() -> None:
    """Airflow 3's API server can leave transactions open and idle until every pooled
    connection is held (apache/airflow#65712; make bench-local stalled on it): PgBouncer closes
    such a transaction after a minute, before its queued clients give up (query_wait_timeout,
    PgBouncer's default 120 s, which the ini leaves as it is)."""
    ini = pgbouncer_ini("airflow", "db.example.internal").splitlines()
    timeouts = [line for line in ini if line.startswith("idle_transaction_timeout")]
    assert timeouts == ["idle_transaction_timeout = 60"]
    assert not any(line.startswith("query_wait_timeout") for line in ini)


# -------------------------------------------------------------------------------- IRSA


def test_airflow_service_accounts_share_one_irsa_role_and_the_api_server_has_its_own() -> None:
    d = build()
    v = values(d)
    role = d.named("airflow-test-cluster-airflow-irsa")
    api_role = d.named("airflow-test-cluster-airflow-api-server-irsa")
    for component in ("scheduler", "workers.celery", "triggerer", "dagProcessor"):
        assert at(v, component)["serviceAccount"]["annotations"] == {
            "eks.amazonaws.com/role-arn": role.outputs["arn"]
        }, component
    assert at(v, "apiServer")["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": api_role.outputs["arn"]
    }
    # The role's ARN is on the pods too: a stack that moves the API server to its own role
    # restarts it (a running pod keeps the credentials it started with).
    assert at(v, "apiServer")["podAnnotations"][IRSA_ROLE_ANNOTATION] == api_role.outputs["arn"]
    issuer = d.one("eks:index:Cluster").outputs["oidcIssuer"]
    (trust,) = statements(role.inputs["assumeRolePolicy"])
    assert trust["Condition"]["StringEquals"] == {
        f"{issuer}:sub": [
            "system:serviceaccount:airflow:airflow-dag-processor",
            "system:serviceaccount:airflow:airflow-scheduler",
            "system:serviceaccount:airflow:airflow-triggerer",
            "system:serviceaccount:airflow:airflow-worker",
        ],
        f"{issuer}:aud": "sts.amazonaws.com",
    }
    (trust,) = statements(api_role.inputs["assumeRolePolicy"])
    assert trust["Condition"]["StringEquals"] == {
        f"{issuer}:sub": "system:serviceaccount:airflow:airflow-api-server",
        f"{issuer}:aud": "sts.amazonaws.com",
    }


def test_airflow_role_gets_the_task_policy_and_the_log_bucket() -> None:
    d = build()
    role = d.named("airflow-test-cluster-airflow-irsa")
    inline = {
        p.name.rsplit("-irsa-", 1)[-1]: policy(p.inputs["policy"])
        for p in d.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.id
    }
    assert inline["task"] == json.loads(TASK_POLICY)
    bucket = d.one("aws:s3/bucket:Bucket").outputs["arn"]
    key = d.named("airflow-test-data-logs-key").outputs["arn"]
    logs = {s["Sid"]: s for s in inline["task-logs"]["Statement"]}
    assert logs["ReadWriteTaskLogs"]["Resource"] == f"{bucket}/logs/*"
    assert set(logs["ReadWriteTaskLogs"]["Action"]) == {"s3:GetObject", "s3:PutObject"}
    assert logs["ListTaskLogs"]["Resource"] == bucket
    assert logs["TaskLogsKey"]["Resource"] == key
    assert logs["TaskLogsKey"]["Condition"]["StringEquals"]["kms:ViaService"] == (
        "s3.us-east-1.amazonaws.com"
    )


# ----------------------------------------------------------------------------- ingress


def test_alb_is_internal_in_private_subnets_behind_its_own_security_group() -> None:
    d = build()
    alb = d.one("aws:lb/loadBalancer:LoadBalancer")
    private = sorted(r.id for r in d.of_type("aws:ec2/subnet:Subnet") if "private" in r.name)
    assert alb.inputs["internal"] is True
    assert alb.inputs["loadBalancerType"] == "application"
    assert sorted(alb.inputs["subnets"]) == private
    assert alb.inputs["dropInvalidHeaderFields"] is True
    assert alb.inputs["enableDeletionProtection"] is True
    assert (
        build(protect=False)
        .one("aws:lb/loadBalancer:LoadBalancer")
        .inputs["enableDeletionProtection"]
        is False
    )
    (group_id,) = alb.inputs["securityGroups"]
    rules = [
        r
        for r in d.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == group_id
    ]
    assert sorted(r.inputs["fromPort"] for r in rules) == [80, 443]
    assert {r.inputs["cidrIpv4"] for r in rules} == {"10.40.0.0/16"}
    clients = build(eksWebClientCidrs=["10.8.0.0/16", "192.168.10.0/24"])
    (group_id,) = clients.one("aws:lb/loadBalancer:LoadBalancer").inputs["securityGroups"]
    admitted = sorted(
        (r.inputs["cidrIpv4"], r.inputs["fromPort"], r.inputs["toPort"])
        for r in clients.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == group_id
    )
    assert admitted == sorted(
        (cidr, port, port)
        for cidr in ("10.40.0.0/16", "10.8.0.0/16", "192.168.10.0/24")
        for port in (80, 443)
    )
    (egress,) = d.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert egress.inputs["securityGroupId"] == group_id
    assert (
        egress.inputs["referencedSecurityGroupId"]
        == (d.one("eks:index:Cluster").outputs["nodeSecurityGroupId"])
    )
    assert egress.inputs["fromPort"] == egress.inputs["toPort"] == 8080


def test_client_network_rules_are_named_by_network_so_reordering_replaces_none() -> None:
    def rules(cidrs: list[str]) -> dict[str, str]:
        return {
            r.name: r.inputs["cidrIpv4"]
            for r in build(eksWebClientCidrs=cidrs).of_type(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
            )
            if "cidrIpv4" in r.inputs
        }

    one, two = ["10.8.0.0/16", "100.64.0.0/10"], ["100.64.0.0/10", "10.8.0.0/16"]
    assert rules(one) == rules(two)
    assert rules(one)["airflow-test-app-alb-from-100-64-0-0-10-443"] == "100.64.0.0/10"


def test_target_group_sends_to_api_server_pods_and_checks_their_health() -> None:
    tg = build().one("aws:lb/targetGroup:TargetGroup")
    assert tg.inputs["targetType"] == "ip"
    assert tg.inputs["port"] == 8080 and tg.inputs["protocol"] == "HTTP"
    assert tg.inputs["healthCheck"]["path"] == "/api/v2/monitor/health"
    assert tg.inputs["healthCheck"]["matcher"] == "200"


def test_plain_http_listener_without_a_certificate() -> None:
    d = build()
    (listener,) = d.of_type("aws:lb/listener:Listener")
    tg = d.one("aws:lb/targetGroup:TargetGroup")
    assert (listener.inputs["port"], listener.inputs["protocol"]) == (80, "HTTP")
    assert listener.inputs["defaultActions"] == [
        {"type": "forward", "targetGroupArn": tg.outputs["arn"]}
    ]


def test_https_listener_with_the_certificate_and_a_redirect_from_http() -> None:
    d = build(eksCertificateArn=CERT, webHostname="airflow.example.com")
    listeners = {r.inputs["port"]: r for r in d.of_type("aws:lb/listener:Listener")}
    assert set(listeners) == {80, 443}
    https = listeners[443].inputs
    assert https["protocol"] == "HTTPS" and https["certificateArn"] == CERT
    assert https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert https["defaultActions"][0]["type"] == "forward"
    (redirect,) = listeners[80].inputs["defaultActions"]
    assert redirect["type"] == "redirect"
    assert redirect["redirect"]["protocol"] == "HTTPS" and redirect["redirect"]["port"] == "443"


def test_target_group_binding_ties_the_api_server_service_to_the_alb() -> None:
    d = build()
    binding = d.one("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding")
    tg = d.one("aws:lb/targetGroup:TargetGroup")
    alb_sg = d.one("aws:lb/loadBalancer:LoadBalancer").inputs["securityGroups"][0]
    assert binding.inputs["metadata"]["namespace"] == "airflow"
    spec = binding.inputs["spec"]
    assert spec["serviceRef"] == {"name": "airflow-api-server", "port": 8080}
    assert spec["targetGroupARN"] == tg.outputs["arn"]
    assert spec["targetType"] == "ip"
    (rule,) = spec["networking"]["ingress"]
    assert rule["from"] == [{"securityGroup": {"groupID": alb_sg}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]
    assert d.depends_on(binding, d.release("aws-load-balancer-controller"))
    assert d.depends_on(binding, d.release("airflow"))


def test_the_api_server_may_read_live_task_logs() -> None:
    # Chart 1.21 admits only the Airflow 2 webserver to the log servers (tests/charts proves
    # the flows on the rendered policies); these policies add the API server.
    d = build()
    policies = {
        p.inputs["metadata"]["name"]: p
        for p in d.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    }
    namespace = d.one("kubernetes:core/v1:Namespace")
    for component, port in {"worker": 8793, "triggerer": 8794}.items():
        policy = policies[f"airflow-{component}-log-access"]
        spec = policy.inputs["spec"]
        assert spec["podSelector"]["matchLabels"]["component"] == component
        [rule] = spec["ingress"]
        assert rule["from"] == [
            {
                "podSelector": {
                    "matchLabels": {
                        "tier": "airflow",
                        "release": "airflow",
                        "component": "api-server",
                    }
                }
            }
        ]
        assert rule["ports"] == [{"protocol": "TCP", "port": port}]
        assert policy.inputs["metadata"]["namespace"] == "airflow"
        assert d.depends_on(policy, namespace)


def test_tasks_call_the_execution_api_in_its_own_container_and_only_airflow_reaches_it() -> None:
    """components/eks/execution_api.py: the core API keeps the chart's container and port 8080
    (the ALB's); the Execution API gets a container of its own in the same pod (its replicas,
    spread and PDB), port 8081 on the same Service, and a policy for Airflow's pods only."""
    v = render()
    api = v["apiServer"]
    assert api["args"] == ["bash", "-c", "exec airflow api-server --apps core"]
    [container] = api["extraContainers"]
    assert container["name"] == "execution-api"
    assert container["args"] == [
        "bash", "-c", "exec airflow api-server --apps execution --port 8081 --workers 1"
    ]  # fmt: skip
    secret_env = {
        e["name"]: e["valueFrom"]["secretKeyRef"]["name"]
        for e in container["env"]
        if "valueFrom" in e
    }
    assert secret_env["AIRFLOW__API_AUTH__JWT_SECRET"] == "airflow-pinned-jwt-secret"
    assert secret_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "airflow-metadata-connection"
    # Sized by what its one worker was measured to use (260 MB), not as the core API's 1 GiB.
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "384Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }
    assert [p["port"] for p in api["service"]["ports"]] == [8080, 8081]
    assert v["config"]["core"]["execution_api_server_url"] == (
        "http://airflow-api-server:8081/execution/"
    )
    d = build()
    [policy] = [
        p
        for p in d.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if p.inputs["metadata"]["name"] == "airflow-execution-api-access"
    ]
    spec = policy.inputs["spec"]
    assert spec["podSelector"]["matchLabels"]["component"] == "api-server"
    [rule] = spec["ingress"]
    assert rule["from"] == [
        {"podSelector": {"matchLabels": {"tier": "airflow", "release": "airflow"}}}
    ]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8081}]


def test_the_airflow_namespace_enforces_pod_security_restricted() -> None:
    labels = build().one("kubernetes:core/v1:Namespace").inputs["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    v = render()
    assert v["securityContexts"]["pod"]["runAsNonRoot"] is True
    assert v["securityContexts"]["pod"]["seccompProfile"] == {"type": "RuntimeDefault"}


def test_the_api_token_is_mounted_only_where_task_code_may_call_kubernetes() -> None:
    """issue 21, item 10 (checkov CKV_K8S_38): components that never call the Kubernetes API
    get no token; workers and the triggerer (KubernetesPodOperator, its trigger) keep theirs,
    and every component keeps its IRSA role."""
    v = render()
    for component in NO_KUBERNETES_API:
        account = v[component]["serviceAccount"]
        assert account["automountServiceAccountToken"] is False, component
    for path in ("workers.celery", "triggerer"):
        account = at(v, path)["serviceAccount"]
        assert "automountServiceAccountToken" not in account, path
        assert account["annotations"] == {ROLE_ARN_ANNOTATION: ROLE_ARN}
    assert v["dagProcessor"]["serviceAccount"]["annotations"] == {ROLE_ARN_ANNOTATION: ROLE_ARN}
    assert not list(validator().iter_errors(v))


def test_every_container_the_program_sizes_has_limits() -> None:
    v = render()
    for path in ("scheduler.logGroomerSidecar", "dagProcessor.logGroomerSidecar",
                 "triggerer.logGroomerSidecar", "migrateDatabaseJob", "createUserJob"):  # fmt: skip
        assert set(at(v, path)["resources"]["limits"]) == {"cpu", "memory"}, path
    assert v["statsd"]["securityContexts"]["container"]["readOnlyRootFilesystem"] is True


def test_a_new_api_server_role_rolls_the_api_server_pods() -> None:
    shared = render()["apiServer"]["podAnnotations"]
    own_arn = "arn:aws:iam::111122223333:role/airflow-api-server-irsa"
    own = render(api_server_role_arn=own_arn)["apiServer"]["podAnnotations"]
    assert shared[IRSA_ROLE_ANNOTATION] == ROLE_ARN
    assert own[IRSA_ROLE_ANNOTATION] == own_arn
