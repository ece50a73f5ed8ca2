"""The Kubernetes rules (policy/rules/kubernetes.py): the EKS control plane and IMDSv2 on nodes."""

from __future__ import annotations

from policy_cases import UNKNOWN, PolicyTable, Resources, aws_eks, eks, res

from policy.rules import kubernetes

BAD: list[tuple[str, Resources, str]] = [
    ("eks-private-endpoint", [eks(endpointPrivateAccess=False)], "cluster"),
    ("eks-private-endpoint", [eks(endpointPublicAccess=True)], "cluster"),
    (
        "eks-private-endpoint",
        [eks(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"])],
        "cluster",
    ),
    (
        "eks-private-endpoint",
        [aws_eks(vpcConfig={"endpointPrivateAccess": True})],
        "cluster-eksCluster",
    ),
    ("eks-control-plane-logs", [eks(enabledClusterLogTypes=["api", "audit"])], "cluster"),
    ("eks-secrets-encryption", [eks(encryptionConfigKeyArn=None)], "cluster"),
    ("eks-secrets-encryption", [aws_eks(encryptionConfig=None)], "cluster-eksCluster"),
    ("eks-access-entries", [eks(authenticationMode="CONFIG_MAP")], "cluster"),
    (
        "ec2-imdsv2",
        [
            res(
                "aws:ec2/launchTemplate:LaunchTemplate",
                "nodes",
                metadataOptions={"httpTokens": "optional"},
            )
        ],
        "nodes",
    ),
    ("ec2-imdsv2", [res("aws:ec2/launchTemplate:LaunchTemplate", "nodes")], "nodes"),
]

GOOD: dict[str, Resources] = {
    "eks-private-endpoint": [
        eks(),
        eks(endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24"]),
        aws_eks(),
    ],
    "eks-control-plane-logs": [eks(), aws_eks()],
    "eks-secrets-encryption": [eks(), aws_eks()],
    "eks-access-entries": [eks(), aws_eks()],
    "ec2-imdsv2": [
        res(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "nodes",
            metadataOptions={"httpTokens": "required", "httpPutResponseHopLimit": 2.0},
        )
    ],
}

# Values unknown during preview must never produce a finding.
UNKNOWNS: list[tuple[str, Resources]] = [
    ("eks-private-endpoint", [eks(endpointPublicAccess=True, publicAccessCidrs=UNKNOWN)]),
    (
        "eks-control-plane-logs",
        [eks(enabledClusterLogTypes="6a19a0b0-7e62-4c92-b797-7f8e31da9cc2")],
    ),
    ("eks-access-entries", [eks(authenticationMode=UNKNOWN)]),
    ("ec2-imdsv2", [res("aws:ec2/launchTemplate:LaunchTemplate", "lt", metadataOptions=UNKNOWN)]),
]


class TestKubernetes(PolicyTable):
    module, bad, good, unknowns = kubernetes, BAD, GOOD, UNKNOWNS
