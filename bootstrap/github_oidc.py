"""GitHub Actions' way into AWS: the OIDC identity provider and the roles the workflows assume.

Two roles per platform stack the account hosts, each trusting exactly one kind of workflow
token (`aud` and `sub` pinned):

| role | token subject | permissions |
| --- | --- | --- |
| preview-<stack> | `repo:<owner>/<repo>:pull_request` | ReadOnlyAccess |
| deploy-dev | `repo:<owner>/<repo>:ref:refs/heads/<branch>` | PowerUser + project IAM |
| deploy-prod | `repo:<owner>/<repo>:environment:<environment>` | PowerUser + project IAM |

Both stacks use the same Secrets Manager names, so dev and prod live in different accounts (or
regions) and each account gets only the roles of the stacks it hosts.

Building an Airflow platform needs broad rights (VPCs, EKS, RDS, MWAA, IAM roles for them), so
the deploy roles are broad: AWS's PowerUserAccess (everything but IAM, Organizations and
Account), plus IAM limited to names under the project prefix, under a permissions boundary
that forbids touching these bootstrap resources, creating IAM users or keys, and assuming other
roles. A role that may create and pass roles is still close to an administrator; the real
controls are who can trigger it (reviewed merges to main; the prod environment's reviewers).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
STACKS = ("dev", "prod")
DEPLOY_SESSION_SECONDS = 7200  # a first prod `up` (EKS, RDS Multi-AZ) can outlast one hour


@dataclass(frozen=True)
class GithubOidcArgs:
    """Inputs of GithubOidc."""

    repository: str
    """`owner/repo` whose workflows may assume the roles."""
    resource_prefix: str
    """Prefix of every IAM name the platform creates (and of the roles created here)."""
    stacks: tuple[str, ...]
    """Platform stacks (of STACKS) this account hosts; each gets a preview and a deploy role."""
    deploy_branch: str = "main"
    """Branch whose push workflows deploy dev."""
    prod_environment: str = "prod"
    """GitHub environment whose jobs deploy prod."""
    existing_provider_arn: str = ""
    """Reuse the account's GitHub OIDC provider (one per URL per account); empty creates it."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every resource."""

    def __post_init__(self) -> None:
        owner, _, repo = self.repository.partition("/")
        if not owner or not repo or "/" in repo or "*" in self.repository:
            raise ValueError(f"repository: expected 'owner/repo', got {self.repository!r}")
        if not self.resource_prefix:
            raise ValueError("resource_prefix: must not be empty")
        known = [s for s in STACKS if s in self.stacks]
        if not self.stacks or sorted(known) != sorted(self.stacks):
            raise ValueError(f"stacks: expected distinct names from {STACKS}, got {self.stacks!r}")

    def subjects(self) -> dict[str, str]:
        """The `sub` claim each role trusts, by role (`preview-<stack>`, `deploy-<stack>`)."""
        deploy = {
            "dev": f"repo:{self.repository}:ref:refs/heads/{self.deploy_branch}",
            "prod": f"repo:{self.repository}:environment:{self.prod_environment}",
        }
        subjects = {}
        for stack in self.stacks:
            subjects[f"preview-{stack}"] = f"repo:{self.repository}:pull_request"
            subjects[f"deploy-{stack}"] = deploy[stack]
        return subjects


def trust_policy(provider_arn: str, subject: str) -> dict[str, Any]:
    """Web-identity trust for one token subject, audience pinned to STS."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GithubActions",
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": subject,
                    }
                },
            }
        ],
    }


def deploy_iam_policy(partition: str, account_id: str, prefix: str) -> dict[str, Any]:
    """IAM rights PowerUserAccess lacks, limited to the project's names."""
    iam = f"arn:{partition}:iam::{account_id}:"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ProjectRoles",
                "Effect": "Allow",
                "Action": [
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:GetRole",
                    "iam:UpdateRole",
                    "iam:UpdateRoleDescription",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:ListRoleTags",
                    "iam:PutRolePolicy",
                    "iam:GetRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:ListRolePolicies",
                    "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                    "iam:PassRole",
                ],
                "Resource": f"{iam}role/{prefix}-*",
            },
            {
                "Sid": "ProjectPolicies",
                "Effect": "Allow",
                "Action": [
                    "iam:CreatePolicy",
                    "iam:DeletePolicy",
                    "iam:GetPolicy",
                    "iam:GetPolicyVersion",
                    "iam:ListPolicyVersions",
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion",
                    "iam:TagPolicy",
                    "iam:UntagPolicy",
                    "iam:ListPolicyTags",
                    "iam:ListEntitiesForPolicy",
                ],
                "Resource": f"{iam}policy/{prefix}-*",
            },
            {
                "Sid": "ProjectInstanceProfiles",
                "Effect": "Allow",
                "Action": [
                    "iam:CreateInstanceProfile",
                    "iam:DeleteInstanceProfile",
                    "iam:GetInstanceProfile",
                    "iam:AddRoleToInstanceProfile",
                    "iam:RemoveRoleFromInstanceProfile",
                    "iam:TagInstanceProfile",
                    "iam:UntagInstanceProfile",
                ],
                "Resource": f"{iam}instance-profile/{prefix}-*",
            },
            {
                "Sid": "EksServiceAccountIdentityProviders",
                "Effect": "Allow",
                "Action": [
                    "iam:CreateOpenIDConnectProvider",
                    "iam:DeleteOpenIDConnectProvider",
                    "iam:GetOpenIDConnectProvider",
                    "iam:TagOpenIDConnectProvider",
                    "iam:UntagOpenIDConnectProvider",
                    "iam:UpdateOpenIDConnectProviderThumbprint",
                    "iam:AddClientIDToOpenIDConnectProvider",
                    "iam:RemoveClientIDFromOpenIDConnectProvider",
                ],
                "Resource": f"{iam}oidc-provider/oidc.eks.*",
            },
            {
                "Sid": "ReadAwsManagedPolicies",
                "Effect": "Allow",
                "Action": ["iam:GetPolicy", "iam:GetPolicyVersion"],
                "Resource": f"arn:{partition}:iam::aws:policy/*",
            },
            {
                "Sid": "ListIam",
                "Effect": "Allow",
                "Action": [
                    "iam:ListPolicies",
                    "iam:ListInstanceProfiles",
                    "iam:ListOpenIDConnectProviders",
                ],
                "Resource": "*",
            },
        ],
    }


