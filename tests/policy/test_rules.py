"""Each baseline policy rejects a bad resource and accepts a good one."""

from __future__ import annotations

import json
from typing import Any

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


# (policy, bad resources, the resource the finding must name)
BAD = [
    ("s3-bucket-versioning", bucket_set(versioning=None), "dags"),
    (
        "s3-bucket-versioning",
        bucket_set(
            versioning=res(
                "aws:s3/bucketVersioning:BucketVersioning",
                "dags-versioning",
                bucket="acme-dags",
                versioningConfiguration={"status": "Suspended"},
            )
        ),
        "dags-versioning",
    ),
    ("s3-bucket-public-access-block", bucket_set(public=None), "dags"),
    (
        "s3-bucket-public-access-block",
        bucket_set(public=pab(ignorePublicAcls=False)),
        "dags-public-access",
    ),
    ("s3-bucket-sse-kms", bucket_set(sse=None), "dags"),
    (
        "s3-bucket-sse-kms",
        bucket_set(
            sse=res(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "dags-encryption",
                bucket="acme-dags",
                rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
            )
        ),
        "dags-encryption",
    ),
    ("s3-bucket-tls-only", bucket_set(policy=None), "dags"),
    (
        "s3-bucket-tls-only",
        bucket_set(
            policy=res(
                "aws:s3/bucketPolicy:BucketPolicy",
                "dags-policy",
                bucket="acme-dags",
                policy=doc({**TLS_DENY, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}),
            )
        ),
        "dags-policy",
    ),
    ("s3-bucket-lifecycle", bucket_set(lifecycle=None), "dags"),
    (
        "s3-bucket-lifecycle",
        bucket_set(
            lifecycle=res(
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                "dags-lifecycle",
                bucket="acme-dags",
                rules=[{"id": "off", "status": "Disabled"}],
            )
        ),
        "dags-lifecycle",
    ),
    ("kms-key-rotation", [kms_key(enableKeyRotation=False)], "key"),
    ("kms-key-rotation", [kms_key(enableKeyRotation=None)], "key"),
    ("kms-key-policy", [kms_key(policy=None)], "key"),
    ("sns-topic-encrypted", [topic(kmsMasterKeyId=None)], "alerts"),
    (
        "sns-topic-not-public",
        [
            res(
                "aws:sns/topicPolicy:TopicPolicy",
                "alerts-policy",
                arn="arn:aws:sns:eu-west-1:111122223333:alerts",
                policy=doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish"}),
            )
        ],
        "alerts-policy",
    ),
    (
        "sns-topic-not-public",
        [
            topic(
                policy=doc({"Effect": "Allow", "Principal": "*", "Action": "sns:*"}, as_json=False)
            )
        ],
        "alerts",
    ),
    ("log-group-encrypted", [log_group(kmsKeyId=None)], "logs"),
    ("log-group-retention", [log_group(retentionInDays=None)], "logs"),
    ("log-group-retention", [log_group(retentionInDays=0)], "logs"),
    ("rds-storage-encrypted", [database(storageEncrypted=False)], "db"),
    ("rds-not-public", [database(publiclyAccessible=True)], "db"),
    ("rds-multi-az", [database(multiAz=False)], "db"),
    ("rds-backup-retention", [database(backupRetentionPeriod=1)], "db"),
    ("rds-backup-retention", [database(backupRetentionPeriod=None)], "db"),
    ("rds-deletion-protection", [database(deletionProtection=False)], "db"),
    ("rds-final-snapshot", [database(skipFinalSnapshot=True)], "db"),
    ("rds-final-snapshot", [database(finalSnapshotIdentifier=None)], "db"),
    ("elasticache-encryption", [redis(atRestEncryptionEnabled=False)], "redis"),
    ("elasticache-encryption", [redis(transitEncryptionEnabled=None)], "redis"),
    ("elasticache-auth", [redis(authToken=None)], "redis"),
    ("elasticache-automatic-failover", [redis(automaticFailoverEnabled=False)], "redis"),
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
    ("mwaa-private-webserver", [mwaa(webserverAccessMode="PUBLIC_ONLY")], "airflow"),
    ("mwaa-customer-key", [mwaa(kmsKey=None)], "airflow"),
    ("mwaa-logging", [mwaa_log_off("workerLogs")], "airflow"),
    ("mwaa-logging", [mwaa(loggingConfiguration=None)], "airflow"),
    (
        "iam-no-wildcard-actions",
        [
            res(
                "aws:iam/policy:Policy",
                "policy",
                policy=doc({"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}),
            )
        ],
        "policy",
    ),
    (
        "iam-no-wildcard-actions",
        [
            role(
                SERVICE_TRUST,
                inlinePolicies=[
                    {
                        "name": "all",
                        "policy": doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
                    }
                ],
            )
        ],
        "role",
    ),
    (
        "iam-no-wildcard-actions",
        [
            res(
                "aws:iam/rolePolicy:RolePolicy",
                "inline",
                role="r",
                policy=doc(
                    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, as_json=False
                ),
            )
        ],
        "inline",
    ),
    (
        "iam-trust-policy-scoped",
        [role({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})],
        "role",
    ),
    (
        "iam-trust-policy-scoped",
        [role({**GITHUB_TRUST, "Condition": {"StringEquals": {"x:aud": "sts.amazonaws.com"}}})],
        "role",
    ),
    (
        "iam-no-admin-managed-policies",
        [attach("arn:aws:iam::aws:policy/AdministratorAccess")],
        "attach",
    ),
    (
        "iam-no-admin-managed-policies",
        [attach("arn:aws:iam::aws:policy/AmazonS3FullAccess")],
        "attach",
    ),
    ("sg-no-public-admin-ports", [ingress_rule("0.0.0.0/0", 22)], "ingress"),
    (
        "sg-no-public-admin-ports",
        [
            res(
                "aws:ec2/securityGroupRule:SecurityGroupRule",
                "all",
                type="ingress",
                protocol="-1",
                fromPort=0.0,
                toPort=0.0,
                securityGroupId="sg-1",
                ipv6CidrBlocks=["::/0"],
            )
        ],
        "all",
    ),
    (
        "sg-no-public-admin-ports",
        [
            res(
                "aws:ec2/securityGroup:SecurityGroup",
                "db-sg",
                ingress=[
                    {
                        "protocol": "tcp",
                        "fromPort": 5000.0,
                        "toPort": 6500.0,
                        "cidrBlocks": ["0.0.0.0/0"],
                    }
                ],
            )
        ],
        "db-sg",
    ),
    ("vpc-default-security-group-closed", [VPC_ID], "vpc"),
    (
        "vpc-default-security-group-closed",
        [
            VPC_ID,
            res(
                "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
                "vpc-default-sg",
                vpcId="vpc-0abc",
                egress=[
                    {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}
                ],
            ),
        ],
        "vpc-default-sg",
    ),
    ("vpc-flow-logs", [VPC_ID, CLOSED_DEFAULT_SG], "vpc"),
    (
        "required-tags",
        [tagged("aws:s3/bucket:Bucket", "logs", Project="p", Environment="dev")],
        "logs",
    ),
    (
        "required-tags",
        [PROVIDER, tagged("aws:sns/topic:Topic", "alerts", provider="aws")],
        "alerts",
    ),
    (
        "required-tags",  # default tags do not reach Auto Scaling groups
        [
            {**PROVIDER, "inputs": {"defaultTags": {"tags": TAGS}}},
            {
                **res(
                    "aws:autoscaling/group:Group",
                    "asg",
                    tags=[{"key": "Project", "value": "p", "propagateAtLaunch": True}],
                ),
                "provider": "aws",
            },
        ],
        "asg",
    ),
]

GOOD = {
    "s3-bucket-versioning": bucket_set(),
    "s3-bucket-public-access-block": bucket_set(),
    "s3-bucket-sse-kms": bucket_set(),
    "s3-bucket-tls-only": bucket_set(),
    "s3-bucket-lifecycle": bucket_set(),
    "kms-key-rotation": [
        kms_key(),
        kms_key(customerMasterKeySpec="RSA_2048", enableKeyRotation=None),
    ],
    "kms-key-policy": [kms_key(policy=json.loads(KEY_POLICY))],
    "sns-topic-encrypted": [topic()],
    "sns-topic-not-public": [
        topic(
            policy=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "sns:Publish",
                    "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
                },
                {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}},
            )
        )
    ],
    "log-group-encrypted": [log_group()],
    "log-group-retention": [log_group()],
    "rds-storage-encrypted": [database()],
    "rds-not-public": [database(publiclyAccessible=None)],
    "rds-multi-az": [database()],
    "rds-backup-retention": [database(backupRetentionPeriod=35)],
    "rds-deletion-protection": [database()],
    "rds-final-snapshot": [
        database(),
        database(deletionProtection=False, skipFinalSnapshot=True, finalSnapshotIdentifier=None),
    ],
    "elasticache-encryption": [redis()],
    "elasticache-auth": [redis(), redis(authToken=None, userGroupIds=["airflow"])],
    "elasticache-automatic-failover": [redis()],
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
    "mwaa-private-webserver": [mwaa(), mwaa(webserverAccessMode=None)],
    "mwaa-customer-key": [mwaa()],
    "mwaa-logging": [mwaa()],
    "iam-no-wildcard-actions": [
        res(
            "aws:iam/policy:Policy",
            "policy",
            policy=doc(
                {"Effect": "Allow", "Action": ["s3:GetObject*", "s3:List*"], "Resource": "*"},
                {"Effect": "Deny", "Action": "*", "Resource": "*"},
            ),
        )
    ],
    "iam-trust-policy-scoped": [role(GITHUB_TRUST), role(SERVICE_TRUST)],
    "iam-no-admin-managed-policies": [
        attach("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"),
        attach("arn:aws:iam::aws:policy/ReadOnlyAccess"),
    ],
    "sg-no-public-admin-ports": [
        ingress_rule("0.0.0.0/0", 443),
        ingress_rule("10.0.0.0/16", 5432),
        ingress_rule("0.0.0.0/0", 22, protocol="icmp"),
    ],
    "vpc-default-security-group-closed": [VPC_ID, CLOSED_DEFAULT_SG],
    "vpc-flow-logs": [VPC_ID, FLOW_LOG],
    "required-tags": [
        PROVIDER,
        tagged("aws:sns/topic:Topic", "alerts", provider="aws", CostCenter="c"),
        tagged("aws:s3/bucket:Bucket", "logs", **TAGS),
        # not taggable: no finding without tags
        res("aws:s3/bucketPolicy:BucketPolicy", "logs-policy", bucket="logs"),
    ],
}


