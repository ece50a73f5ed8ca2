"""The CI preview role inside the cluster: view everything but Secrets, read the Helm release
records where the program installs releases, and write nothing."""

from __future__ import annotations

from functools import cache

import pytest

from components.preview_access import PREVIEW_GROUP, RELEASE_READER_ROLE
from tools import plan as planner
from tools.mocks import Registration

PREVIEW_ROLE = "arn:aws:iam::111122223333:role/airflow-github-preview-prod"
VIEWER_ROLE = "arn:aws:iam::111122223333:role/oncall"
RELEASE = "kubernetes:helm.sh/v3:Release"
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection", "bind", "escalate", "*"}


@cache
def prod(preview: bool = True) -> list[Registration]:
    """The whole prod stack (cluster, chart, Prometheus stack), with or without a preview role."""
    overrides = {"airflow:eksViewerRoleArns": f'["{VIEWER_ROLE}"]'}
    if preview:
        overrides["airflow:eksPreviewRoleArns"] = f'["{PREVIEW_ROLE}"]'
    return planner.run("prod", overrides=overrides).registrations


def of_type(token: str, preview: bool = True) -> list[Registration]:
    return [r for r in prod(preview) if r.type == token]


def test_preview_role_gets_the_view_policy_and_the_preview_group() -> None:
    (cluster,) = of_type("eks:index:Cluster")
    entries = cluster.inputs["accessEntries"]
    preview, viewer = entries["preview-0"], entries["viewer-0"]
    assert preview["principalArn"] == PREVIEW_ROLE
    assert preview["kubernetesGroups"] == [PREVIEW_GROUP]
    (policy,) = preview["accessPolicies"].values()
    assert policy["policyArn"].endswith(":cluster-access-policy/AmazonEKSViewPolicy")
    assert policy["accessScope"] == {"type": "cluster"}
    assert "kubernetesGroups" not in viewer  # people who view do not read Secrets
    assert not PREVIEW_GROUP.startswith("system:")  # EKS refuses system: groups


def test_the_release_reader_role_only_reads_secrets() -> None:
    (role,) = of_type(CLUSTER_ROLE)
    assert role.inputs["metadata"]["name"] == RELEASE_READER_ROLE
    (rule,) = role.inputs["rules"]
    assert rule == {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}
    # Server-side dry runs would need create/patch, which RBAC cannot tell from real writes.
    granted = {
        v for r in of_type(CLUSTER_ROLE) for rule in r.inputs["rules"] for v in rule["verbs"]
    }
    assert not granted & WRITE_VERBS


def test_secrets_are_readable_exactly_where_helm_keeps_release_records() -> None:
    release_namespaces = {r.inputs["namespace"] for r in of_type(RELEASE)}
    assert release_namespaces == {"kube-system", "keda", "airflow", "monitoring"}
    bindings = of_type(ROLE_BINDING)
    assert {b.inputs["metadata"]["namespace"] for b in bindings} == release_namespaces
    for binding in bindings:
        assert binding.inputs["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": RELEASE_READER_ROLE,
        }
        assert binding.inputs["subjects"] == [
            {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": PREVIEW_GROUP}
        ]
    # Never cluster-wide: that would read every Secret of every namespace.
    assert of_type(CLUSTER_ROLE_BINDING) == []


def test_each_binding_waits_for_its_namespace() -> None:
    by_name = {r.name: r for r in prod()}
    keda = next(r for r in of_type(RELEASE) if r.inputs["namespace"] == "keda")
    airflow_ns = next(
        r
        for r in prod()
        if r.type == "kubernetes:core/v1:Namespace" and r.inputs["metadata"]["name"] == "airflow"
    )
    bindings = {b.inputs["metadata"]["namespace"]: b for b in of_type(ROLE_BINDING)}
    assert keda.urn in bindings["keda"].dependencies  # helm creates the keda namespace
    assert airflow_ns.urn in bindings["airflow"].dependencies
    reader = by_name["airflow-prod-cluster-helm-release-reader"]
    assert reader.urn in bindings["kube-system"].dependencies


@pytest.mark.parametrize("token", [CLUSTER_ROLE, ROLE_BINDING])
def test_nothing_is_granted_without_a_preview_role(token: str) -> None:
    assert of_type(token, preview=False) == []