def deploy_boundary(partition: str, account_id: str, prefix: str) -> dict[str, Any]:
    """The ceiling of the deploy roles: whatever their policies grant, never these."""
    iam = f"arn:{partition}:iam::{account_id}:"
    return {
        "Version": "2012-10-17",
        "Statement": [
            # A boundary caps and grants nothing; the attached policies grant.
            {"Sid": "Ceiling", "Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Sid": "LeaveTheBootstrapAlone",
                "Effect": "Deny",
                "Action": "iam:*",
                "Resource": [
                    f"{iam}role/{prefix}-github-*",
                    f"{iam}policy/{prefix}-github-*",
                    f"{iam}oidc-provider/{GITHUB_OIDC_HOST}",
                ],
            },
            {
                "Sid": "NoLongLivedCredentials",
                "Effect": "Deny",
                "Action": [
                    "iam:CreateUser",
                    "iam:CreateAccessKey",
                    "iam:CreateLoginProfile",
                    "iam:UpdateLoginProfile",
                ],
                "Resource": "*",
            },
            {
                # Closes the shortest escalation: create a broad project role, then become it.
                "Sid": "NoRoleHopping",
                "Effect": "Deny",
                "Action": "sts:AssumeRole",
                "Resource": "*",
            },
        ],
    }


def _trust_document(provider_arn: pulumi.Output[str], subject: str) -> pulumi.Output[str]:
    return provider_arn.apply(lambda arn: json.dumps(trust_policy(arn, subject)))


class GithubOidc(pulumi.ComponentResource):
    """The GitHub OIDC provider and, per hosted stack, its preview and deploy roles."""

    provider_arn: pulumi.Output[str]
    role_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: GithubOidcArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:bootstrap:GithubOidc", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        prefix = args.resource_prefix
        tags = dict(args.tags)

        if args.existing_provider_arn:
            self.provider_arn = pulumi.Output.from_input(args.existing_provider_arn)
        else:
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-provider",
                url=f"https://{GITHUB_OIDC_HOST}",
                client_id_lists=[AUDIENCE],
                tags=tags,
                opts=child,
            )
            self.provider_arn = provider.arn

        def document(build: Any) -> pulumi.Output[str]:
            return pulumi.Output.all(partition, account_id).apply(
                lambda values: json.dumps(build(values[0], values[1], prefix))
            )

        deploy_iam = aws.iam.Policy(
            f"{name}-deploy-iam",
            name=f"{prefix}-github-deploy-iam",
            description=f"IAM for resources named {prefix}-*, for the GitHub deploy roles.",
            policy=document(deploy_iam_policy),
            tags=tags,
            opts=child,
        )
        boundary = aws.iam.Policy(
            f"{name}-deploy-boundary",
            name=f"{prefix}-github-deploy-boundary",
            description="Permissions boundary of the GitHub deploy roles.",
            policy=document(deploy_boundary),
            tags=tags,
            opts=child,
        )

        self.role_arns = {}
        for role_name, subject in args.subjects().items():
            deploy = role_name.startswith("deploy")
            role = aws.iam.Role(
                f"{name}-{role_name}",
                name=f"{prefix}-github-{role_name}",
                description=f"GitHub Actions ({subject}).",
                assume_role_policy=_trust_document(self.provider_arn, subject),
                max_session_duration=DEPLOY_SESSION_SECONDS if deploy else 3600,
                permissions_boundary=boundary.arn if deploy else None,
                tags=tags,
                opts=child,
            )
            managed = ["PowerUserAccess"] if deploy else ["ReadOnlyAccess"]
            for policy in managed:
                aws.iam.RolePolicyAttachment(
                    f"{name}-{role_name}-{policy}",
                    role=role.name,
                    policy_arn=pulumi.Output.concat("arn:", partition, ":iam::aws:policy/", policy),
                    opts=child,
                )
            if deploy:
                aws.iam.RolePolicyAttachment(
                    f"{name}-{role_name}-iam",
                    role=role.name,
                    policy_arn=deploy_iam.arn,
                    opts=child,
                )
            self.role_arns[role_name] = role.arn

        self.register_outputs({"provider_arn": self.provider_arn, **self.role_arns})
