"""The IAM rules (policy/rules/iam.py): wildcards, trust policies, broad managed policies."""

from __future__ import annotations

from policy_cases import (
    GITHUB_TRUST,
    SERVICE_TRUST,
    UNKNOWN,
    PolicyTable,
    Resources,
    attach,
    doc,
    res,
    role,
)

from policy.rules import iam

BAD: list[tuple[str, Resources, str]] = [
    (
        "iam-no-wildcard-actions",
        [
            res(
                "aws:iam/policy:Policy",
                "policy",
                policy=doc({"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}),
            )
        ],
        "policy",
    ),
    (
        "iam-no-wildcard-actions",
        [
            role(
                SERVICE_TRUST,
                inlinePolicies=[
                    {
                        "name": "all",
                        "policy": doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
                    }
                ],
            )
        ],
        "role",
    ),
    (
        "iam-no-wildcard-actions",
        [
            res(
                "aws:iam/rolePolicy:RolePolicy",
                "inline",
                role="r",
                policy=doc(
                    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, as_json=False
                ),
            )
        ],
        "inline",
    ),
    (
        "iam-trust-policy-scoped",
        [role({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})],
        "role",
    ),
    (
        "iam-trust-policy-scoped",
        [role({**GITHUB_TRUST, "Condition": {"StringEquals": {"x:aud": "sts.amazonaws.com"}}})],
        "role",
    ),
    (
        "iam-no-admin-managed-policies",
        [attach("arn:aws:iam::aws:policy/AdministratorAccess")],
        "attach",
    ),
    (
        "iam-no-admin-managed-policies",
        [attach("arn:aws:iam::aws:policy/AmazonS3FullAccess")],
        "attach",
    ),
]

GOOD: dict[str, Resources] = {
    "iam-no-wildcard-actions": [
        res(
            "aws:iam/policy:Policy",
            "policy",
            policy=doc(
                {"Effect": "Allow", "Action": ["s3:GetObject*", "s3:List*"], "Resource": "*"},
                {"Effect": "Deny", "Action": "*", "Resource": "*"},
            ),
        )
    ],
    "iam-trust-policy-scoped": [role(GITHUB_TRUST), role(SERVICE_TRUST)],
    "iam-no-admin-managed-policies": [
        attach("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"),
        attach("arn:aws:iam::aws:policy/ReadOnlyAccess"),
    ],
}

# Values unknown during preview must never produce a finding.
UNKNOWNS: list[tuple[str, Resources]] = [
    ("iam-no-wildcard-actions", [res("aws:iam/policy:Policy", "p", policy=UNKNOWN)]),
    ("iam-no-admin-managed-policies", [attach(UNKNOWN)]),
]


class TestIam(PolicyTable):
    module, bad, good, unknowns = iam, BAD, GOOD, UNKNOWNS