def test_every_policy_has_cases() -> None:
    assert {policy for policy, _, _ in BAD} == registry.POLICY_NAMES == set(GOOD)
    assert len(registry.POLICIES) >= 15
    assert len(registry.POLICY_NAMES) == len(registry.POLICIES)


@pytest.mark.parametrize(
    ("policy", "resources", "culprit"),
    [pytest.param(*case, id=f"{case[0]}-{i}") for i, case in enumerate(BAD)],
)
def test_policy_rejects_bad_resource(
    policy: str, resources: list[dict[str, Any]], culprit: str
) -> None:
    found = findings(policy, resources)
    assert found, f"{policy} accepted {resources}"
    assert {f.resource_name for f in found} == {culprit}
    assert all(f.message and not f.excepted for f in found)


@pytest.mark.parametrize("policy", sorted(GOOD))
def test_policy_accepts_good_resource(policy: str) -> None:
    assert findings(policy, GOOD[policy]) == []


def test_finding_names_type_level_and_message() -> None:
    [finding] = findings("rds-multi-az", [database(multiAz=False)])
    assert finding == Finding(
        "rds-multi-az", "advisory", "aws:rds/instance:Instance", "db", "multiAz is not true"
    )
    assert not finding.blocking


def test_companions_link_by_physical_id_or_property_dependencies() -> None:
    bucket = {**res("aws:s3/bucket:Bucket", "logs"), "id": "logs-9f2c"}
    by_id = res("aws:ec2/flowLog:FlowLog", "unused")  # unrelated companion, ignored
    versioning = res(
        "aws:s3/bucketVersioningV2:BucketVersioningV2",
        "logs-versioning",
        bucket="logs-9f2c",
        versioningConfiguration={"status": "Enabled"},
    )
    assert findings("s3-bucket-versioning", [bucket, by_id, versioning]) == []
    elsewhere = {**versioning, "inputs": {**versioning["inputs"], "bucket": "someone-elses"}}
    assert [f.resource_name for f in findings("s3-bucket-versioning", [bucket, elsewhere])] == [
        "logs"
    ]


