"""Rules for IAM: no wildcard grants, scoped trust policies, no broad managed policies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from .base import (
    Policy,
    Resource,
    as_list,
    condition_keys,
    dig,
    inputs_of,
    is_unknown,
    policy_document,
    principal_is_public,
    resource_rule,
    statements,
)

_SERVICE_WILDCARD = re.compile(r"^[a-z0-9-]+:\*$", re.IGNORECASE)
_IAM_DOCUMENTS = frozenset(
    {
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
        "aws:iam/role:Role",
    }
)
_IAM_ATTACHMENTS = frozenset(
    {
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
        "aws:iam/role:Role",
    }
)


def _documents(resource: Resource) -> list[Any]:
    inputs = inputs_of(resource)
    if resource.get("type") == "aws:iam/role:Role":
        inline = dig(inputs, "inlinePolicies")
        return [dig(p, "policy") for p in as_list(inline) if isinstance(p, Mapping)]
    return [dig(inputs, "policy")]


def check_iam_wildcards(resource: Resource) -> list[str]:
    messages = []
    for raw in _documents(resource):
        document = policy_document(raw)
        if not isinstance(document, Mapping):
            continue
        for statement in statements(document):
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                messages.append("an Allow statement uses NotAction: it grants almost everything")
            broad = [
                a
                for a in as_list(statement.get("Action"))
                if isinstance(a, str) and (a == "*" or _SERVICE_WILDCARD.match(a))
            ]
            if broad:
                messages.append(f"an Allow statement grants {', '.join(broad)}")
    return messages


def check_trust_policy(resource: Resource) -> list[str]:
    document = policy_document(dig(inputs_of(resource), "assumeRolePolicy"))
    if not isinstance(document, Mapping):
        return []
    messages = []
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal_is_public(principal):
            messages.append("the trust policy lets any principal assume the role")
        web_identity = "sts:AssumeRoleWithWebIdentity" in as_list(statement.get("Action"))
        federated = isinstance(principal, Mapping) and "Federated" in principal
        if web_identity and federated:
            keys = condition_keys(statement)
            if not any(k.endswith(":sub") for k in keys):
                messages.append("a web-identity trust has no condition on the token's sub claim")
    return messages


_ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess")


def _is_admin_policy(arn: object) -> bool:
    if not isinstance(arn, str) or is_unknown(arn):
        return False
    name = arn.rsplit("/", 1)[-1]
    return name in _ADMIN_POLICIES or name.endswith("FullAccess")


def check_admin_attachments(resource: Resource) -> list[str]:
    inputs = inputs_of(resource)
    if resource.get("type") == "aws:iam/role:Role":
        arns = as_list(dig(inputs, "managedPolicyArns"))
    else:
        arns = [dig(inputs, "policyArn")]
    return [f"attaches the broad managed policy {arn}" for arn in arns if _is_admin_policy(arn)]


POLICIES: Final[tuple[Policy, ...]] = (
    resource_rule(
        "iam-no-wildcard-actions",
        "mandatory",
        _IAM_DOCUMENTS,
        check_iam_wildcards,
        "IAM policies allow no '*' or 'service:*' action and no NotAction.",
    ),
    resource_rule(
        "iam-trust-policy-scoped",
        "mandatory",
        ["aws:iam/role:Role"],
        check_trust_policy,
        "Role trust policies name their principals; web-identity trusts pin the sub claim.",
    ),
    resource_rule(
        "iam-no-admin-managed-policies",
        "mandatory",
        _IAM_ATTACHMENTS,
        check_admin_attachments,
        "No AdministratorAccess, PowerUserAccess or *FullAccess managed policy is attached.",
    ),
)
