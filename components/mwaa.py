"""Amazon MWAA: the dev platform, complete and least-privilege.

A customer key shared by the environment, its DAG bucket and its log groups; the DAG folder
uploaded with its requirements pinned by object version; log groups created first so their
retention and key are ours; an execution role with exactly the AWS-documented minimum plus
what the DAGs need (the workspace task policy); a private web server by default.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.aws_helpers import (
    Account,
    GrantedRole,
    assuming,
    customer_key,
    logs_key_statement,
    policy_document,
)
from components.buckets import BucketSpec, SecureBucket, secure_bucket
from components.mwaa_sign_in import MwaaSignIn, MwaaSignInArgs
from components.platform import (
    SECRETS_BACKEND,
    AirflowPlatform,
    WatchTargets,
    secrets_backend_kwargs,
    tuned_airflow_options,
)
from components.settings import AccessSettings, AirflowSettings, MwaaSettings, SettingsError

LOG_TYPES = {
    # logging_configuration key -> log group suffix MWAA writes to
    "dag_processing_logs": "DAGProcessing",
    "scheduler_logs": "Scheduler",
    "task_logs": "Task",
    "webserver_logs": "WebServer",
    "worker_logs": "Worker",
}
DAG_PATH = "dags"
# The Airflow role the metadata_backup DAG's InvokeRestApi calls are mapped to.
STATE_BACKUP_AIRFLOW_ROLE = "Op"
SKIPPED = {"README.md", "requirements.txt"}
# How long `pulumi up` waits for an environment update. The bridged Terraform provider waits
# 90 minutes by default (terraform-provider-aws internal/service/mwaa/environment.go,
# Timeouts.Update); a GRACEFUL update lasts as long as the longest running task, up to
# MWAA's 12-hour grace, plus the update itself.
GRACEFUL_UPDATE_TIMEOUT = "13h"


@dataclass(frozen=True)
class MwaaArgs:
    mwaa: MwaaSettings
    """Class, workers, schedulers, web servers, window, web access."""
    airflow: AirflowSettings
    """Version, extra options, log level."""
    environment_name: str
    """MWAA environment name (validated against MWAA's pattern)."""
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    """Clients inside the VPC may reach the private web server on 443."""
    subnet_ids: list[pulumi.Input[str]]
    """Two private subnets in different zones."""
    task_policy_json: pulumi.Input[str]
    """What the DAGs may do (secrets, data bucket, alert topic)."""
    dags_dir: Path
    """The repository's dags/ folder, uploaded as the DAG folder."""
    extras_dir: Path | None
    """Optional folder with plugins.zip and/or startup.sh."""
    log_retention_days: int
    protect: bool
    internet_egress: bool | None = True
    """Whether the VPC reaches the internet (None: an existing VPC, its owner's to say)."""
    shared_vpc: bool = False
    """The VPC is owned by another account: MWAA cannot create endpoints in it (CUSTOMER)."""
    egress_ready: Sequence[pulumi.Resource] = ()
    """The network's egress (NAT or endpoints, routes): the environment waits for it and is
    deleted before it."""
    access: AccessSettings = field(default_factory=AccessSettings)
    """Who signs in to the UI, with which Airflow role (one IAM login role per role)."""
    asleep: bool = False
    """The stack sleeps (docs/sleep.md): no environment; its key, buckets, log groups, role
    and security group stay, so waking needs nothing from outside."""


def celery_queue_arns(account: Account) -> pulumi.Output[str]:
    """The ARNs MWAA's Celery queues have (SQS, in MWAA's own account)."""
    return pulumi.Output.format(
        "arn:{0}:sqs:{1}:*:airflow-celery-*", account.partition, account.region
    )


def worker_replacement_inputs(args: MwaaArgs) -> dict[str, str]:
    """The inputs whose change makes MWAA replace the workers: the Airflow version, the class,
    and digests of requirements.txt, plugins.zip, startup.sh and the configuration options
    (digests: the file versions are S3's to mint, and the options may be sensitive)."""
    files = {"requirements": args.dags_dir / "requirements.txt"}
    if args.extras_dir is not None:
        files |= {
            "plugins": args.extras_dir / "plugins.zip",
            "startup": args.extras_dir / "startup.sh",
        }
    options = json.dumps(airflow_options(args.airflow), sort_keys=True).encode()
    return {
        "airflowVersion": args.airflow.version,
        "environmentClass": args.mwaa.environment_class,
        **{
            role: hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            for role, path in files.items()
            if path.is_file()
        },
        "configuration": hashlib.sha256(options).hexdigest()[:16],
    }


def dag_files(dags_dir: Path) -> list[tuple[str, Path]]:
    """(S3 key, file) for everything MWAA should see under the DAG path."""
    files = []
    for path in sorted(dags_dir.rglob("*")):
        rel = path.relative_to(dags_dir)
        if (
            path.is_file()
            and rel.name not in SKIPPED
            and "__pycache__" not in rel.parts
            and path.suffix != ".pyc"
            and not any(part.startswith(".") for part in rel.parts[:-1])
            and (not rel.name.startswith(".") or rel.name == ".airflowignore")
        ):
            files.append((f"{DAG_PATH}/{rel.as_posix()}", path))
    return files


def logging_configuration(level: str) -> aws.mwaa.EnvironmentLoggingConfigurationArgs:
    """All five log types on, at one level."""
    return aws.mwaa.EnvironmentLoggingConfigurationArgs(
        dag_processing_logs=aws.mwaa.EnvironmentLoggingConfigurationDagProcessingLogsArgs(
            enabled=True, log_level=level
        ),
        scheduler_logs=aws.mwaa.EnvironmentLoggingConfigurationSchedulerLogsArgs(
            enabled=True, log_level=level
        ),
        task_logs=aws.mwaa.EnvironmentLoggingConfigurationTaskLogsArgs(
            enabled=True, log_level=level
        ),
        webserver_logs=aws.mwaa.EnvironmentLoggingConfigurationWebserverLogsArgs(
            enabled=True, log_level=level
        ),
        worker_logs=aws.mwaa.EnvironmentLoggingConfigurationWorkerLogsArgs(
            enabled=True, log_level=level
        ),
    )


def update_timeouts(strategy: str) -> pulumi.CustomTimeouts | None:
    """How long an environment update may take: a GRACEFUL one waits for the workers' running
    tasks (up to 12 hours), which the provider's 90-minute default would give up on."""
    return pulumi.CustomTimeouts(update=GRACEFUL_UPDATE_TIMEOUT) if strategy == "GRACEFUL" else None


# The connection MWAA defines in every container: its execution role
# (https://docs.aws.amazon.com/mwaa/latest/userguide/manage-connection-types.html: "Do not
# overwrite the aws_default connection in Amazon MWAA").
MWAA_DEFAULT_CONNECTION = "aws_default"


def airflow_options(airflow: AirflowSettings) -> dict[str, str]:
    """Airflow configuration: the program's own options first, then the settings' extras.

    MWAA takes any `section.key` here and sets it as `AIRFLOW__SECTION__KEY` in its
    containers, over airflow.cfg (MWAA user guide, "Using Apache Airflow configuration options
    on Amazon MWAA", https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html:
    "Custom options. You can also specify Airflow configuration options that are not listed
    for your Apache Airflow version in the dropdown list"). Its tuning page names the parse
    interval as one to tune ("the number of seconds in `scheduler.min_file_process_interval`
    must pass before the same file is parsed again", Airflow 2,
    https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-tuning.html). Read in
    the guide's public source (awsdocs/amazon-mwaa-user-guide, doc_source/, last changed
    2022-07 and 2022-12); neither page, nor the CreateEnvironment API model (a key pattern
    only), lists an option MWAA refuses. The tuned options go under the names the
    environment's Airflow version reads (tuned_airflow_options).
    """
    return {
        "core.load_examples": "False",
        "secrets.backend": SECRETS_BACKEND,
        # MWAA defines aws_default in its containers (AIRFLOW_CONN_AWS_DEFAULT, the execution
        # role) and its own backend_kwargs skip it (connections_lookup_pattern
        # "^(?!aws_default$).*$", aws/amazon-mwaa-docker-images, config/airflow.py); ours
        # replace MWAA's, so they skip it too: otherwise every hook left on aws_default asks
        # Secrets Manager first and misses, and a secret of that name would override the
        # connection AWS says not to overwrite (MWAA user guide, "Overview of connection types").
        "secrets.backend_kwargs": secrets_backend_kwargs([MWAA_DEFAULT_CONNECTION]),
        **tuned_airflow_options(airflow.version),
        **airflow.options,
    }


class MwaaAirflow(pulumi.ComponentResource):
    """An MWAA environment and everything it needs."""

    platform: AirflowPlatform
    environment_arn: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]
    dag_bucket: pulumi.Output[str]
    sign_in: MwaaSignIn

    def __init__(
        self, name: str, args: MwaaArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:mwaa:MwaaAirflow", name, None, opts)
        if not (args.dags_dir / "requirements.txt").is_file():
            raise FileNotFoundError(
                f"{args.dags_dir}/requirements.txt is missing (MWAA installs it)"
            )
        if args.shared_vpc and args.mwaa.endpoint_management == "SERVICE":
            # MWAA cannot create VPC endpoints in a VPC another account owns: CreateEnvironment
            # fails late, after the bucket, key and roles exist. Stop the preview instead.
            raise SettingsError(
                "mwaaEndpointManagement: SERVICE cannot work in existingVpcId, a VPC owned by "
                "another account (a shared VPC); set CUSTOMER and have the VPC owner create "
                "the endpoints (docs/network.md)"
            )
        env = args.environment_name
        account = Account.lookup(self)
        env_arn = account.arn("airflow", f"environment/{env}")
        key = customer_key(
            f"{name}-mwaa",
            description=f"MWAA environment {env}: DAG bucket, logs, metadata",
            account=account,
            service_statements=[logs_key_statement(account, f"airflow-{env}-*")],
            parent=self,
            protect=args.protect,
        )
        dags_bucket = secure_bucket(
            f"{name}-dags",
            BucketSpec(
                key_arn=key.arn,
                protect=args.protect,
                bucket_prefix=_bucket_prefix(env),
            ),
            parent=self,
        )
        bucket = dags_bucket.bucket
        # Objects wait for versioning (their version ids pin the requirements) and for the
        # key-based encryption; the environment also for the public-access block MWAA checks.
        dag_objects, uploads = self._upload(name, dags_bucket, args)
        log_groups = {
            kind: aws.cloudwatch.LogGroup(
                f"{name}-{suffix.lower()}-logs",
                name=f"airflow-{env}-{suffix}",
                retention_in_days=args.log_retention_days,
                kms_key_id=key.arn,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            for kind, suffix in LOG_TYPES.items()
        }
        role = self._execution_role(
            name, env=env, env_arn=env_arn, account=account, bucket=bucket, key=key, args=args
        )
        sg = self._security_group(name, args)
        self.environment_arn = pulumi.Output.from_input(env_arn)
        self.execution_role_arn = role.arn
        self.dag_bucket = bucket.bucket
        # Who may open the UI, with which role: the login roles stay while the stack sleeps
        # (IAM costs nothing), so a team's access does not change with the hour.
        self.sign_in = MwaaSignIn(
            name,
            MwaaSignInArgs(access=args.access, environment_name=env, environment_arn=env_arn),
            opts=pulumi.ResourceOptions(parent=self),
        )
        sign_in_exports: dict[str, pulumi.Input[object]] = {
            # How people get in (docs/sign-in.md): assume their Airflow role's login role,
            # then the console's "Open Airflow UI", or the command with the URL it prints.
            "webLoginRoleArns": self.sign_in.role_arns,
            "webLoginConsoleUrls": self.sign_in.console_urls,
            "webLoginCommand": f"aws mwaa create-web-login-token --name {env}",
        }
        dag_location = pulumi.Output.concat("s3://", bucket.bucket, f"/{DAG_PATH}")
        log_group_names = {suffix: log_groups[kind].name for kind, suffix in LOG_TYPES.items()}
        if args.asleep:
            self.platform = AirflowPlatform(
                architecture="mwaa",
                environment_name=env,
                web_url=pulumi.Output.from_input("asleep (docs/sleep.md)"),
                dag_location=dag_location,
                log_groups=log_group_names,
                watch=WatchTargets(mwaa_environment=pulumi.Output.from_input(env)),
                exports={
                    "dagBucket": bucket.bucket,
                    "executionRoleArn": role.arn,
                    **sign_in_exports,
                },
            )
            self.register_outputs(
                {
                    "environmentArn": self.environment_arn,
                    "webUrl": self.platform.web_url,
                    "dagBucket": self.dag_bucket,
                    "executionRoleArn": self.execution_role_arn,
                }
            )
            return

        environment = aws.mwaa.Environment(
            f"{name}-environment",
            name=env,
            airflow_version=args.airflow.version,
            environment_class=args.mwaa.environment_class,
            min_workers=args.mwaa.min_workers,
            max_workers=args.mwaa.max_workers,
            schedulers=args.mwaa.schedulers,
            min_webservers=args.mwaa.min_webservers,
            max_webservers=args.mwaa.max_webservers,
            weekly_maintenance_window_start=args.mwaa.maintenance_window,
            webserver_access_mode="PUBLIC_ONLY" if args.mwaa.public_webserver else "PRIVATE_ONLY",
            execution_role_arn=role.arn,
            kms_key=key.arn,
            source_bucket_arn=bucket.arn,
            dag_s3_path=DAG_PATH,
            requirements_s3_path=uploads["requirements"].key,
            requirements_s3_object_version=uploads["requirements"].version_id,
            plugins_s3_path=uploads["plugins"].key if "plugins" in uploads else None,
            plugins_s3_object_version=(
                uploads["plugins"].version_id if "plugins" in uploads else None
            ),
            startup_script_s3_path=uploads["startup"].key if "startup" in uploads else None,
            startup_script_s3_object_version=(
                uploads["startup"].version_id if "startup" in uploads else None
            ),
            airflow_configuration_options=airflow_options(args.airflow),
            logging_configuration=logging_configuration(args.airflow.log_level),
            network_configuration=aws.mwaa.EnvironmentNetworkConfigurationArgs(
                security_group_ids=[sg.id], subnet_ids=args.subnet_ids
            ),
            # CUSTOMER: the owner of a shared VPC creates the database and web server endpoints
            # from the endpoint services exported below.
            endpoint_management=args.mwaa.endpoint_management,
            # CreateEnvironment has no such member, and the provider sends it on
            # UpdateEnvironment only when this attribute itself differs from the strategy read
            # back from the last update: a later upgrade, requirements or options change goes
            # out without it, under MWAA's own default. `make plan PREVIOUS=...` warns on
            # exactly those changes with the command that names the strategy
            # (tools/worker_replacement.py, mwaaWorkerReplacementInputs below).
            worker_replacement_strategy=args.mwaa.worker_replacement_strategy,
            # MWAA needs a .py under the DAG path, writes to our log groups, and works with
            # the execution role's permissions from its first minute to its last.
            opts=assuming(
                role,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    custom_timeouts=update_timeouts(args.mwaa.worker_replacement_strategy),
                    depends_on=[
                        *dags_bucket.configured,
                        *dag_objects,
                        *uploads.values(),
                        *log_groups.values(),
                        *args.egress_ready,
                    ],
                ),
            ),
        )

        if args.internet_egress is False and _requirements(args.dags_dir):
            pulumi.log.warn(
                "egress endpoints: MWAA installs dags/requirements.txt from PyPI, which this VPC "
                "cannot reach; ship the wheels in plugins.zip and install with --find-links "
                "(or --index-url to a CodeArtifact repository), see docs/network.md",
                resource=self,
            )
        self.environment_arn = environment.arn
        exports: dict[str, pulumi.Input[object]] = {
            # What makes an update replace the workers, as plain text: the next plan compares
            # it with the last deployment's (tools/worker_replacement.py).
            "mwaaWorkerReplacementInputs": worker_replacement_inputs(args),
            "mwaaEnvironmentArn": environment.arn,
            "mwaaEnvironmentName": environment.name,
            "dagBucket": bucket.bucket,
            "executionRoleArn": role.arn,
            **sign_in_exports,
        }
        if args.mwaa.endpoint_management == "CUSTOMER":
            # What the VPC owner creates interface endpoints for (docs/network.md, "Shared VPC").
            exports["mwaaDatabaseVpcEndpointService"] = environment.database_vpc_endpoint_service
            exports["mwaaWebserverVpcEndpointService"] = environment.webserver_vpc_endpoint_service
            # Where the owner puts them: the environment's subnets and security group.
            exports["mwaaSubnetIds"] = pulumi.Output.all(*args.subnet_ids)
            exports["mwaaSecurityGroupId"] = sg.id
            # The Celery queue (SQS, in MWAA's account) must be reachable from the VPC too
            # (botocore, Environment.CeleryExecutorQueue): an sqs interface endpoint in those
            # subnets, or a NAT route. The provider does not expose the queue's ARN: the
            # command below reads it once the environment exists.
            exports["mwaaCeleryQueueAccess"] = {
                "endpointService": pulumi.Output.concat("com.amazonaws.", account.region, ".sqs"),
                "queueArns": celery_queue_arns(account),
                "findQueue": pulumi.Output.concat(
                    "aws mwaa get-environment --name ",
                    environment.name,
                    " --query Environment.CeleryExecutorQueue --output text",
                ),
            }

        self.platform = AirflowPlatform(
            architecture="mwaa",
            environment_name=env,
            web_url=pulumi.Output.concat("https://", environment.webserver_url),
            dag_location=dag_location,
            log_groups=log_group_names,
            watch=WatchTargets(mwaa_environment=environment.name),
            exports=exports,
        )
        self.register_outputs(
            {
                "environmentArn": self.environment_arn,
                "webUrl": self.platform.web_url,
                "dagBucket": self.dag_bucket,
                "executionRoleArn": self.execution_role_arn,
            }
        )

    def _upload(
        self, name: str, dags_bucket: SecureBucket, args: MwaaArgs
    ) -> tuple[list[aws.s3.BucketObjectv2], dict[str, aws.s3.BucketObjectv2]]:
        """The DAG files, and the versioned extras (requirements, plugins, startup script)."""
        bucket = dags_bucket.bucket
        child = pulumi.ResourceOptions(parent=self, depends_on=dags_bucket.configured)
        dag_objects = [
            aws.s3.BucketObjectv2(
                f"{name}-{key.replace('/', '-')}",
                bucket=bucket.id,
                key=key,
                source=pulumi.FileAsset(str(path)),
                opts=child,
            )
            for key, path in dag_files(args.dags_dir)
        ]
        optional = {}
        wanted = {"requirements": args.dags_dir / "requirements.txt"}
        if args.extras_dir is not None:
            wanted["plugins"] = args.extras_dir / "plugins.zip"
            wanted["startup"] = args.extras_dir / "startup.sh"
        for role, path in wanted.items():
            if path.is_file():
                # Passing the object version to the environment makes a change to the file
                # an environment update.
                optional[role] = aws.s3.BucketObjectv2(
                    f"{name}-{path.name.replace('.', '-')}",
                    bucket=bucket.id,
                    key=path.name,
                    source=pulumi.FileAsset(str(path)),
                    opts=child,
                )
        return dag_objects, optional

    def _execution_role(
        self,
        name: str,
        *,
        env: str,
        env_arn: pulumi.Output[str],
        account: Account,
        bucket: aws.s3.Bucket,
        key: aws.kms.Key,
        args: MwaaArgs,
    ) -> GrantedRole:
        role = aws.iam.Role(
            f"{name}-execution",
            assume_role_policy=policy_document(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {
                            "Service": ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]
                        },
                        "Action": "sts:AssumeRole",
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": account.account_id},
                            "ArnLike": {"aws:SourceArn": env_arn},
                        },
                    }
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        mwaa = aws.iam.RolePolicy(
            f"{name}-execution-mwaa",
            role=role.id,
            policy=execution_policy(env, env_arn, account, bucket.arn, key.arn),
            opts=pulumi.ResourceOptions(parent=self),
        )
        tasks = aws.iam.RolePolicy(
            f"{name}-execution-tasks",
            role=role.id,
            policy=args.task_policy_json,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return GrantedRole(role, (mwaa, tasks))

    def _security_group(self, name: str, args: MwaaArgs) -> aws.ec2.SecurityGroup:
        sg = aws.ec2.SecurityGroup(
            f"{name}-mwaa-sg",
            vpc_id=args.vpc_id,
            description=f"MWAA environment {args.environment_name}",
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self)
        # Without the self-referencing rule the scheduler, workers and web server cannot talk,
        # and DAGs are never processed.
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-mwaa-self",
            security_group_id=sg.id,
            referenced_security_group_id=sg.id,
            ip_protocol="-1",
            description="MWAA components talk to each other",
            opts=child,
        )
        if not args.mwaa.public_webserver:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-mwaa-web",
                security_group_id=sg.id,
                cidr_ipv4=args.vpc_cidr,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description="Private web server through its VPC endpoint, from inside the VPC",
                opts=child,
            )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-mwaa-egress",
            security_group_id=sg.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="-1",
            description="AWS APIs (S3, SQS, CloudWatch, Secrets Manager) and, with NAT, PyPI",
            opts=child,
        )
        return sg


