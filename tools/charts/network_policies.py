"""NetworkPolicies as the cluster enforces them: which peers match a pod, which ports are
reachable (ingress side)."""

from __future__ import annotations

from tools.charts.objects import Cluster, Obj, Pod, selects


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


def _port_matches(rule_port: Obj, target: Pod, port: int, protocol: str) -> bool:
    if rule_port.get("protocol", "TCP") != protocol:
        return False
    wanted = rule_port.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, int):
        end = rule_port.get("endPort", wanted)
        return wanted <= port <= end
    for c in target.spec.get("containers", []):
        for p in c.get("ports") or []:
            if (
                p.get("name") == wanted
                and p.get("containerPort") == port
                and p.get("protocol", "TCP") == protocol
            ):
                return True
    return False


def reachable(cluster: Cluster, source: Pod, target: Pod, port: int, protocol: str = "TCP") -> bool:
    """Whether NetworkPolicies let `source` reach `port` (TCP, UDP or SCTP) on `target`
    (ingress side)."""
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
            if ports is None or any(_port_matches(p, target, port, protocol) for p in ports):
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
