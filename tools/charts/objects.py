"""What the cluster would hold: the objects a plan declares and Helm renders, the pods
they run, and label selectors as Kubernetes evaluates them."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")
# How pulumi-kubernetes names a resource type: kubernetes:<group>/<version>:<Kind>.
_CORE = "core/"


def program_objects(resources: Iterable[Mapping[str, Any]]) -> list[Obj]:
    """The Kubernetes objects the program declares itself (not through Helm), as manifests."""
    found = []
    for r in resources:
        token = r["type"]
        if not token.startswith("kubernetes:") or token.startswith("kubernetes:helm.sh/"):
            continue
        if token.startswith("kubernetes:index:"):  # the provider
            continue
        obj = {k: v for k, v in plain(r["inputs"]).items() if not k.startswith("__")}
        group_version, kind = token.split(":")[1], token.split(":")[2]
        obj.setdefault("kind", kind)
        obj.setdefault(
            "apiVersion",
            group_version[len(_CORE) :] if group_version.startswith(_CORE) else group_version,
        )
        found.append(obj)
    return found


CLUSTER_SCOPED = {
    "APIService",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "PersistentVolume",
    "PriorityClass",
    "StorageClass",
    "ValidatingWebhookConfiguration",
}


def placed(objects: Iterable[Obj], namespace: str) -> list[Obj]:
    """Rendered objects as Helm installs them: namespaced ones without a namespace go to the
    release's."""
    out = []
    for o in objects:
        meta = o.get("metadata", {})
        if o.get("kind") not in CLUSTER_SCOPED and not meta.get("namespace"):
            out.append({**o, "metadata": {**meta, "namespace": namespace}})
        else:
            out.append(o)
    return out


def plain(value: Any) -> Any:
    """Engine values as Kubernetes and Helm read them: whole numbers arrive as floats
    (protobuf Struct)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def name_of(obj: Obj) -> str:
    meta = obj.get("metadata", {})
    return f"{obj.get('kind')} {meta.get('namespace', '')}/{meta.get('name')}".replace(" /", " ")


@dataclass
class Pod:
    """A pod a workload (or a known controller) runs: where, labels, spec."""

    owner: str
    namespace: str
    labels: dict[str, str]
    spec: Obj
    daemon: bool = False

    def containers(self) -> list[Obj]:
        s = self.spec
        return [*s.get("initContainers", []), *s.get("containers", [])]


@dataclass
class Cluster:
    """Everything one namespace-aware check needs, from renders plus the program's objects."""

    objects: list[Obj]
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    """Namespace name -> labels (with kubernetes.io/metadata.name, as the API server adds)."""
    extra_pods: list[Pod] = field(default_factory=list)
    """Pods known controllers create from custom resources (Prometheus, Alertmanager)."""

    def of_kind(self, kind: str) -> list[Obj]:
        return [o for o in self.objects if o.get("kind") == kind]

    def pods(self) -> list[Pod]:
        pods = []
        for o in self.objects:
            if o.get("kind") not in WORKLOADS:
                continue
            template = o["spec"]["template"]
            pods.append(
                Pod(
                    owner=name_of(o),
                    namespace=o["metadata"].get("namespace", ""),
                    labels=dict(template.get("metadata", {}).get("labels") or {}),
                    spec=template["spec"],
                    daemon=o["kind"] == "DaemonSet",
                )
            )
        return pods + self.extra_pods

    def namespace_labels(self, namespace: str) -> dict[str, str]:
        return {
            **self.namespaces.get(namespace, {}),
            "kubernetes.io/metadata.name": namespace,
        }


def operator_pods(objects: Iterable[Obj]) -> list[Pod]:
    """Pods the Prometheus operator runs for Prometheus and Alertmanager resources (its
    StatefulSets label them app.kubernetes.io/name=<kind lower-case>, <kind>=<name>)."""
    pods = []
    for o in objects:
        kind = o.get("kind")
        if kind not in ("Prometheus", "Alertmanager") or not o.get("apiVersion", "").startswith(
            "monitoring.coreos.com/"
        ):
            continue
        spec = o["spec"]
        labels = {
            "app.kubernetes.io/name": kind.lower(),
            "app.kubernetes.io/managed-by": "prometheus-operator",
            "app.kubernetes.io/instance": o["metadata"]["name"],
            kind.lower(): o["metadata"]["name"],
            **(spec.get("podMetadata", {}).get("labels") or {}),
        }
        pod_spec = {
            "containers": [{"name": kind.lower(), "securityContext": {}}],
            "nodeSelector": spec.get("nodeSelector") or {},
            "tolerations": spec.get("tolerations") or [],
            "affinity": spec.get("affinity") or {},
            "securityContext": spec.get("securityContext") or {},
        }
        pods.append(
            Pod(f"{kind} {o['metadata']['name']}", o["metadata"]["namespace"], labels, pod_spec)
        )
    return pods


def _expression_holds(expr: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, op, values = expr["key"], expr["operator"], expr.get("values") or []
    checks = {
        "In": lambda: key in labels and labels[key] in values,
        "NotIn": lambda: key not in labels or labels[key] not in values,
        "Exists": lambda: key in labels,
        "DoesNotExist": lambda: key not in labels,
    }
    return bool(checks[op]())


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A LabelSelector against labels (empty selects everything, None nothing)."""
    if selector is None:
        return False
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items()) and all(
        _expression_holds(e, labels) for e in selector.get("matchExpressions") or []
    )


# ------------------------------------------------------------------ generated at render

GENERATED = "<generated at render>"
_TLS_KEYS = ("tls.crt", "tls.key", "ca.crt")


def without_generated(objects: Iterable[Obj]) -> list[Obj]:
    """Renders with what a chart generates anew each time (self-signed webhook certificates:
    TLS Secret data, caBundle) replaced by a marker, so that two renders of the same values
    compare equal and a values key that changes nothing is seen as ignored."""
    out = []
    for original in objects:
        o = copy.deepcopy(original)
        kind = o.get("kind")
        if kind == "Secret":
            data = o.get("data") or {}
            for key in _TLS_KEYS:
                if key in data:
                    data[key] = GENERATED
        elif kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
            for hook in o.get("webhooks") or []:
                if "caBundle" in (hook.get("clientConfig") or {}):
                    hook["clientConfig"]["caBundle"] = GENERATED
        elif kind == "APIService" and "caBundle" in (o.get("spec") or {}):
            o["spec"]["caBundle"] = GENERATED
        out.append(o)
    return out
