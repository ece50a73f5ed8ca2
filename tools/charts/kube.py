"""What the cluster would hold: rendered and declared objects, checked the way Kubernetes
checks them (schemas, selectors, NetworkPolicies, Pod Security, scheduling).

Each check returns a list of problems (one readable line each); an empty list passes.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from jsonschema.validators import Draft202012Validator

Obj = dict[str, Any]
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")
# How pulumi-kubernetes names a resource type: kubernetes:<group>/<version>:<Kind>.
_CORE = "core/"


# ----------------------------------------------------------------------- the objects


def program_objects(resources: Iterable[Mapping[str, Any]]) -> list[Obj]:
    """The Kubernetes objects the program declares itself (not through Helm), as manifests."""
    found = []
    for r in resources:
        token = r["type"]
        if not token.startswith("kubernetes:") or token.startswith("kubernetes:helm.sh/"):
            continue
        if token.startswith("kubernetes:index:"):  # the provider
            continue
        obj = {k: v for k, v in _plain(r["inputs"]).items() if not k.startswith("__")}
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


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
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


# ------------------------------------------------------------------------- selectors


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


# ------------------------------------------------------------------- schema validation


@functools.cache
def _kube_validator(kube_version: str, api_version: str, kind: str) -> Draft202012Validator | None:
    import importlib.resources

    from referencing import Registry, Resource

    group = (
        api_version.split("/", maxsplit=1)[0].split(".", maxsplit=1)[0]
        if "/" in api_version
        else ""
    )
    version = api_version.rsplit("/", maxsplit=1)[-1]
    file = f"{kind.lower()}-{group + '-' if group else ''}{version}.json"
    base = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    folder = base / f"v{kube_version}.0-local-strict"
    if not folder.is_dir():
        raise ValueError(
            f"kubernetes-validate has no schemas for Kubernetes {kube_version}: "
            "raise its pin in requirements-dev.txt"
        )
    schema_file = folder / file
    if not schema_file.is_file():
        return None
    schema = json.loads(schema_file.read_text())
    definitions = json.loads((folder / "_definitions.json").read_text())
    registry: Registry[Any] = Resource.from_contents(schema) @ Registry()
    registry = Resource.from_contents(definitions) @ registry
    return Draft202012Validator(schema, registry=registry)


def kube_schema_problems(obj: Obj, kube_version: str) -> list[str] | None:
    """Strict Kubernetes OpenAPI validation; None when Kubernetes has no schema for the kind
    (a custom resource)."""
    validator = _kube_validator(kube_version, obj.get("apiVersion", ""), obj.get("kind", ""))
    if validator is None:
        return None
    return [_error_line(obj, e) for e in validator.iter_errors(obj)]


def crd_schemas(objects: Iterable[Obj]) -> dict[tuple[str, str], Obj]:
    """(apiVersion, kind) -> openAPIV3Schema of every CustomResourceDefinition version."""
    found = {}
    for crd in objects:
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for v in spec.get("versions", []):
            schema = (v.get("schema") or {}).get("openAPIV3Schema")
            if schema:
                found[(f"{spec['group']}/{v['name']}", spec["names"]["kind"])] = schema
    return found


def _strict(schema: Any) -> Any:
    """A CRD's structural schema as the API server applies it with strict field validation:
    unknown fields are errors unless the schema preserves them."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if out.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    return out


@functools.cache
def _crd_validator(schema_json: str) -> jsonschema.Draft7Validator:
    schema = _strict(json.loads(schema_json))
    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
    for key in ("apiVersion", "kind"):
        schema["properties"].setdefault(key, {"type": "string"})
    return jsonschema.Draft7Validator(schema)


def crd_problems(obj: Obj, schemas: Mapping[tuple[str, str], Obj]) -> list[str]:
    schema = schemas.get((obj.get("apiVersion", ""), obj.get("kind", "")))
    if schema is None:
        return [f"{name_of(obj)}: no schema (Kubernetes or CRD) for {obj.get('apiVersion')}"]
    validator = _crd_validator(json.dumps(schema, sort_keys=True))
    return [_error_line(obj, e) for e in validator.iter_errors(obj)]


