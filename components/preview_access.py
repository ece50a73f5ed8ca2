"""What the CI preview role may read inside the EKS cluster, and nothing more.

`pulumi preview` of this program reads two things in the cluster:

- Kubernetes objects, to diff them: the EKS access policy AmazonEKSViewPolicy (cluster
  scope) reads them, like Kubernetes' `view` role, but not Secrets.
- Helm release records, to preview each `helm.v3.Release` as an upgrade of what is installed:
  Helm 3 keeps them as Secrets (`sh.helm.release.v1.<release>.v<n>`, type
  `helm.sh/release.v1`) in the release's namespace and lists them by label, so get/list/watch
  on Secrets there is needed. RBAC cannot narrow a list by label or type, so the grant is
  per namespace: exactly the namespaces the program installs Helm releases into.

No create or patch: pulumi-kubernetes' server-side-apply previews are dry-run PATCH requests,
which Kubernetes authorizes as real writes, and the preview role runs pull-request code. When
such a dry run is refused, the provider previews client-side (a diff of inputs against state).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

PREVIEW_GROUP = "airflow:preview"
"""Kubernetes group of the preview roles' access entries (eksPreviewRoleArns)."""
RELEASE_READER_ROLE = "airflow-helm-release-reader"
"""ClusterRole reading Secrets, granted only per namespace through RoleBindings."""
READ_VERBS = ("get", "list", "watch")


def release_reader_role(name: str, opts: pulumi.ResourceOptions) -> k8s.rbac.v1.ClusterRole:
    """The ClusterRole that reads Secrets; it grants nothing until a RoleBinding uses it."""
    return k8s.rbac.v1.ClusterRole(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=RELEASE_READER_ROLE, labels={"app.kubernetes.io/part-of": "airflow"}
        ),
        rules=[
            k8s.rbac.v1.PolicyRuleArgs(
                api_groups=[""], resources=["secrets"], verbs=list(READ_VERBS)
            )
        ],
        opts=opts,
    )


def release_reader_binding(
    name: str, namespace: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> k8s.rbac.v1.RoleBinding:
    """Let the preview group read the Helm release records of one namespace."""
    return k8s.rbac.v1.RoleBinding(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name="airflow-preview-helm-releases", namespace=namespace
        ),
        role_ref=k8s.rbac.v1.RoleRefArgs(
            api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=RELEASE_READER_ROLE
        ),
        subjects=[
            k8s.rbac.v1.SubjectArgs(
                kind="Group", api_group="rbac.authorization.k8s.io", name=PREVIEW_GROUP
            )
        ],
        opts=opts,
    )
