"""NetworkPolicy specs the program adds beside the Airflow chart's own (policies add up)."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi_kubernetes as k8s


def ingress_policy(
    component: str, port: int, peer: Mapping[str, str], release: str
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """NetworkPolicy spec: the release's Airflow pods labelled `peer` (all of them when empty)
    may open `port` (TCP) on its `component` pods."""
    airflow = {"tier": "airflow", "release": release}
    net = k8s.networking.v1
    return net.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(
            match_labels={**airflow, "component": component}
        ),
        policy_types=["Ingress"],
        ingress=[
            net.NetworkPolicyIngressRuleArgs(
                from_=[
                    net.NetworkPolicyPeerArgs(
                        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={**airflow, **peer})
                    )
                ],
                ports=[net.NetworkPolicyPortArgs(protocol="TCP", port=port)],
            )
        ],
    )