def test_evaluate_applies_exceptions() -> None:
    resources = [database(multiAz=False, storageEncrypted=False, tags=TAGS)]
    exceptions = registry.parse_exceptions(
        ["rds-storage-encrypted: restored from a legacy snapshot"]
    )
    by_policy = {f.policy: f for f in registry.evaluate(resources, exceptions)}
    assert by_policy["rds-storage-encrypted"].excepted == "restored from a legacy snapshot"
    assert not by_policy["rds-storage-encrypted"].blocking
    assert by_policy["rds-multi-az"].excepted is None
    assert [f.policy for f in registry.evaluate(resources) if f.blocking] == [
        "rds-storage-encrypted"
    ]


def test_evaluate_rejects_exceptions_for_unknown_policies() -> None:
    with pytest.raises(ValueError, match="no-such-policy"):
        registry.evaluate([], {"no-such-policy": "typo"})


def test_parse_exceptions_reports_each_mistake_on_its_own_line() -> None:
    entries = [
        "rds-multi-az",
        "nope: why",
        "kms-key-policy:  ",
        "mwaa-logging: a",
        "mwaa-logging: b",
    ]
    with pytest.raises(ValueError) as error:
        registry.parse_exceptions(entries)
    assert str(error.value).splitlines() == [
        "policyExceptions[0]: expected 'policy-name: reason', got 'rds-multi-az'",
        "policyExceptions[1]: unknown policy 'nope'",
        "policyExceptions[2]: kms-key-policy needs a reason after the colon",
        "policyExceptions[4]: mwaa-logging is excepted twice",
    ]
    assert registry.parse_exceptions(None) == {}