def _error_line(obj: Obj, error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{name_of(obj)}: {path}: {error.message[:300]}"


# ------------------------------------------------------------------- NetworkPolicies


def _policies_for(cluster: Cluster, pod: Pod) -> list[Obj]:
    return [
        p
        for p in cluster.of_kind("NetworkPolicy")
        if p["metadata"].get("namespace") == pod.namespace
        and "Ingress" in (p["spec"].get("policyTypes") or ["Ingress"])
        and selects(p["spec"].get("podSelector", {}), pod.labels)
    ]


def _peer_matches(cluster: Cluster, policy_ns: str, peer: Obj, source: Pod) -> bool:
    if "ipBlock" in peer:
        return False  # pod-to-pod traffic is judged by pod peers
    ns_sel = peer.get("namespaceSelector")
    if ns_sel is None:
        ns_ok = source.namespace == policy_ns
    else:
        ns_ok = selects(ns_sel, cluster.namespace_labels(source.namespace))
    pod_sel = peer.get("podSelector")
    return ns_ok and (pod_sel is None or selects(pod_sel, source.labels))


def _port_matches(rule_port: Obj, target: Pod, port: int) -> bool:
    wanted = rule_port.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, int):
        end = rule_port.get("endPort", wanted)
        return wanted <= port <= end
    for c in target.spec.get("containers", []):
        for p in c.get("ports") or []:
            if p.get("name") == wanted and p.get("containerPort") == port:
                return True
    return False


def reachable(cluster: Cluster, source: Pod, target: Pod, port: int) -> bool:
    """Whether NetworkPolicies let `source` open TCP `port` on `target` (ingress side)."""
    policies = _policies_for(cluster, target)
    if not policies:
        return True
    for policy in policies:
        for rule in policy["spec"].get("ingress") or []:
            peers = rule.get("from")
            if peers is not None and not any(
                _peer_matches(cluster, policy["metadata"]["namespace"], peer, source)
                for peer in peers
            ):
                continue
            ports = rule.get("ports")
            if ports is None or any(
                p.get("protocol", "TCP") == "TCP" and _port_matches(p, target, port) for p in ports
            ):
                return True
    return False


def dead_peers(cluster: Cluster) -> list[tuple[str, Obj]]:
    """NetworkPolicy peers (pod selectors) that match no pod: (policy name, peer)."""
    pods = cluster.pods()
    dead = []
    for policy in cluster.of_kind("NetworkPolicy"):
        ns = policy["metadata"].get("namespace", "")
        rules = [*(policy["spec"].get("ingress") or []), *(policy["spec"].get("egress") or [])]
        for rule in rules:
            for peer in [*(rule.get("from") or []), *(rule.get("to") or [])]:
                if "ipBlock" in peer:
                    continue
                if not any(_peer_matches(cluster, ns, peer, pod) for pod in pods):
                    dead.append((policy["metadata"]["name"], peer))
        if not any(
            p.namespace == ns and selects(policy["spec"].get("podSelector", {}), p.labels)
            for p in pods
        ):
            dead.append(
                (policy["metadata"]["name"], {"podSelector": policy["spec"].get("podSelector")})
            )
    return dead


# -------------------------------------------------------------------- Pod Security


RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def pod_security_restricted(pod: Pod) -> list[str]:
    """Pod Security Standard `restricted` (latest), as the admission controller checks it."""
    problems = []
    spec, psc = pod.spec, pod.spec.get("securityContext") or {}
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(host):
            problems.append(f"{pod.owner}: {host} is on")
    for volume in spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            problems.append(f"{pod.owner}: volume {volume['name']} is {sorted(kinds)}")
    for c in pod.containers():
        problems += [
            f"{pod.owner} container {c['name']}: {p}" for p in _container_restricted(c, psc)
        ]
    return problems


def _container_restricted(container: Obj, psc: Mapping[str, Any]) -> list[str]:
    csc = container.get("securityContext") or {}
    caps = csc.get("capabilities") or {}
    seccomp = (csc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
    problems = [
        *(["privileged"] if csc.get("privileged") else []),
        *(
            ["allowPrivilegeEscalation is not false"]
            if csc.get("allowPrivilegeEscalation") is not False
            else []
        ),
        *([] if "ALL" in (caps.get("drop") or []) else ["capabilities do not drop ALL"]),
        *(
            [f"adds capabilities {caps.get('add')}"]
            if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}
            else []
        ),
        *(
            []
            if csc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True
            else ["runAsNonRoot is not true"]
        ),
        *(["runs as user 0"] if csc.get("runAsUser", psc.get("runAsUser")) == 0 else []),
        *(
            []
            if seccomp in ("RuntimeDefault", "Localhost")
            else [f"seccompProfile is {seccomp or 'unset'}, not RuntimeDefault"]
        ),
    ]
    problems += [
        f"hostPort {p['hostPort']}" for p in container.get("ports") or [] if p.get("hostPort")
    ]
    return problems


# ------------------------------------------------------------------------ scheduling


@dataclass(frozen=True)
class NodeGroup:
    """What a pod sees of a managed node group: node labels and taints."""

    name: str
    labels: dict[str, str]
    taints: tuple[tuple[str, str, str], ...]
    """(key, value, effect) with Kubernetes effect names."""


