"""Small helpers shared by components: account facts, IAM documents, customer KMS keys.

Documents are built with `Output.json_dumps`, so what a test parses is exactly what AWS gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class Account:
    """Where the stack runs, read from the provider (never literal)."""

    account_id: pulumi.Output[str]
    region: pulumi.Output[str]
    partition: pulumi.Output[str]
    dns_suffix: pulumi.Output[str]

    @staticmethod
    def lookup(parent: pulumi.Resource) -> Account:
        opts = pulumi.InvokeOutputOptions(parent=parent)
        identity = aws.get_caller_identity_output(opts=opts)
        partition = aws.get_partition_output(opts=opts)
        region = aws.get_region_output(opts=opts)
        return Account(
            account_id=identity.account_id,
            region=region.region,
            partition=partition.partition,
            dns_suffix=partition.dns_suffix,
        )

    def arn(self, service: str, resource: str, *, region: bool = True) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource>`."""
        return pulumi.Output.format(
            "arn:{0}:{1}:{2}:{3}:{4}",
            self.partition,
            service,
            self.region if region else "",
            self.account_id,
            resource,
        )

    @property
    def root(self) -> pulumi.Output[str]:
        return pulumi.Output.format("arn:{0}:iam::{1}:root", self.partition, self.account_id)


def policy_document(statements: Sequence[Mapping[str, Any]]) -> pulumi.Output[str]:
    """An IAM policy document (JSON) from statements that may hold Outputs."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_trust(
    services: Sequence[str], conditions: Mapping[str, Any] | None = None
) -> pulumi.Output[str]:
    """A trust policy letting AWS services assume a role, optionally conditioned."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": list(services)},
        "Action": "sts:AssumeRole",
    }
    if conditions:
        statement["Condition"] = dict(conditions)
    return policy_document([statement])


@dataclass(frozen=True)
class GrantedRole:
    """An IAM role together with the policies and attachments that give it its permissions.

    A resource that assumes the role (an MWAA environment, an EKS add-on, the Helm release whose
    pods carry the role) must wait for the grants, not only the role: otherwise Pulumi may
    create it before its permissions exist, and on destroy remove them while it still runs.
    `assuming()` gives such a resource its options.
    """

    role: aws.iam.Role
    """The role itself."""
    grants: tuple[pulumi.Resource, ...]
    """Its inline policies and managed-policy attachments."""

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.role.arn

    @property
    def name(self) -> pulumi.Output[str]:
        return self.role.name


def assuming(
    *roles: GrantedRole, opts: pulumi.ResourceOptions | None = None
) -> pulumi.ResourceOptions:
    """`opts` for a resource that assumes `roles`: it is created after, and deleted before,
    every policy and attachment of those roles."""
    after: list[pulumi.Resource] = [r for g in roles for r in (g.role, *g.grants)]
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=after))


def service_role(
    name: str,
    *,
    service: str,
    account: Account,
    statements: Sequence[Mapping[str, Any]],
    parent: pulumi.Resource,
) -> GrantedRole:
    """A role an AWS service of this account assumes, with one inline policy (`<name>-policy`)."""
    role = aws.iam.Role(
        name,
        assume_role_policy=service_trust(
            [service], {"StringEquals": {"aws:SourceAccount": account.account_id}}
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    policy = aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=policy_document(statements),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return GrantedRole(role, (policy,))


# What the account (through IAM policies) may do with its keys: administration and use.
ACCOUNT_KEY_ACTIONS = (
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:RetireGrant",
)


def customer_key(
    name: str,
    *,
    description: str,
    account: Account,
    service_statements: Sequence[Mapping[str, Any]],
    parent: pulumi.Resource,
    protect: bool,
) -> aws.kms.Key:
    """A customer-managed key with yearly rotation and an explicit key policy.

    The account keeps administration and use through IAM (AWS's default key statement, with
    the actions spelled out instead of `kms:*`), so the key can never become unmanageable;
    services get only what `service_statements` grant.
    """
    root = {
        "Sid": "AccountAdministration",
        "Effect": "Allow",
        "Principal": {"AWS": account.root},
        "Action": list(ACCOUNT_KEY_ACTIONS),
        "Resource": "*",
    }
    key = aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=policy_document([root, *service_statements]),
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    aws.kms.Alias(
        f"{name}-alias",
        name=pulumi.Output.concat("alias/", name),
        target_key_id=key.key_id,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return key


def logs_key_statement(account: Account, log_group_pattern: str) -> dict[str, Any]:
    """Let CloudWatch Logs in this region use a key, only for matching log groups."""
    return {
        "Sid": "CloudWatchLogs",
        "Effect": "Allow",
        "Principal": {"Service": pulumi.Output.concat("logs.", account.region, ".amazonaws.com")},
        "Action": [
            "kms:Encrypt*",
            "kms:Decrypt*",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:Describe*",
        ],
        "Resource": "*",
        "Condition": {
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": account.arn(
                    "logs", f"log-group:{log_group_pattern}"
                )
            }
        },
    }


def eks_addon_version(
    addon_name: str, kubernetes_version: str, parent: pulumi.Resource
) -> pulumi.Output[str]:
    """The version of an EKS add-on that AWS makes the default for `kubernetes_version`
    (DescribeAddonVersions). Pinning it ties the add-on to the cluster's version: when
    `eksKubernetesVersion` moves, the plan shows each add-on moving with it, instead of an
    add-on left at whatever was the default on the day the cluster was created."""
    return aws.eks.get_addon_version_output(
        addon_name=addon_name,
        kubernetes_version=kubernetes_version,
        most_recent=False,  # the default for that version, not a newer one it merely accepts
        opts=pulumi.InvokeOutputOptions(parent=parent),
    ).version
