"""MWAA: key, DAG bucket, uploads, log groups, execution role, network, environment."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.mwaa import MwaaAirflow, MwaaArgs, airflow_options, dag_files
from components.settings import MWAA_AIRFLOW_VERSIONS, SettingsError
from components.settings.versions import airflow_major
from tests.aws_model import operation_input, problems, to_api
from tests.conftest import Declared, run_program, settings_for, statements
from tools.mocks import SHARED_PRIVATE_SUBNET_IDS, SHARED_VPC_ID

ENV = "airflow-dev"
ACCOUNT = "111122223333"
TASK_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadAirflowSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [
                    f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:airflow/connections/*"
                ],
            }
        ],
    }
)
# A shared VPC (mock ids; settings only check their form).
SHARED_VPC = {
    "existingVpcId": SHARED_VPC_ID,
    "existingPrivateSubnetIds": SHARED_PRIVATE_SUBNET_IDS,
}
LOG_SUFFIXES = ("DAGProcessing", "Scheduler", "Task", "WebServer", "Worker")


@pytest.fixture
def dags(tmp_path: Path) -> Path:
    return write_dags(tmp_path / "dags")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Declared:
    """The component as shipped, for the tests that only read it: declared once."""
    return build(write_dags(tmp_path_factory.mktemp("shipped") / "dags"))


def write_dags(root: Path) -> Path:
    (root / "common").mkdir(parents=True)
    (root / "__pycache__").mkdir()
    (root / "canary.py").write_text("# a DAG\n")
    (root / "common" / "alerts.py").write_text("# a helper\n")
    (root / "common" / "query.sql").write_text("select 1\n")
    (root / "README.md").write_text("docs\n")
    (root / ".airflowignore").write_text("common/\n")
    (root / ".DS_Store").write_bytes(b"\0")
    (root / "requirements.txt").write_text("apache-airflow-providers-amazon==9.12.0\n")
    (root / "__pycache__" / "canary.cpython-311.pyc").write_bytes(b"\0")
    return root


def build(
    dags: Path,
    extras: Path | None = None,
    *,
    then: Any = None,
    shared_vpc: bool = False,
    opts: pulumi.ResourceOptions | None = None,
    **overrides: Any,
) -> Declared:
    """Declare the component; `then(component)` may pick Outputs to resolve."""
    s = settings_for("mwaa", stack="dev", **overrides)

    def program() -> Any:
        component = MwaaAirflow(
            ENV,
            MwaaArgs(
                mwaa=s.mwaa,
                airflow=s.airflow,
                environment_name=s.environment_name,
                vpc_id="vpc-0abc",
                vpc_cidr="10.40.0.0/16",
                subnet_ids=[pulumi.Output.from_input(x) for x in ("subnet-a", "subnet-b")],
                task_policy_json=TASK_POLICY,
                dags_dir=dags,
                extras_dir=extras,
                log_retention_days=14,
                protect=s.protect,
                shared_vpc=shared_vpc,
                access=s.access,
            ),
            opts=opts,
        )
        return then(component) if then else component

    return run_program(program)


def env_of(d: Declared) -> Any:
    return d.one("aws:mwaa/environment:Environment")


# Inputs the provider sends on UpdateEnvironment only (CreateEnvironment has no such member;
# hashicorp/terraform-provider-aws#43946, which pulumi-aws 7 bridges).
UPDATE_ONLY = {"workerReplacementStrategy"}


def create_call(env: Any) -> dict[str, Any]:
    """The CreateEnvironment request the provider makes from the environment's inputs."""
    inputs = {k: v for k, v in env.inputs.items() if k not in UPDATE_ONLY}
    return dict(to_api(operation_input("mwaa", "CreateEnvironment"), inputs))


def test_dag_files_are_everything_under_dags_but_docs_requirements_and_caches(dags: Path) -> None:
    keys = [k for k, _ in dag_files(dags)]
    assert keys == [
        "dags/.airflowignore",  # MWAA must skip the same helper modules EKS skips
        "dags/canary.py",
        "dags/common/alerts.py",
        "dags/common/query.sql",
    ]


