"""What the DAGs use on both platforms, created once so MWAA and EKS see the same names.

The secrets backend entries (`airflow/connections/*`, `airflow/variables/*` in Secrets
Manager), a data bucket for the example ETL, and the IAM document that says what Airflow
itself may do. Each platform attaches that document to the identity its tasks run as
(the MWAA execution role, the EKS workers' IRSA role).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypeVar

import pulumi
import pulumi_aws as aws

from components.aws_helpers import Account, customer_key, policy_document
from components.buckets import BucketSpec, secure_bucket
from components.platform import CONNECTIONS_PREFIX, VARIABLES_PREFIX

# The DAGs read these names (dags/README.md); renaming one breaks them on both platforms.
ALERT_TOPIC_VARIABLE = "alert_topic_arn"
CHAT_TOPIC_VARIABLE = "chat_topic_arn"
DATA_BUCKET_VARIABLE = "data_bucket"
DATA_LAKE_CONNECTION = "data_lake"
# dags/metadata_backup.py writes here and counts each backup in this CloudWatch namespace.
STATE_BACKUP_PREFIX = "airflow-state"
STATE_BACKUP_NAMESPACE = "AirflowState"

T = TypeVar("T")


def data_lake_connection(region: str) -> str:
    """The `data_lake` connection: no keys, so tasks use the identity they run as."""
    return json.dumps({"conn_type": "aws", "extra": {"region_name": region}})


def secret_entries(
    alert_topic_arn: T, chat_topic_arn: T, data_bucket: T, data_lake_connection: T
) -> dict[str, T]:
    """Secrets Manager name -> value of every secrets-backend entry the DAGs read. The
    component stores Outputs; the local platform (local/config.py) seeds plain strings."""
    return {
        f"{VARIABLES_PREFIX}/{ALERT_TOPIC_VARIABLE}": alert_topic_arn,
        f"{VARIABLES_PREFIX}/{CHAT_TOPIC_VARIABLE}": chat_topic_arn,
        f"{VARIABLES_PREFIX}/{DATA_BUCKET_VARIABLE}": data_bucket,
        f"{CONNECTIONS_PREFIX}/{DATA_LAKE_CONNECTION}": data_lake_connection,
    }


@dataclass(frozen=True)
class WorkspaceArgs:
    environment_name: str
    """Names the key and the bucket."""
    alert_topic_arn: pulumi.Input[str]
    """Published to by the DAGs' failure callback (a readable message)."""
    chat_topic_arn: pulumi.Input[str]
    """Published to by the same callback (a Chatbot custom notification)."""
    alert_key_arn: pulumi.Input[str]
    """The alert topic's key (publishing encrypts with it)."""
    protect: bool
    """Protect the key, the bucket, and keep deleted secrets recoverable for 30 days."""
    state_backup_days: int = 30
    """Days the metadata_backup DAG's documents under `airflow-state/` are kept."""


class AirflowWorkspace(pulumi.ComponentResource):
    """Secrets backend entries, the data bucket and the task access policy."""

    key_arn: pulumi.Output[str]
    data_bucket: pulumi.Output[str]
    secret_arns: dict[str, pulumi.Output[str]]
    task_policy_json: pulumi.Output[str]

    def __init__(
        self, name: str, args: WorkspaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:workspace:AirflowWorkspace", name, None, opts)
        account = Account.lookup(self)
        key = customer_key(
            f"{name}-workspace",
            description=f"Airflow secrets and data of {args.environment_name}",
            account=account,
            service_statements=[],
            parent=self,
            protect=args.protect,
        )
        bucket = secure_bucket(
            f"{name}-data",
            BucketSpec(
                key_arn=key.arn,
                protect=args.protect,
                prefix_expire_days={f"{STATE_BACKUP_PREFIX}/": args.state_backup_days},
            ),
            parent=self,
        ).bucket
        values = secret_entries(
            alert_topic_arn=pulumi.Output.from_input(args.alert_topic_arn),
            chat_topic_arn=pulumi.Output.from_input(args.chat_topic_arn),
            data_bucket=bucket.bucket,
            data_lake_connection=account.region.apply(data_lake_connection),
        )
        self.secret_arns = {}
        for secret_name, value in values.items():
            role = secret_name.replace("/", "-").replace("_", "-")
            secret = aws.secretsmanager.Secret(
                f"{name}-{role}",
                name=secret_name,
                description=f"Airflow {secret_name.split('/')[1][:-1]} for {args.environment_name}",
                kms_key_id=key.arn,
                recovery_window_in_days=30 if args.protect else 0,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            aws.secretsmanager.SecretVersion(
                f"{name}-{role}-value",
                secret_id=secret.id,
                secret_string=value,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.secret_arns[secret_name] = secret.arn

        self.key_arn = key.arn
        self.data_bucket = bucket.bucket
        self.task_policy_json = _task_policy(account, key, bucket, args)
        self.register_outputs(
            {"dataBucket": self.data_bucket, "secretArns": self.secret_arns, "keyArn": self.key_arn}
        )


def _task_policy(
    account: Account, key: aws.kms.Key, bucket: aws.s3.Bucket, args: WorkspaceArgs
) -> pulumi.Output[str]:
    secrets = [
        account.arn("secretsmanager", f"secret:{prefix}/*")
        for prefix in (CONNECTIONS_PREFIX, VARIABLES_PREFIX)
    ]
    return policy_document(
        [
            {
                "Sid": "ReadAirflowSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": secrets,
            },
            {
                "Sid": "UseWorkspaceKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": key.arn,
            },
            {
                "Sid": "ListDataBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                "Resource": bucket.arn,
            },
            {
                "Sid": "ReadWriteData",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": pulumi.Output.concat(bucket.arn, "/*"),
            },
            {
                "Sid": "CountStateBackups",
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",  # PutMetricData has no resource type; scoped by namespace
                "Condition": {"StringEquals": {"cloudwatch:namespace": STATE_BACKUP_NAMESPACE}},
            },
            {
                "Sid": "PublishAlerts",
                "Effect": "Allow",
                "Action": "sns:Publish",
                "Resource": [args.alert_topic_arn, args.chat_topic_arn],
            },
            {
                "Sid": "EncryptAlerts",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": args.alert_key_arn,
            },
        ]
    )