AMI_ARCH = {"ARM_64": "arm64", "x86_64": "amd64"}
EFFECTS = {
    "NO_SCHEDULE": "NoSchedule",
    "NO_EXECUTE": "NoExecute",
    "PREFER_NO_SCHEDULE": "PreferNoSchedule",
}


def node_groups(resources: Iterable[Mapping[str, Any]]) -> list[NodeGroup]:
    """The managed node groups of a plan, with the labels EKS puts on their nodes."""
    groups = []
    for r in resources:
        if r["type"] != "aws:eks/nodeGroup:NodeGroup":
            continue
        i = r["inputs"]
        ami = i.get("amiType", "")
        arch = next((a for key, a in AMI_ARCH.items() if key in ami), "amd64")
        labels = {
            **(i.get("labels") or {}),
            "kubernetes.io/arch": arch,
            "kubernetes.io/os": "linux",
            "eks.amazonaws.com/capacityType": i.get("capacityType", "ON_DEMAND"),
        }
        taints = tuple(
            (t["key"], t.get("value", ""), EFFECTS.get(t["effect"], t["effect"]))
            for t in i.get("taints") or []
        )
        groups.append(NodeGroup(r["name"], labels, taints))
    return groups


def _tolerates(tolerations: list[Obj], taint: tuple[str, str, str]) -> bool:
    key, value, effect = taint
    for t in tolerations:
        if t.get("effect") and t["effect"] != effect:
            continue
        if t.get("operator") == "Exists" and (not t.get("key") or t["key"] == key):
            return True
        if (
            t.get("key") == key
            and t.get("operator", "Equal") == "Equal"
            and t.get("value", "") == value
        ):
            return True
    return False


def _affinity_ok(pod: Pod, labels: Mapping[str, str]) -> bool:
    required = (
        ((pod.spec.get("affinity") or {}).get("nodeAffinity") or {})
        .get("requiredDuringSchedulingIgnoredDuringExecution", {})
        .get("nodeSelectorTerms")
    )
    if not required:
        return True
    return any(
        selects({"matchExpressions": t.get("matchExpressions") or []}, labels) for t in required
    )


def fits(pod: Pod, group: NodeGroup) -> bool:
    selector = pod.spec.get("nodeSelector") or {}
    if any(group.labels.get(k) != v for k, v in selector.items()):
        return False
    if not _affinity_ok(pod, group.labels):
        return False
    tolerations = pod.spec.get("tolerations") or []
    return all(
        _tolerates(tolerations, t) for t in group.taints if t[2] in ("NoSchedule", "NoExecute")
    )


# ------------------------------------------------------------------ values declared


def undeclared_paths(
    values: Mapping[str, Any], defaults: Any, schema: Mapping[str, Any] | None
) -> list[tuple[str, ...]]:
    """Paths the program sets that neither the chart's values.yaml nor its schema declares.
    Below a key whose default is an empty map (annotations, nodeSelector) or whose schema is a
    free-form map (`additionalProperties`), any key is declared."""
    found: list[tuple[str, ...]] = []

    def free(default: Any, node: Mapping[str, Any] | None) -> bool:
        if node is not None and node.get("additionalProperties") not in (None, False):
            return True
        empty_default = not isinstance(default, Mapping) or not default
        return empty_default and (node is None or not node.get("properties"))

    def walk(value: Mapping[str, Any], default: Any, node: Any, path: tuple[str, ...]) -> None:
        node = node if isinstance(node, Mapping) else None
        if free(default, node):
            return
        props = (node or {}).get("properties") or {}
        for key, sub in value.items():
            in_default = isinstance(default, Mapping) and key in default
            if not in_default and key not in props:
                found.append((*path, key))
            elif isinstance(sub, Mapping):
                walk(sub, default[key] if in_default else None, props.get(key), (*path, key))

    walk(values, defaults, schema, ())
    return found


def deprecated_paths(
    values: Mapping[str, Any], schema: Mapping[str, Any] | None
) -> list[tuple[str, str]]:
    """Paths the program sets that the chart's schema marks deprecated (its descriptions say
    "(deprecated, use `...` instead)"), each with that description. A deprecated key is still
    read, so the ignored-key check cannot see it; the next chart release drops it."""
    found: list[tuple[str, str]] = []

    def walk(value: Mapping[str, Any], node: Any, path: tuple[str, ...]) -> None:
        props = node.get("properties") if isinstance(node, Mapping) else None
        for key, sub in value.items():
            child = (props or {}).get(key)
            if not isinstance(child, Mapping):
                continue
            description = str(child.get("description") or "")
            if "deprecated" in description.lower():
                found.append((".".join((*path, key)), description))
            elif isinstance(sub, Mapping):
                walk(sub, child, (*path, key))

    walk(values, schema, ())
    return found


def without(values: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    out = copy.deepcopy(dict(values))
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out