def test_one_customer_key_for_environment_bucket_and_logs(built: Declared) -> None:
    d = built
    key = d.one("aws:kms/key:Key")
    arn = key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True
    assert env_of(d).inputs["kmsKey"] == arn
    sse = d.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == arn
    assert sse.inputs["rules"][0]["bucketKeyEnabled"] is True
    groups = d.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert len(groups) == 5 and all(g.inputs["kmsKeyId"] == arn for g in groups)
    logs = next(s for s in statements(key.inputs["policy"]) if s.get("Sid") == "CloudWatchLogs")
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == (
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:airflow-{ENV}-*"
    )


def test_dag_bucket_baseline(built: Declared) -> None:
    d = built
    bucket = d.one("aws:s3/bucket:Bucket")
    assert bucket.inputs["bucketPrefix"].startswith("airflow-")  # MWAA requires it
    assert len(bucket.inputs["bucketPrefix"]) <= 37
    assert env_of(d).inputs["sourceBucketArn"] == bucket.outputs["arn"]
    versioning = d.one("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    block = d.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert [block[k] for k in sorted(block) if k != "bucket"] == [True] * 4
    deny = statements(d.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])[0]
    assert (deny["Effect"], deny["Condition"]) == (
        "Deny",
        {"Bool": {"aws:SecureTransport": "false"}},
    )
    rule = d.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs[
        "rules"
    ][0]
    assert rule["status"] == "Enabled" and rule["noncurrentVersionExpiration"]["noncurrentDays"] > 0


@pytest.mark.parametrize("protect", [True, False])
def test_bucket_key_and_log_groups_protected_when_settings_say_so(
    dags: Path, protect: bool
) -> None:
    d = build(dags, protect=protect)
    assert d.one("aws:s3/bucket:Bucket").protect is protect
    assert d.one("aws:s3/bucket:Bucket").inputs["forceDestroy"] is (not protect)
    assert d.one("aws:kms/key:Key").protect is protect
    assert {g.protect for g in d.of_type("aws:cloudwatch/logGroup:LogGroup")} == {protect}


def test_uploads_every_dag_file_and_requirements_with_its_version(dags: Path) -> None:
    d = build(dags)
    objects = {o.inputs["key"]: o for o in d.of_type("aws:s3/bucketObjectv2:BucketObjectv2")}
    assert set(objects) == {
        "dags/.airflowignore",
        "dags/canary.py",
        "dags/common/alerts.py",
        "dags/common/query.sql",
        "requirements.txt",
    }
    env = env_of(d).inputs
    req = objects["requirements.txt"]
    assert env["requirementsS3Path"] == "requirements.txt"
    assert env["requirementsS3ObjectVersion"] == req.outputs["versionId"]
    assert env["dagS3Path"] == "dags"
    assert "pluginsS3Path" not in env and "startupScriptS3Path" not in env
    # The environment waits for the DAGs (MWAA needs a .py under the DAG path).
    assert objects["dags/canary.py"].urn in env_of(d).dependencies


