"""IAM roles for Kubernetes service accounts (IRSA).

A pod whose service account is annotated `eks.amazonaws.com/role-arn: <role>` gets a web
identity token from the cluster's OIDC issuer; STS exchanges it for the role's credentials
only if the role's trust policy accepts that token. The trust built here accepts exactly the
listed `system:serviceaccount:<namespace>:<name>` subjects, with the STS audience, and nothing
else: another service account in the same cluster cannot assume the role.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_helpers import GrantedRole

STS_AUDIENCE = "sts.amazonaws.com"
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"


@dataclass(frozen=True)
class ServiceAccount:
    """A Kubernetes service account: the subject an IRSA role trusts."""

    namespace: str
    name: str

    @property
    def subject(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.name}"


def web_identity_trust(
    issuer: str, provider_arn: str, service_accounts: Sequence[ServiceAccount]
) -> str:
    """The trust policy (JSON) letting exactly `service_accounts` assume a role.

    `issuer` is the OIDC issuer without `https://` (it prefixes the condition keys).
    """
    if not service_accounts:
        raise ValueError("an IRSA role needs at least one service account to trust")
    if issuer.startswith("https://"):
        raise ValueError("issuer must not start with https:// (it is a condition key prefix)")
    subjects = sorted({sa.subject for sa in service_accounts})
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {
                f"{issuer}:sub": subjects if len(subjects) > 1 else subjects[0],
                f"{issuer}:aud": STS_AUDIENCE,
            }
        },
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def irsa_role(
    name: str,
    *,
    oidc_issuer: pulumi.Input[str],
    oidc_provider_arn: pulumi.Input[str],
    service_accounts: Sequence[ServiceAccount],
    inline_policies: Mapping[str, pulumi.Input[str]] | None = None,
    managed_policy_arns: Sequence[pulumi.Input[str]] = (),
    description: str = "",
    parent: pulumi.Resource,
) -> GrantedRole:
    """An IAM role that only `service_accounts` of the cluster behind `oidc_issuer` can assume.

    `inline_policies` maps a short purpose (the policy resource's suffix) to a policy JSON;
    `managed_policy_arns` are attached as they are. Children are named `<name>`,
    `<name>-<purpose>` and `<name>-managed-<i>`; whatever carries the role (an add-on, a Helm
    release) takes its options from `assuming()`.
    """
    accounts = tuple(service_accounts)
    trust = pulumi.Output.all(oidc_issuer, oidc_provider_arn).apply(
        lambda values: web_identity_trust(str(values[0]), str(values[1]), accounts)
    )
    role = aws.iam.Role(
        name,
        assume_role_policy=trust,
        description=description or f"IRSA: {', '.join(sa.subject for sa in accounts)}",
        opts=pulumi.ResourceOptions(parent=parent),
    )
    grants: list[pulumi.Resource] = [
        aws.iam.RolePolicy(
            f"{name}-{purpose}",
            role=role.id,
            policy=document,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for purpose, document in (inline_policies or {}).items()
    ]
    grants += [
        aws.iam.RolePolicyAttachment(
            f"{name}-managed-{i}",
            role=role.name,
            policy_arn=arn,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for i, arn in enumerate(managed_policy_arns)
    ]
    return GrantedRole(role, tuple(grants))


def aws_managed_policy(partition: pulumi.Input[str], path: str) -> pulumi.Output[str]:
    """ARN of an AWS managed policy, e.g. `service-role/AmazonEBSCSIDriverPolicy`."""
    return pulumi.Output.format("arn:{0}:iam::aws:policy/{1}", partition, path)
