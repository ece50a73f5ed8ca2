"""Rules for where data rests: S3 buckets, RDS, ElastiCache, CloudWatch log groups, SNS topics
and the KMS keys that encrypt them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .base import (
    UNKNOWN,
    Policy,
    Resource,
    Verdict,
    as_list,
    condition_keys,
    dig,
    inputs_of,
    is_set,
    must_be_set,
    must_be_true,
    number,
    policy_document,
    principal_is_public,
    resource_rule,
    stack_rule,
    statements,
)
from .companions import companion_rule, with_v2_twins

MIN_BACKUP_RETENTION_DAYS: Final = 7
BUCKETS: Final = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
_RDS = frozenset({"aws:rds/instance:Instance", "aws:rds/cluster:Cluster"})
_REPLICATION_GROUP = frozenset({"aws:elasticache/replicationGroup:ReplicationGroup"})


def check_kms_rotation(resource: Resource) -> list[str]:
    """Symmetric keys rotate; asymmetric and HMAC keys cannot, so they are left alone."""
    spec = dig(inputs_of(resource), "customerMasterKeySpec")
    if spec is UNKNOWN or spec not in (None, "SYMMETRIC_DEFAULT"):
        return []
    return must_be_true(resource, ["enableKeyRotation"], "enableKeyRotation is not true")


def check_kms_policy(resource: Resource) -> list[str]:
    return must_be_set(
        resource, ["policy"], "no explicit key policy: the account default grants the whole account"
    )


def check_sns_encrypted(resource: Resource) -> list[str]:
    return must_be_set(resource, ["kmsMasterKeyId"], "kmsMasterKeyId is not set")


def check_sns_not_public(resource: Resource) -> list[str]:
    document = policy_document(dig(inputs_of(resource), "policy"))
    if not isinstance(document, Mapping):
        return []
    return [
        f"statement {s.get('Sid', i)!r} allows any principal without a condition"
        for i, s in enumerate(statements(document))
        if s.get("Effect") == "Allow"
        and principal_is_public(s.get("Principal"))
        and not condition_keys(s)
    ]


def check_log_group_encrypted(resource: Resource) -> list[str]:
    return must_be_set(resource, ["kmsKeyId"], "kmsKeyId is not set")


def check_log_group_retention(resource: Resource) -> list[str]:
    value = dig(inputs_of(resource), "retentionInDays")
    if value is UNKNOWN:
        return []
    days = number(value)
    if days is None or days <= 0:
        return ["retentionInDays is not set: logs are kept (and billed) forever"]
    return []


def check_rds_encrypted(resource: Resource) -> list[str]:
    return must_be_true(resource, ["storageEncrypted"], "storageEncrypted is not true")


def check_rds_not_public(resource: Resource) -> list[str]:
    value = dig(inputs_of(resource), "publiclyAccessible")
    return ["publiclyAccessible is true"] if value is True else []


def check_rds_multi_az(resource: Resource) -> list[str]:
    return must_be_true(resource, ["multiAz"], "multiAz is not true")


def check_rds_backups(resource: Resource) -> list[str]:
    value = dig(inputs_of(resource), "backupRetentionPeriod")
    if value is UNKNOWN:
        return []
    days = number(value)
    if days is None or days < MIN_BACKUP_RETENTION_DAYS:
        return [f"backupRetentionPeriod is {value!r}, below {MIN_BACKUP_RETENTION_DAYS} days"]
    return []


def check_rds_deletion_protection(resource: Resource) -> list[str]:
    return must_be_true(resource, ["deletionProtection"], "deletionProtection is not true")


def check_rds_final_snapshot(resource: Resource) -> list[str]:
    """Only a database declared disposable (unprotected, skipFinalSnapshot) may go unsnapshotted."""
    inputs = inputs_of(resource)
    protected = dig(inputs, "deletionProtection")
    skip = dig(inputs, "skipFinalSnapshot")
    identifier = dig(inputs, "finalSnapshotIdentifier")
    if protected is True and skip is True:
        return ["deletionProtection is on but skipFinalSnapshot would drop the data on delete"]
    if skip is UNKNOWN or skip is True or is_set(identifier):
        return []
    return ["finalSnapshotIdentifier is not set (and skipFinalSnapshot is not true)"]


def check_elasticache_encryption(resource: Resource) -> list[str]:
    return must_be_true(
        resource, ["atRestEncryptionEnabled"], "atRestEncryptionEnabled is not true"
    ) + must_be_true(resource, ["transitEncryptionEnabled"], "transitEncryptionEnabled is not true")


def check_elasticache_auth(resource: Resource) -> list[str]:
    inputs = inputs_of(resource)
    if any(is_set(dig(inputs, key)) for key in ("authToken", "authTokenWo", "userGroupIds")):
        return []
    return ["neither authToken nor userGroupIds is set: any client in the network can connect"]


def check_elasticache_failover(resource: Resource) -> list[str]:
    return must_be_true(
        resource, ["automaticFailoverEnabled"], "automaticFailoverEnabled is not true"
    )


def _judge_versioning(resource: Resource) -> Verdict:
    status = dig(inputs_of(resource), "versioningConfiguration", "status")
    if status == "Enabled":
        return None
    if status is UNKNOWN:
        return UNKNOWN
    return f"versioning status is {status!r}, not 'Enabled'"


_PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def _judge_public_access_block(resource: Resource) -> Verdict:
    values = {flag: dig(inputs_of(resource), flag) for flag in _PUBLIC_ACCESS_FLAGS}
    off = [flag for flag, value in values.items() if value is not True and value is not UNKNOWN]
    if off:
        return f"public access block leaves {', '.join(off)} off"
    return UNKNOWN if UNKNOWN in values.values() else None


def _judge_sse_kms(resource: Resource) -> Verdict:
    rules = dig(inputs_of(resource), "rules")
    if rules is UNKNOWN:
        return UNKNOWN
    seen = []
    for rule in as_list(rules):
        algorithm = dig(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
        key = dig(rule, "applyServerSideEncryptionByDefault", "kmsMasterKeyId")
        if algorithm is UNKNOWN:
            return UNKNOWN
        if algorithm in ("aws:kms", "aws:kms:dsse") and is_set(key):
            return None
        seen.append(f"{algorithm!r} (kmsMasterKeyId {'set' if is_set(key) else 'unset'})")
    return f"default encryption is {', '.join(seen) or 'absent'}, not SSE-KMS with a customer key"


def _denies_plain_http(statement: Mapping[str, Any]) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    for operator, clauses in condition.items():
        if not str(operator).startswith("Bool") or not isinstance(clauses, Mapping):
            continue
        for key, value in clauses.items():
            if key.lower() == "aws:securetransport" and any(
                str(v).lower() == "false" for v in as_list(value)
            ):
                return True
    return False


def _judge_tls_only(resource: Resource) -> Verdict:
    document = policy_document(dig(inputs_of(resource), "policy"))
    if document is UNKNOWN:
        return UNKNOWN
    if isinstance(document, Mapping) and any(map(_denies_plain_http, statements(document))):
        return None
    return "bucket policy does not deny requests with aws:SecureTransport false"


def _judge_lifecycle(resource: Resource) -> Verdict:
    rules = dig(inputs_of(resource), "rules")
    if rules is UNKNOWN:
        return UNKNOWN
    statuses = [dig(rule, "status") for rule in as_list(rules)]
    if "Enabled" in statuses:
        return None
    if UNKNOWN in statuses:
        return UNKNOWN
    return "lifecycle configuration has no enabled rule"


POLICIES: Final[tuple[Policy, ...]] = (
    # S3: every bucket is configured by its companion resources.
    stack_rule(
        "s3-bucket-versioning",
        "mandatory",
        companion_rule(
            BUCKETS,
            with_v2_twins("aws:s3/bucketVersioning:BucketVersioning"),
            "bucket",
            "no BucketVersioning with status Enabled",
            _judge_versioning,
        ),
        "Every S3 bucket has versioning enabled.",
    ),
    stack_rule(
        "s3-bucket-public-access-block",
        "mandatory",
        companion_rule(
            BUCKETS,
            frozenset({"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"}),
            "bucket",
            "no BucketPublicAccessBlock",
            _judge_public_access_block,
        ),
        "Every S3 bucket has a public access block with all four settings true.",
    ),
    stack_rule(
        "s3-bucket-sse-kms",
        "mandatory",
        companion_rule(
            BUCKETS,
            with_v2_twins(
                "aws:s3/bucketServerSideEncryptionConfiguration:"
                "BucketServerSideEncryptionConfiguration"
            ),
            "bucket",
            "no BucketServerSideEncryptionConfiguration",
            _judge_sse_kms,
        ),
        "Every S3 bucket encrypts by default with SSE-KMS and a customer managed key.",
    ),
    stack_rule(
        "s3-bucket-tls-only",
        "mandatory",
        companion_rule(
            BUCKETS,
            frozenset({"aws:s3/bucketPolicy:BucketPolicy"}),
            "bucket",
            "no BucketPolicy denying aws:SecureTransport false",
            _judge_tls_only,
        ),
        "Every S3 bucket has a policy that denies requests not made over TLS.",
    ),
    stack_rule(
        "s3-bucket-lifecycle",
        "mandatory",
        companion_rule(
            BUCKETS,
            with_v2_twins("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"),
            "bucket",
            "no BucketLifecycleConfiguration",
            _judge_lifecycle,
        ),
        "Every S3 bucket has a lifecycle configuration with an enabled rule.",
    ),
    # KMS, SNS, CloudWatch Logs
    resource_rule(
        "kms-key-rotation",
        "mandatory",
        ["aws:kms/key:Key"],
        check_kms_rotation,
        "Symmetric KMS keys rotate automatically.",
    ),
    resource_rule(
        "kms-key-policy",
        "mandatory",
        ["aws:kms/key:Key"],
        check_kms_policy,
        "KMS keys have an explicit key policy.",
    ),
    resource_rule(
        "sns-topic-encrypted",
        "mandatory",
        ["aws:sns/topic:Topic"],
        check_sns_encrypted,
        "SNS topics are encrypted with a KMS key.",
    ),
    resource_rule(
        "sns-topic-not-public",
        "mandatory",
        ["aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy"],
        check_sns_not_public,
        "SNS topic policies allow no unconditioned public principal.",
    ),
    resource_rule(
        "log-group-encrypted",
        "mandatory",
        ["aws:cloudwatch/logGroup:LogGroup"],
        check_log_group_encrypted,
        "CloudWatch log groups are encrypted with a KMS key.",
    ),
    resource_rule(
        "log-group-retention",
        "mandatory",
        ["aws:cloudwatch/logGroup:LogGroup"],
        check_log_group_retention,
        "CloudWatch log groups have a finite retention.",
    ),
    # RDS
    resource_rule(
        "rds-storage-encrypted",
        "mandatory",
        _RDS,
        check_rds_encrypted,
        "RDS storage is encrypted.",
    ),
    resource_rule(
        "rds-not-public",
        "mandatory",
        _RDS,
        check_rds_not_public,
        "RDS databases are not publicly accessible.",
    ),
    resource_rule(
        "rds-multi-az",
        "advisory",
        ["aws:rds/instance:Instance"],
        check_rds_multi_az,
        "RDS instances run Multi-AZ.",
    ),
    resource_rule(
        "rds-backup-retention",
        "mandatory",
        _RDS,
        check_rds_backups,
        "RDS keeps automated backups for at least 7 days.",
    ),
    resource_rule(
        "rds-deletion-protection",
        "advisory",
        _RDS,
        check_rds_deletion_protection,
        "RDS databases have deletion protection.",
    ),
    resource_rule(
        "rds-final-snapshot",
        "mandatory",
        _RDS,
        check_rds_final_snapshot,
        "RDS databases take a named final snapshot unless declared disposable.",
    ),
    # ElastiCache
    resource_rule(
        "elasticache-encryption",
        "mandatory",
        _REPLICATION_GROUP,
        check_elasticache_encryption,
        "ElastiCache encrypts at rest and in transit.",
    ),
    resource_rule(
        "elasticache-auth",
        "mandatory",
        _REPLICATION_GROUP,
        check_elasticache_auth,
        "ElastiCache requires authentication (AUTH token or RBAC user group).",
    ),
    resource_rule(
        "elasticache-automatic-failover",
        "advisory",
        _REPLICATION_GROUP,
        check_elasticache_failover,
        "ElastiCache fails over automatically.",
    ),
)
