"""Rules for the EKS cluster and the EC2 nodes under it: a private, logged, encrypted control
plane reached through access entries, and nodes that require IMDSv2."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from .base import (
    OPEN_CIDRS,
    UNKNOWN,
    Policy,
    Resource,
    as_list,
    dig,
    inputs_of,
    is_set,
    resource_rule,
)

EKS_LOG_TYPES: Final = ("api", "audit", "authenticator", "controllerManager", "scheduler")
EKS_COMPONENT: Final = "eks:index:Cluster"
EKS_CLUSTER: Final = "aws:eks/cluster:Cluster"
_EKS = frozenset({EKS_COMPONENT, EKS_CLUSTER})


def _eks(resource: Resource, component: Sequence[str], cluster: Sequence[str]) -> Any:
    path = component if resource.get("type") == EKS_COMPONENT else cluster
    return dig(inputs_of(resource), *path)


def check_eks_endpoint(resource: Resource) -> list[str]:
    messages = []
    private = _eks(resource, ["endpointPrivateAccess"], ["vpcConfig", "endpointPrivateAccess"])
    if private is not UNKNOWN and private is not True:
        messages.append("endpointPrivateAccess is not true")
    public = _eks(resource, ["endpointPublicAccess"], ["vpcConfig", "endpointPublicAccess"])
    if public is UNKNOWN or public is False:
        return messages
    cidrs = _eks(resource, ["publicAccessCidrs"], ["vpcConfig", "publicAccessCidrs"])
    if cidrs is UNKNOWN:
        return messages
    # Public access defaults to on, and publicAccessCidrs to 0.0.0.0/0.
    if not cidrs or OPEN_CIDRS & set(as_list(cidrs)):
        messages.append("the public endpoint is open to the internet: restrict publicAccessCidrs")
    return messages


def check_eks_logs(resource: Resource) -> list[str]:
    types = dig(inputs_of(resource), "enabledClusterLogTypes")
    if types is UNKNOWN:
        return []
    missing = [t for t in EKS_LOG_TYPES if t not in as_list(types)]
    return [f"control-plane logs off: {', '.join(missing)}"] if missing else []


def check_eks_secrets_encryption(resource: Resource) -> list[str]:
    key = _eks(resource, ["encryptionConfigKeyArn"], ["encryptionConfig", "provider", "keyArn"])
    return [] if is_set(key) else ["Kubernetes secrets are not encrypted with a KMS key"]


def check_eks_access_entries(resource: Resource) -> list[str]:
    mode = _eks(resource, ["authenticationMode"], ["accessConfig", "authenticationMode"])
    if mode is UNKNOWN or mode == "API":
        return []
    return [f"authenticationMode is {mode!r}, not 'API' (access entries only, no aws-auth)"]


def check_imdsv2(resource: Resource) -> list[str]:
    tokens = dig(inputs_of(resource), "metadataOptions", "httpTokens")
    if tokens is UNKNOWN or tokens == "required":
        return []
    return [f"metadataOptions.httpTokens is {tokens!r}, not 'required' (IMDSv2)"]


POLICIES: Final[tuple[Policy, ...]] = (
    resource_rule(
        "eks-private-endpoint",
        "mandatory",
        _EKS,
        check_eks_endpoint,
        "The EKS API has a private endpoint; a public one is off or CIDR-restricted.",
    ),
    resource_rule(
        "eks-control-plane-logs",
        "mandatory",
        _EKS,
        check_eks_logs,
        "EKS sends all five control-plane log types to CloudWatch.",
    ),
    resource_rule(
        "eks-secrets-encryption",
        "mandatory",
        _EKS,
        check_eks_secrets_encryption,
        "EKS encrypts Kubernetes secrets with a KMS key.",
    ),
    resource_rule(
        "eks-access-entries",
        "mandatory",
        _EKS,
        check_eks_access_entries,
        "EKS uses access entries only (authenticationMode API).",
    ),
    resource_rule(
        "ec2-imdsv2",
        "mandatory",
        ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"],
        check_imdsv2,
        "Instances and launch templates require IMDSv2 tokens.",
    ),
)