def test_plugins_and_startup_script_uploaded_with_versions_when_present(
    dags: Path, tmp_path: Path
) -> None:
    extras = tmp_path / "mwaa"
    extras.mkdir()
    (extras / "plugins.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (extras / "startup.sh").write_text("#!/bin/sh\nexport X=1\n")
    d = build(dags, extras)
    objects = {o.inputs["key"]: o for o in d.of_type("aws:s3/bucketObjectv2:BucketObjectv2")}
    env = env_of(d).inputs
    assert env["pluginsS3Path"] == "plugins.zip"
    assert env["pluginsS3ObjectVersion"] == objects["plugins.zip"].outputs["versionId"]
    assert env["startupScriptS3Path"] == "startup.sh"
    assert env["startupScriptS3ObjectVersion"] == objects["startup.sh"].outputs["versionId"]


def test_missing_requirements_fails_before_any_cloud_resource(dags: Path) -> None:
    (dags / "requirements.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"requirements\.txt is missing"):
        build(dags)


def test_environment_waits_for_its_execution_role_policies(built: Declared) -> None:
    # Without them, MWAA may start before its permissions exist, and on destroy keep running
    # (and failing) while Pulumi removes them.
    d = built
    policies = d.of_type("aws:iam/rolePolicy:RolePolicy")
    assert {p.name for p in policies} == {f"{ENV}-execution-mwaa", f"{ENV}-execution-tasks"}
    assert {p.urn for p in policies} <= set(env_of(d).dependencies)


def test_log_groups_exist_first_with_retention_and_all_five_log_types_on(dags: Path) -> None:
    d = build(dags, airflowLogLevel="WARNING")
    groups = {g.inputs["name"]: g for g in d.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert set(groups) == {f"airflow-{ENV}-{s}" for s in LOG_SUFFIXES}
    assert {g.inputs["retentionInDays"] for g in groups.values()} == {14}
    env = env_of(d)
    assert {g.urn for g in groups.values()} <= set(env.dependencies)
    logging = env.inputs["loggingConfiguration"]
    assert set(logging) == {
        "dagProcessingLogs",
        "schedulerLogs",
        "taskLogs",
        "webserverLogs",
        "workerLogs",
    }
    assert all(v == {"enabled": True, "logLevel": "WARNING"} for v in logging.values())


def role_policies(d: Declared) -> dict[str, list[dict[str, Any]]]:
    return {
        p.name: statements(p.inputs["policy"]) for p in d.of_type("aws:iam/rolePolicy:RolePolicy")
    }


def test_execution_role_trust(built: Declared) -> None:
    d = built
    role = d.one("aws:iam/role:Role")
    assert env_of(d).inputs["executionRoleArn"] == role.outputs["arn"]
    (trust,) = statements(role.inputs["assumeRolePolicy"])
    assert trust["Principal"] == {"Service": ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert trust["Condition"]["ArnLike"] == {
        "aws:SourceArn": f"arn:aws:airflow:us-east-1:{ACCOUNT}:environment/{ENV}"
    }
    assert d.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []


def test_execution_role_has_the_documented_minimum_scoped_to_this_environment(
    built: Declared,
) -> None:
    d = built
    bucket = d.one("aws:s3/bucket:Bucket").outputs["arn"]
    key = d.one("aws:kms/key:Key").outputs["arn"]
    doc = role_policies(d)[f"{ENV}-execution-mwaa"]
    by_action = {json.dumps(s["Action"]): s for s in doc}
    assert by_action['"airflow:PublishMetrics"']["Resource"] == (
        f"arn:aws:airflow:us-east-1:{ACCOUNT}:environment/{ENV}"
    )
    deny = by_action['"s3:ListAllMyBuckets"']
    assert deny["Effect"] == "Deny" and deny["Resource"] == [bucket, bucket + "/*"]
    s3 = by_action['["s3:GetObject*", "s3:GetBucket*", "s3:List*"]']
    assert s3["Resource"] == [bucket, bucket + "/*"]
    logs = next(s for s in doc if "logs:PutLogEvents" in s["Action"])
    assert logs["Resource"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:airflow-{ENV}-*"
    star = next(s for s in doc if s["Resource"] == "*")
    assert sorted(star["Action"]) == [
        "cloudwatch:PutMetricData",
        "logs:DescribeLogGroups",
        "s3:GetAccountPublicAccessBlock",
    ]
    sqs = next(s for s in doc if "sqs:SendMessage" in s["Action"])
    assert sqs["Resource"] == "arn:aws:sqs:us-east-1:*:airflow-celery-*"
    kms = next(s for s in doc if "kms:Decrypt" in s["Action"])
    assert kms["Resource"] == key
    assert kms["Condition"]["StringLike"]["kms:ViaService"] == [
        "sqs.us-east-1.amazonaws.com",
        "s3.us-east-1.amazonaws.com",
    ]
    assert len(doc) == 8  # the seven documented statements, plus the state backup's


def test_execution_role_may_call_only_its_own_environments_rest_api_as_op(dags: Path) -> None:
    """metadata_backup exports through InvokeRestApi: exactly that action, this environment,
    Airflow's Op role (reads pools, variables, connections, runs; not admin)."""
    doc = role_policies(build(dags))[f"{ENV}-execution-mwaa"]
    invoke = [s for s in doc if "airflow:InvokeRestApi" in json.dumps(s["Action"])]

    assert invoke == [
        {
            "Sid": "BackupOwnState",
            "Effect": "Allow",
            "Action": "airflow:InvokeRestApi",
            "Resource": f"arn:aws:airflow:us-east-1:{ACCOUNT}:role/{ENV}/Op",
        }
    ]


def test_execution_role_reads_only_the_two_secret_prefixes(built: Declared) -> None:
    d = built
    assert role_policies(d)[f"{ENV}-execution-tasks"] == json.loads(TASK_POLICY)["Statement"]
    every = [s for doc in role_policies(d).values() for s in doc]
    secrets = [s for s in every if any(str(a).startswith("secretsmanager:") for a in _actions(s))]
    assert all(
        r.endswith((":secret:airflow/connections/*", ":secret:airflow/variables/*"))
        for s in secrets
        for r in s["Resource"]
    )


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_every_iam_document_is_valid_and_has_no_wildcard_action(built: Declared) -> None:
    d = built
    docs = [d.one("aws:iam/role:Role").inputs["assumeRolePolicy"]]
    docs += [p.inputs["policy"] for p in d.of_type("aws:iam/rolePolicy:RolePolicy")]
    for doc in docs:
        parsed = json.loads(doc)
        assert parsed["Version"] == "2012-10-17"
        for s in parsed["Statement"]:
            assert s["Effect"] in {"Allow", "Deny"}
            assert {"Action", "Resource"} <= set(s) or "Principal" in s
            assert all(a != "*" and not a.endswith(":*") for a in _actions(s))


def test_security_group_self_reference_and_private_web_access(built: Declared) -> None:
    d = built
    sg = d.one("aws:ec2/securityGroup:SecurityGroup")
    rules = d.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    self_ref = [r for r in rules if r.inputs.get("referencedSecurityGroupId") == sg.id]
    assert len(self_ref) == 1 and self_ref[0].inputs["ipProtocol"] == "-1"
    web = [r for r in rules if r.inputs.get("cidrIpv4")]
    assert [(w.inputs["cidrIpv4"], w.inputs["fromPort"], w.inputs["toPort"]) for w in web] == [
        ("10.40.0.0/16", 443, 443)
    ]
    assert env_of(d).inputs["networkConfiguration"] == {
        "securityGroupIds": [sg.id],
        "subnetIds": ["subnet-a", "subnet-b"],
    }


def test_environment_arguments(dags: Path) -> None:
    d = build(dags, airflowConfigOptions=["core.default_timezone=utc"])
    env = env_of(d).inputs
    assert env["name"] == ENV
    assert env["airflowVersion"] == "3.3.1"
    assert env["environmentClass"] == "mw1.small"
    assert (env["minWorkers"], env["maxWorkers"], env["schedulers"]) == (1, 5, 2)
    assert (env["minWebservers"], env["maxWebservers"]) == (2, 2)
    assert env["weeklyMaintenanceWindowStart"] == "SUN:03:00"
    assert env["webserverAccessMode"] == "PRIVATE_ONLY"
    options = env["airflowConfigurationOptions"]
    assert options["core.load_examples"] == "False"
    assert options["secrets.backend"] == (
        "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
    )
    kwargs = json.loads(options["secrets.backend_kwargs"])
    assert kwargs == {
        "connections_prefix": "airflow/connections",
        "variables_prefix": "airflow/variables",
        "connections_lookup_pattern": "^(?!(aws_default)$)",
    }
    assert options["core.default_timezone"] == "utc"


@pytest.mark.parametrize(
    ("connection", "asked"),
    [("aws_default", False), ("AWS_DEFAULT", False), ("data_lake", True), ("aws_default_2", True)],
)
def test_mwaa_asks_secrets_manager_for_every_connection_but_its_own_aws_default(
    built: Declared, connection: str, asked: bool
) -> None:
    """MWAA's own backend_kwargs skip aws_default (its execution role, defined in every
    container); the program's replace them, so they must skip it too. Matched as the Amazon
    provider matches (re.match, ignoring case)."""
    options = env_of(built).inputs["airflowConfigurationOptions"]
    pattern = json.loads(options["secrets.backend_kwargs"])["connections_lookup_pattern"]
    assert bool(re.match(pattern, connection, re.IGNORECASE)) is asked


PARSE_INTERVAL = {  # Airflow major version -> the name it reads (settings/versions.py)
    2: "scheduler.min_file_process_interval",
    3: "dag_processor.min_file_process_interval",
}


@pytest.mark.parametrize("version", ["2.7.2", "3.3.1"])  # MWAA's oldest 2.x; the default
def test_unchanged_dag_files_are_reparsed_every_two_minutes_on_mwaa_too(
    dags: Path, version: str
) -> None:
    # Airflow 3 moved the option from [scheduler] to [dag_processor] and each major ignores the
    # other's name: the environment gets the one its version reads, and only that one.
    env = env_of(build(dags, airflowVersion=version)).inputs
    assert env["airflowVersion"] == version
    name = PARSE_INTERVAL[airflow_major(version)]
    intervals = {k: v for k, v in env["airflowConfigurationOptions"].items() if "file_process" in k}
    assert intervals == {name: "120"}
    chosen = build(dags, airflowVersion=version, airflowConfigOptions=[f"{name}=30"])
    assert env_of(chosen).inputs["airflowConfigurationOptions"][name] == "30"


@pytest.mark.parametrize("version", MWAA_AIRFLOW_VERSIONS)
def test_every_mwaa_version_gets_the_parse_interval_under_the_name_it_reads(version: str) -> None:
    options = airflow_options(settings_for("mwaa", airflowVersion=version).airflow)
    intervals = {k for k in options if k.endswith(".min_file_process_interval")}
    assert intervals == {PARSE_INTERVAL[airflow_major(version)]}


def test_public_web_server_is_an_explicit_opt_in(dags: Path) -> None:
    d = build(dags, mwaaPublicWebserver=True)
    assert env_of(d).inputs["webserverAccessMode"] == "PUBLIC_ONLY"
    rules = d.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert [r for r in rules if r.inputs.get("cidrIpv4")] == []


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"mwaaEnvironmentClass": "mw1.micro", "mwaaSchedulers": 1, "mwaaMinWebservers": 1,
         "mwaaMaxWebservers": 1, "mwaaMaxWorkers": 1},
        {"mwaaEndpointManagement": "CUSTOMER", **SHARED_VPC},
        {"mwaaEnvironmentClass": "mw1.2xlarge", "mwaaMaxWorkers": 25, "mwaaSchedulers": 5,
         "mwaaMaxWebservers": 5, "mwaaPublicWebserver": True, "mwaaMaintenanceWindow": "FRI:23:30"},
    ],
)  # fmt: skip
def test_environment_arguments_satisfy_the_mwaa_api_model(
    dags: Path, overrides: dict[str, Any]
) -> None:
    shape = operation_input("mwaa", "CreateEnvironment")
    call = create_call(env_of(build(dags, **overrides)))
    assert problems(shape, call) == []
    assert call["EnvironmentClass"] in {
        "mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"
    }  # fmt: skip


def test_the_api_model_check_catches_what_aws_would_reject(dags: Path) -> None:
    shape = operation_input("mwaa", "CreateEnvironment")
    call = create_call(env_of(build(dags)))
    broken = {**call, "WebserverAccessMode": "PUBLIC_AND_PRIVATE_AND_MORE", "MinWorkers": 0}
    del broken["DagS3Path"]
    found = problems(shape, broken)
    assert any("WebserverAccessMode" in p for p in found)
    assert any("MinWorkers" in p for p in found)
    assert any("DagS3Path: required" in p for p in found)


def test_platform_surface(dags: Path) -> None:
    def surface(c: MwaaAirflow) -> pulumi.Output[list[Any]]:
        p = c.platform
        return pulumi.Output.all(
            p.web_url,
            p.dag_location,
            p.watch.mwaa_environment,
            pulumi.Output.all(**dict(p.log_groups)),
        )

    d = build(dags, then=surface)
    web_url, dag_location, watched, log_groups = d.value
    env = env_of(d)
    assert web_url == "https://" + env.outputs["webserverUrl"]
    assert dag_location == f"s3://{d.one('aws:s3/bucket:Bucket').outputs['bucket']}/dags"
    assert watched == ENV
    assert log_groups == {s: f"airflow-{ENV}-{s}" for s in LOG_SUFFIXES}


def test_objects_and_environment_wait_for_the_bucket_baseline(built: Declared) -> None:
    d = built
    versioning = d.one("aws:s3/bucketVersioning:BucketVersioning").urn
    encryption = d.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).urn
    public_access = d.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").urn
    for obj in d.of_type("aws:s3/bucketObjectv2:BucketObjectv2"):
        # Before versioning, requirements.txt would have no version id to pin; before the
        # encryption config, objects would land under the default key.
        assert {versioning, encryption} <= set(obj.dependencies), obj.inputs["key"]
    assert public_access in env_of(d).dependencies


def test_endpoint_management_reaches_the_api_and_defaults_to_service(dags: Path) -> None:
    shape = operation_input("mwaa", "CreateEnvironment")
    default = create_call(env_of(build(dags)))
    assert default["EndpointManagement"] == "SERVICE"
    customer = build(dags, mwaaEndpointManagement="CUSTOMER", **SHARED_VPC)
    call = create_call(env_of(customer))
    assert call["EndpointManagement"] == "CUSTOMER"
    assert problems(shape, call) == []


def test_customer_endpoints_export_the_services_the_vpc_owner_needs(dags: Path) -> None:
    def exports(component: MwaaAirflow) -> Any:
        return pulumi.Output.all(**component.platform.exports)

    shared = build(
        dags, then=exports, shared_vpc=True, mwaaEndpointManagement="CUSTOMER", **SHARED_VPC
    )
    env = env_of(shared)
    # Where the owner creates them: the environment's two subnets and its security group.
    assert shared.value["mwaaSubnetIds"] == ["subnet-a", "subnet-b"]
    (sg,) = shared.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert shared.value["mwaaSecurityGroupId"] == sg.id
    assert (
        shared.value["mwaaDatabaseVpcEndpointService"]
        == (env.outputs["databaseVpcEndpointService"])
    )
    assert (
        shared.value["mwaaWebserverVpcEndpointService"]
        == (env.outputs["webserverVpcEndpointService"])
    )
    assert shared.value["mwaaDatabaseVpcEndpointService"].startswith("com.amazonaws.vpce.")
    own = build(dags, then=exports)
    customer_only = {
        "mwaaDatabaseVpcEndpointService",
        "mwaaWebserverVpcEndpointService",
        "mwaaSubnetIds",
        "mwaaSecurityGroupId",
        "mwaaCeleryQueueAccess",
    }
    assert not customer_only & set(own.value)


def test_customer_endpoints_hand_off_the_celery_queue_and_the_docs_list_every_output(
    dags: Path,
) -> None:
    """botocore (Environment.CeleryExecutorQueue): in a shared VPC the Celery queue (SQS) must
    be reachable from the VPC. The outputs say which endpoint service, which queue ARNs (for an
    endpoint policy) and how to find the queue; the operator's page lists every hand-off output."""

    def exports(component: MwaaAirflow) -> Any:
        return pulumi.Output.all(**component.platform.exports)

    shared = build(
        dags, then=exports, shared_vpc=True, mwaaEndpointManagement="CUSTOMER", **SHARED_VPC
    )
    queue = shared.value["mwaaCeleryQueueAccess"]
    assert queue["endpointService"] == "com.amazonaws.us-east-1.sqs"
    assert queue["queueArns"] == "arn:aws:sqs:us-east-1:*:airflow-celery-*"
    assert queue["findQueue"] == (
        f"aws mwaa get-environment --name {env_of(shared).outputs['name']} "
        "--query Environment.CeleryExecutorQueue --output text"
    )
    page = (Path(__file__).parents[1] / "docs" / "deploy-safety.md").read_text()
    section = page.split("## 6.", 1)[1].split("\n## ", 1)[0]
    own = set(build(dags, then=exports).value)
    for name in set(shared.value) - own:
        assert f"`{name}`" in section, f"docs/deploy-safety.md item 6 does not hand off {name}"
    assert "sqs" in section and "CeleryExecutorQueue" in section


def test_service_endpoints_in_a_vpc_of_another_account_stop_the_preview(dags: Path) -> None:
    with pytest.raises(SettingsError, match=r"^mwaaEndpointManagement: SERVICE cannot work in "):
        build(dags, shared_vpc=True, **SHARED_VPC)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [({}, "GRACEFUL"), ({"mwaaWorkerReplacementStrategy": "FORCED"}, "FORCED")],
)
def test_updates_replace_workers_gracefully_unless_forced(
    dags: Path, overrides: dict[str, Any], expected: str
) -> None:
    inputs = env_of(build(dags, **overrides)).inputs
    assert inputs["workerReplacementStrategy"] == expected
    # The member lives on UpdateEnvironment: an upgrade or a config change is an update.
    update = operation_input("mwaa", "UpdateEnvironment")
    assert "WorkerReplacementStrategy" not in operation_input("mwaa", "CreateEnvironment").members
    call = to_api(update, {"name": inputs["name"], "workerReplacementStrategy": expected})
    assert problems(update, call) == []
    assert problems(update, {**call, "WorkerReplacementStrategy": "ROLLING"}) != []


