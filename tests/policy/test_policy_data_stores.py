"""The data-store rules (policy/rules/data_stores.py): S3 buckets and their companions, KMS keys,
SNS topics, log groups, RDS and ElastiCache."""

from __future__ import annotations

import json

from policy_cases import (
    KEY_POLICY,
    TLS_DENY,
    UNKNOWN,
    PolicyTable,
    Resources,
    bucket_set,
    database,
    doc,
    findings,
    kms_key,
    log_group,
    pab,
    redis,
    res,
    topic,
)

from policy.rules import data_stores
from policy.rules.base import Finding

BAD: list[tuple[str, Resources, str]] = [
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
]

GOOD: dict[str, Resources] = {
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
}

# Values unknown during preview must never produce a finding.
UNKNOWNS: list[tuple[str, Resources]] = [
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
]


class TestDataStores(PolicyTable):
    module, bad, good, unknowns = data_stores, BAD, GOOD, UNKNOWNS


def test_finding_names_type_level_and_message() -> None:
    [finding] = findings("rds-multi-az", [database(multiAz=False)])
    assert finding == Finding(
        "rds-multi-az", "advisory", "aws:rds/instance:Instance", "db", "multiAz is not true"
    )
    assert not finding.blocking