def execution_policy(
    env: str,
    env_arn: pulumi.Input[str],
    account: Account,
    bucket_arn: pulumi.Input[str],
    key_arn: pulumi.Input[str],
) -> pulumi.Output[str]:
    """The AWS-documented minimum for an MWAA execution role with a customer key, scoped to
    this environment, its bucket, log groups and key."""
    objects = pulumi.Output.concat(bucket_arn, "/*")
    via = [
        pulumi.Output.concat("sqs.", account.region, ".amazonaws.com"),
        pulumi.Output.concat("s3.", account.region, ".amazonaws.com"),
    ]
    return policy_document(
        [
            {"Effect": "Allow", "Action": "airflow:PublishMetrics", "Resource": env_arn},
            {
                # dags/metadata_backup.py reads this environment's state through its REST API,
                # as Airflow's Op role (pools, variables, connections, DAG runs; no admin).
                "Sid": "BackupOwnState",
                "Effect": "Allow",
                "Action": "airflow:InvokeRestApi",
                "Resource": account.arn("airflow", f"role/{env}/{STATE_BACKUP_AIRFLOW_ROLE}"),
            },
            {"Effect": "Deny", "Action": "s3:ListAllMyBuckets", "Resource": [bucket_arn, objects]},
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
                "Resource": [bucket_arn, objects],
            },
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogStream",
                    "logs:CreateLogGroup",
                    "logs:PutLogEvents",
                    "logs:GetLogEvents",
                    "logs:GetLogRecord",
                    "logs:GetLogGroupFields",
                    "logs:GetQueryResults",
                ],
                "Resource": account.arn("logs", f"log-group:airflow-{env}-*"),
            },
            {
                "Effect": "Allow",
                "Action": [
                    "logs:DescribeLogGroups",
                    "s3:GetAccountPublicAccessBlock",
                    "cloudwatch:PutMetricData",
                ],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": [
                    "sqs:ChangeMessageVisibility",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:GetQueueUrl",
                    "sqs:ReceiveMessage",
                    "sqs:SendMessage",
                ],
                "Resource": celery_queue_arns(account),
            },
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
                "Resource": key_arn,
                "Condition": {"StringLike": {"kms:ViaService": via}},
            },
        ]
    )


def _requirements(dags_dir: Path) -> list[str]:
    """The package lines of dags/requirements.txt (what MWAA installs with pip)."""
    lines = (dags_dir / "requirements.txt").read_text().splitlines()
    return [line for line in (raw.split("#", 1)[0].strip() for raw in lines) if line]


def _bucket_prefix(env: str) -> str:
    """MWAA only accepts DAG buckets named `airflow-...`; S3 caps a prefix at 37 chars."""
    base = env.lower().replace("_", "-")
    base = base if base.startswith("airflow-") else f"airflow-{base}"
    return f"{base[:30].rstrip('-')}-dags-"