def _hours(duration: str) -> float:
    """A Pulumi custom timeout ("13h", "90m") in hours."""
    value, unit = float(duration[:-1]), duration[-1]
    return value / {"h": 1, "m": 60, "s": 3600}[unit]


@pytest.mark.parametrize(
    ("overrides", "waits_for_tasks"),
    [({}, True), ({"mwaaWorkerReplacementStrategy": "FORCED"}, False)],
)
def test_pulumi_waits_for_a_graceful_update_as_long_as_tasks_may_run(
    dags: Path, overrides: dict[str, Any], waits_for_tasks: bool
) -> None:
    # The provider gives an update 90 minutes (environment.go, Timeouts.Update); a GRACEFUL
    # one lets old workers run their tasks for up to 12 hours first. Mocks do not see
    # resource options: a transformation on the component reads the environment's.
    seen: list[pulumi.CustomTimeouts | None] = []

    def capture(a: pulumi.ResourceTransformationArgs) -> None:
        if a.type_ == "aws:mwaa/environment:Environment":
            seen.append(a.opts.custom_timeouts)

    build(dags, opts=pulumi.ResourceOptions(transformations=[capture]), **overrides)
    [timeouts] = seen
    if waits_for_tasks:
        assert timeouts is not None and timeouts.update is not None
        assert _hours(timeouts.update) > 12 + 0.5  # the grace, then the update itself
    else:
        assert timeouts is None  # FORCED: the provider's 90 minutes