# Values unknown during preview must never produce a finding.
UNKNOWNS = [
    (
        "s3-bucket-versioning",
        bucket_set(
            versioning=res(
                "aws:s3/bucketVersioning:BucketVersioning",
                "v",
                bucket=UNKNOWN,
                versioningConfiguration={"status": "Enabled"},
            )
        ),
    ),
    (
        "s3-bucket-versioning",
        bucket_set(
            versioning=res(
                "aws:s3/bucketVersioning:BucketVersioning",
                "v",
                bucket="acme-dags",
                versioningConfiguration={"status": UNKNOWN},
            )
        ),
    ),
    ("s3-bucket-public-access-block", bucket_set(public=pab(blockPublicPolicy=UNKNOWN))),
    (
        "s3-bucket-tls-only",
        bucket_set(
            policy=res("aws:s3/bucketPolicy:BucketPolicy", "p", bucket="acme-dags", policy=UNKNOWN)
        ),
    ),
    (
        "s3-bucket-tls-only",
        bucket_set(
            policy=res(
                "aws:s3/bucketPolicy:BucketPolicy",
                "p",
                bucket="acme-dags",
                policy=doc({"Effect": "Deny", "Resource": UNKNOWN}),
            )
        ),
    ),
    ("kms-key-rotation", [kms_key(enableKeyRotation="1c4a061d-8072-4f0a-a4cb-0ff528b18fe7")]),
    ("kms-key-policy", [kms_key(policy=UNKNOWN)]),
    ("sns-topic-encrypted", [topic(kmsMasterKeyId=UNKNOWN)]),
    ("log-group-retention", [log_group(retentionInDays="3eeb2bf0-c639-47a8-9e75-3b44932eb421")]),
    ("rds-backup-retention", [database(backupRetentionPeriod=UNKNOWN)]),
    ("rds-final-snapshot", [database(skipFinalSnapshot=UNKNOWN, finalSnapshotIdentifier=None)]),
    ("eks-private-endpoint", [eks(endpointPublicAccess=True, publicAccessCidrs=UNKNOWN)]),
    (
        "eks-control-plane-logs",
        [eks(enabledClusterLogTypes="6a19a0b0-7e62-4c92-b797-7f8e31da9cc2")],
    ),
    ("eks-access-entries", [eks(authenticationMode=UNKNOWN)]),
    ("ec2-imdsv2", [res("aws:ec2/launchTemplate:LaunchTemplate", "lt", metadataOptions=UNKNOWN)]),
    (
        "mwaa-logging",
        [mwaa(loggingConfiguration={n: {"enabled": UNKNOWN} for n in MWAA_LOGS})],
    ),
    ("iam-no-wildcard-actions", [res("aws:iam/policy:Policy", "p", policy=UNKNOWN)]),
    ("iam-no-admin-managed-policies", [attach(UNKNOWN)]),
    ("sg-no-public-admin-ports", [ingress_rule(UNKNOWN, 22)]),
    ("vpc-flow-logs", [VPC_ID, res("aws:ec2/flowLog:FlowLog", "fl", vpcId=UNKNOWN)]),
    ("required-tags", [res("aws:sns/topic:Topic", "t", tags=UNKNOWN)]),
    (
        "required-tags",
        [
            {**PROVIDER, "inputs": {"defaultTags": UNKNOWN}},
            tagged("aws:sns/topic:Topic", "alerts", provider="aws"),
        ],
    ),
    ("required-tags", [tagged("aws:sns/topic:Topic", "t", provider="provider-out-of-sight")]),
]


@pytest.mark.parametrize(
    ("policy", "resources"),
    [pytest.param(*case, id=f"{case[0]}-{i}") for i, case in enumerate(UNKNOWNS)],
)
def test_unknown_values_do_not_produce_findings(
    policy: str, resources: list[dict[str, Any]]
) -> None:
    assert findings(policy, resources) == []


def test_provider_reference_urns_resolve_to_the_provider() -> None:
    urn = "urn:pulumi:dev::airflow::pulumi:providers:aws::aws::0b8f-id"
    resource = {**tagged("aws:sns/topic:Topic", "alerts", CostCenter="c"), "provider": urn}
    assert findings("required-tags", [PROVIDER, resource]) == []
    resource["inputs"] = {"tags": {}}
    assert [f.message for f in findings("required-tags", [PROVIDER, resource])] == [
        "missing tags CostCenter (itself or in its provider's defaultTags)"
    ]
