"""Who gets into the EKS cluster: admins, and viewers (people and the CI preview role) with
AmazonEKSViewPolicy only. Nothing in the program grants Secrets to anyone through RBAC."""

from __future__ import annotations

from functools import cache
from typing import Any

from tools import plan as planner
from tools.mocks import Registration

PREVIEW_ROLE = "arn:aws:iam::111122223333:role/airflow-github-preview-prod"
ADMIN_ROLE = "arn:aws:iam::111122223333:role/platform-admin"
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"


@cache
def prod() -> list[Registration]:
    """The whole prod stack (cluster, chart, Prometheus stack) with the preview role viewing."""
    overrides = {
        "airflow:eksViewerRoleArns": f'["{PREVIEW_ROLE}"]',
        "airflow:eksAdminRoleArns": f'["{ADMIN_ROLE}"]',
    }
    return planner.run("prod", overrides=overrides).registrations


def test_the_preview_role_gets_the_view_policy_and_no_kubernetes_group() -> None:
    (cluster,) = [r for r in prod() if r.type == "eks:index:Cluster"]
    entries = cluster.inputs["accessEntries"]
    assert set(entries) == {"admin-0", "viewer-0"}
    viewer = entries["viewer-0"]
    assert viewer["principalArn"] == PREVIEW_ROLE
    (policy,) = viewer["accessPolicies"].values()
    assert policy["policyArn"].endswith(":cluster-access-policy/AmazonEKSViewPolicy")
    assert policy["accessScope"] == {"type": "cluster"}
    # A Kubernetes group would be the only way RBAC bindings could grant it more.
    assert not viewer.get("kubernetesGroups")
    (admin,) = entries["admin-0"]["accessPolicies"].values()
    assert admin["policyArn"].endswith(":cluster-access-policy/AmazonEKSClusterAdminPolicy")


def _rules(registration: Registration) -> list[dict[str, Any]]:
    return list(registration.inputs.get("rules") or [])


def test_no_rbac_object_of_the_program_grants_secrets() -> None:
    roles = [r for r in prod() if r.type in (f"{RBAC}ClusterRole", f"{RBAC}Role")]
    on_secrets = [
        r.name
        for r in roles
        for rule in _rules(r)
        if {"secrets", "*"} & set(rule.get("resources") or [])
    ]
    assert on_secrets == []
    # Nothing binds the (cluster-wide) view access further either.
    bindings = [r for r in prod() if r.type in (f"{RBAC}ClusterRoleBinding", f"{RBAC}RoleBinding")]
    subjects = [s for b in bindings for s in b.inputs.get("subjects") or []]
    assert not [s for s in subjects if s.get("kind") == "Group"]
