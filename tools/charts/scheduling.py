"""Scheduling: the managed node groups of a plan and whether a pod fits one (node selector,
required node affinity, taints and tolerations)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tools.charts.objects import Obj, Pod, selects


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
