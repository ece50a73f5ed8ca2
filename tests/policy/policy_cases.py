"""Sample resources for the baseline's tests, compliant unless a test overrides a field, and
the table every rule module's tests fill in (`PolicyTable`): bad cases, good cases, unknowns."""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import ModuleType
from typing import Any, ClassVar

import pytest

from policy.rules import registry, tagging
from policy.rules.base import Finding
from policy.rules.kubernetes import EKS_LOG_TYPES
from policy.rules.mwaa import MWAA_LOGS

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN
TAGS = dict.fromkeys(tagging.REQUIRED_TAGS, "x")


def res(kind: str, name: str, **inputs: Any) -> dict[str, Any]:
    return {"type": kind, "name": name, "inputs": inputs}


def doc(*statements: dict[str, Any], as_json: bool = True) -> Any:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return json.dumps(document) if as_json else document


def findings(policy: str, resources: list[dict[str, Any]]) -> list[Finding]:
    return [f for f in registry.evaluate(resources) if f.policy == policy]


# --- S3: a bucket and its five companions ---------------------------------------------------

TLS_DENY = {
    "Sid": "DenyPlainHttp",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::acme-dags", "arn:aws:s3:::acme-dags/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def bucket_set(**replace: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A compliant bucket; `replace` swaps (dict) or drops (None) a companion by role."""
    companions = {
        "versioning": res(
            "aws:s3/bucketVersioning:BucketVersioning",
            "dags-versioning",
            bucket="acme-dags",
            versioningConfiguration={"status": "Enabled"},
        ),
        "public": res(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "dags-public-access",
            bucket="acme-dags",
            blockPublicAcls=True,
            blockPublicPolicy=True,
            ignorePublicAcls=True,
            restrictPublicBuckets=True,
        ),
        "sse": res(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "dags-encryption",
            bucket="acme-dags",
            rules=[
                {
                    "applyServerSideEncryptionByDefault": {
                        "sseAlgorithm": "aws:kms",
                        "kmsMasterKeyId": "arn:aws:kms:eu-west-1:111122223333:key/abc",
                    },
                    "bucketKeyEnabled": True,
                }
            ],
        ),
        "policy": res(
            "aws:s3/bucketPolicy:BucketPolicy",
            "dags-policy",
            bucket="acme-dags",
            policy=doc(TLS_DENY),
        ),
        "lifecycle": res(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "dags-lifecycle",
            bucket="acme-dags",
            rules=[{"id": "old-versions", "status": "Enabled"}],
        ),
    }
    for role, replacement in replace.items():
        if replacement is None:
            del companions[role]
        else:
            companions[role] = replacement
    bucket = res("aws:s3/bucket:Bucket", "dags", bucket="acme-dags", tags=TAGS)
    return [bucket, *companions.values()]


def pab(**flags: Any) -> dict[str, Any]:
    values = dict.fromkeys(
        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
    )
    return res(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "dags-public-access",
        bucket="acme-dags",
        **{**values, **flags},
    )


# --- resources that are good unless a test overrides a field --------------------------------

KEY_POLICY = doc(
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*"}
)


def kms_key(**over: Any) -> dict[str, Any]:
    return res(
        "aws:kms/key:Key", "key", **{"enableKeyRotation": True, "policy": KEY_POLICY, **over}
    )


def topic(**over: Any) -> dict[str, Any]:
    return res("aws:sns/topic:Topic", "alerts", **{"kmsMasterKeyId": "alias/alerts", **over})


def log_group(**over: Any) -> dict[str, Any]:
    inputs = {"kmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/abc", "retentionInDays": 30}
    return res("aws:cloudwatch/logGroup:LogGroup", "logs", **{**inputs, **over})


def database(**over: Any) -> dict[str, Any]:
    inputs = {
        "storageEncrypted": True,
        "publiclyAccessible": False,
        "multiAz": True,
        "backupRetentionPeriod": 7,
        "deletionProtection": True,
        "skipFinalSnapshot": False,
        "finalSnapshotIdentifier": "airflow-final",
    }
    return res("aws:rds/instance:Instance", "db", **{**inputs, **over})


def redis(**over: Any) -> dict[str, Any]:
    inputs = {
        "atRestEncryptionEnabled": True,
        "transitEncryptionEnabled": True,
        "authToken": "secret",
        "automaticFailoverEnabled": True,
    }
    return res("aws:elasticache/replicationGroup:ReplicationGroup", "redis", **{**inputs, **over})


def eks(**over: Any) -> dict[str, Any]:
    inputs = {
        "endpointPrivateAccess": True,
        "endpointPublicAccess": False,
        "enabledClusterLogTypes": list(EKS_LOG_TYPES),
        "encryptionConfigKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/abc",
        "authenticationMode": "API",
    }
    return res("eks:index:Cluster", "cluster", **{**inputs, **over})


def aws_eks(**over: Any) -> dict[str, Any]:
    inputs = {
        "vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False},
        "enabledClusterLogTypes": list(EKS_LOG_TYPES),
        "encryptionConfig": {"provider": {"keyArn": "arn:k"}, "resources": ["secrets"]},
        "accessConfig": {"authenticationMode": "API"},
    }
    return res("aws:eks/cluster:Cluster", "cluster-eksCluster", **{**inputs, **over})


def mwaa(**over: Any) -> dict[str, Any]:
    logs = {name: {"enabled": True, "logLevel": "INFO"} for name in MWAA_LOGS}
    inputs = {
        "webserverAccessMode": "PRIVATE_ONLY",
        "kmsKey": "arn:k",
        "loggingConfiguration": logs,
    }
    return res("aws:mwaa/environment:Environment", "airflow", **{**inputs, **over})


def mwaa_log_off(name: str) -> dict[str, Any]:
    logs = {log: {"enabled": log != name, "logLevel": "INFO"} for log in MWAA_LOGS}
    return mwaa(loggingConfiguration=logs)


GITHUB_TRUST = {
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/x"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"x:aud": "sts.amazonaws.com", "x:sub": "repo:o/r:pull_request"}},
}
SERVICE_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": "airflow.amazonaws.com"},
    "Action": "sts:AssumeRole",
}


def role(trust: dict[str, Any], **over: Any) -> dict[str, Any]:
    return res("aws:iam/role:Role", "role", **{"assumeRolePolicy": doc(trust), **over})


def attach(arn: str) -> dict[str, Any]:
    return res(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attach", role="r", policyArn=arn
    )


def ingress_rule(cidr: str, port: int, protocol: str = "tcp") -> dict[str, Any]:
    return res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "ingress",
        securityGroupId="sg-1",
        ipProtocol=protocol,
        fromPort=float(port),
        toPort=float(port),
        cidrIpv4=cidr,
    )


VPC = res("aws:ec2/vpc:Vpc", "vpc", cidrBlock="10.0.0.0/16", tags=TAGS)
VPC_ID = {"id": "vpc-0abc", **VPC}
CLOSED_DEFAULT_SG = res(
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "vpc-default-sg", vpcId="vpc-0abc"
)
FLOW_LOG = {
    **res("aws:ec2/flowLog:FlowLog", "vpc-flow-log", vpcId=UNKNOWN, trafficType="ALL"),
    "propertyDependencies": {"vpcId": ["vpc"]},
}
PROVIDER = res(
    "pulumi:providers:aws",
    "aws",
    region="eu-west-1",
    defaultTags=json.dumps({"tags": {k: "x" for k in tagging.REQUIRED_TAGS if k != "CostCenter"}}),
)


def tagged(kind: str, name: str, provider: str | None = None, **tags: str) -> dict[str, Any]:
    resource = res(kind, name, tags=tags)
    if provider:
        resource["provider"] = provider
    return resource


Resources = list[dict[str, Any]]


def _rows(cases: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Table rows as test cases named after their policy and position."""
    return [pytest.param(*case, id=f"{case[0]}-{i}") for i, case in enumerate(cases)]


class PolicyTable:
    """Tests every policy of one rule module from its tables; subclass it as `Test<Module>`.

    `bad`: (policy, resources, the resource the finding must name); `good`: policy -> resources
    it accepts; `unknowns`: (policy, resources) whose unknown values must never produce a
    finding. Every policy of `module` needs bad and good cases.
    """

    module: ClassVar[ModuleType]
    bad: ClassVar[list[tuple[str, Resources, str]]]
    good: ClassVar[dict[str, Resources]]
    unknowns: ClassVar[list[tuple[str, Resources]]]

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Each table row is a test case of its own (pytest calls this hook on the class)."""
        name = metafunc.function.__name__
        if name == "test_policy_rejects_bad_resource":
            metafunc.parametrize(("policy", "resources", "culprit"), _rows(self.bad))
        elif name == "test_policy_accepts_good_resource":
            metafunc.parametrize("policy", sorted(self.good))
        elif name == "test_unknown_values_do_not_produce_findings":
            rows = [
                pytest.param(*case, id=f"{case[0]}-{i}") for i, case in enumerate(self.unknowns)
            ]
            metafunc.parametrize(("policy", "resources"), rows)

    def test_every_policy_has_cases(self) -> None:
        names = {policy.name for policy in self.module.POLICIES}
        assert {policy for policy, _, _ in self.bad} == names == set(self.good)

    def test_policy_rejects_bad_resource(
        self, policy: str, resources: Resources, culprit: str
    ) -> None:
        found = findings(policy, resources)
        assert found, f"{policy} accepted {resources}"
        assert {f.resource_name for f in found} == {culprit}
        assert all(f.message and not f.excepted for f in found)

    def test_policy_accepts_good_resource(self, policy: str) -> None:
        assert findings(policy, self.good[policy]) == []

    def test_unknown_values_do_not_produce_findings(
        self, policy: str, resources: Resources
    ) -> None:
        assert findings(policy, resources) == []