class BridgedEnvironment:
    """aws_mwaa_environment as pulumi-aws 7 bridges it (terraform-provider-aws
    internal/service/mwaa/environment.go): Create sends no strategy (CreateEnvironment has no
    such member); Update sends a member only when it differs from state (d.HasChange); Read
    takes worker_replacement_strategy from the environment's LastUpdate. `mwaa_default` is
    what MWAA uses when a request names no strategy (its API reference names none)."""

    def __init__(self, inputs: dict[str, Any], mwaa_default: str) -> None:
        self.mwaa_default = mwaa_default
        # A creation is not an update: LastUpdate carries no strategy yet.
        self.state = {**inputs, "workerReplacementStrategy": None}

    def up(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """`pulumi up` with the program's `inputs`: the UpdateEnvironment request sent."""
        changed = {k: v for k, v in inputs.items() if self.state.get(k) != v}
        if not changed:
            return {}
        shape = operation_input("mwaa", "UpdateEnvironment")
        request = dict(to_api(shape, {"name": inputs["name"], **changed}))
        assert problems(shape, request) == []
        used = request.get("WorkerReplacementStrategy", self.mwaa_default)
        self.state = {**self.state, **changed, "workerReplacementStrategy": used}
        return request


@pytest.mark.parametrize("mwaa_default", ["FORCED", "GRACEFUL"])
def test_the_provider_sends_the_strategy_only_when_it_changes_in_state(
    dags: Path, mwaa_default: str
) -> None:
    # What docs/mwaa.md "Updates that do not kill tasks" and docs/versions.md "Upgrading Airflow"
    # say happens.
    old = dict(env_of(build(dags, airflowVersion="3.2.1")).inputs)
    new = dict(env_of(build(dags)).inputs)
    # The same requirements.txt is the same S3 object version (the mocks mint one per run).
    new["requirementsS3ObjectVersion"] = old["requirementsS3ObjectVersion"]
    assert {k for k in new if new[k] != old[k]} == {"airflowVersion"}  # nothing else moves
    provider = BridgedEnvironment(old, mwaa_default)
    # The first `pulumi up` after creation: an update that carries the strategy alone.
    assert provider.up(old) == {"Name": ENV, "WorkerReplacementStrategy": "GRACEFUL"}
    # A later version bump: state already reads GRACEFUL, so the request names no strategy
    # and MWAA applies its own default.
    assert provider.up(new) == {"Name": ENV, "AirflowVersion": new["airflowVersion"]}
    # Read back from LastUpdate: a FORCED default shows as drift the next `pulumi up` undoes.
    follow_up = provider.up(new)
    assert follow_up == (
        {} if mwaa_default == "GRACEFUL" else {"Name": ENV, "WorkerReplacementStrategy": "GRACEFUL"}
    )
    docs = Path(__file__).parents[1] / "docs"
    for page in ("mwaa.md", "versions.md"):
        text = (docs / page).read_text()
        assert "--worker-replacement-strategy GRACEFUL" in text, page
        assert "a first `pulumi up` is unaffected" not in text, page
