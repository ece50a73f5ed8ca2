"""An S3 bucket with the baseline every bucket here needs.

Versioning, all four public-access blocks, SSE-KMS with a bucket key, ACLs disabled, a policy
that refuses plain HTTP, and a lifecycle that expires old versions (and, optionally, objects).
Used for the MWAA DAG bucket, the EKS task-log bucket and the shared data bucket.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws_helpers import policy_document


@dataclass(frozen=True)
class BucketSpec:
    key_arn: pulumi.Input[str]
    """The customer key objects are encrypted with."""
    protect: bool
    """Protect the bucket (and refuse to empty it on delete)."""
    noncurrent_days: int = 30
    """Days an overwritten or deleted version is kept."""
    expire_days: int | None = None
    """Days after which current objects expire (logs); None keeps them."""
    extra_statements: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    """More bucket-policy statements."""
    bucket_prefix: str | None = None
    """Name prefix (MWAA wants `airflow-`); None lets Pulumi name it after the resource."""
    prefix_expire_days: Mapping[str, int] = field(default_factory=dict)
    """Key prefix -> days after which current objects under it expire (their old versions go
    after `noncurrent_days`, as everywhere in the bucket)."""

    def __post_init__(self) -> None:
        # S3 applies every enabled rule whose filter matches and, where two rules set the same
        # action for one object, the shorter wins (AWS, "How Amazon S3 handles conflicts in
        # lifecycle configurations"): so each action on each key comes from exactly one rule.
        # The bucket-wide rule owns noncurrent versions and multipart uploads; a prefix rule
        # owns only its objects' expiration, and no bucket-wide expiration may overlap it.
        if self.prefix_expire_days and self.expire_days is not None:
            raise ValueError(
                "prefix_expire_days: expire_days already expires every object in the bucket; "
                "set one or the other"
            )
        prefixes = sorted(self.prefix_expire_days)
        for prefix in prefixes:
            if not prefix.endswith("/") or prefix == "/":
                raise ValueError(f"prefix_expire_days: {prefix!r} must be a folder like 'logs/'")
            if self.prefix_expire_days[prefix] < 1:
                raise ValueError(f"prefix_expire_days: {prefix!r} needs at least 1 day")
        for first, second in itertools.pairwise(prefixes):
            if second.startswith(first):
                raise ValueError(f"prefix_expire_days: {second!r} lies inside {first!r}")


@dataclass(frozen=True)
class SecureBucket:
    bucket: aws.s3.Bucket
    configured: list[pulumi.Resource]
    """Versioning, encryption, public-access block, policy...: what writers must wait for, so
    no object lands unversioned or under the wrong key."""


def secure_bucket(name: str, spec: BucketSpec, parent: pulumi.Resource) -> SecureBucket:
    child = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(
        name,
        bucket_prefix=spec.bucket_prefix,
        force_destroy=not spec.protect,
        opts=pulumi.ResourceOptions(parent=parent, protect=spec.protect),
    )
    objects = pulumi.Output.concat(bucket.arn, "/*")
    configured: list[pulumi.Resource] = [
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        ),
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        ),
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        ),
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": spec.key_arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        ),
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=policy_document(
                [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "s3:*",
                        "Resource": [bucket.arn, objects],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                    *spec.extra_statements,
                ]
            ),
            opts=child,
        ),
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[_lifecycle_rule(spec), *_prefix_rules(spec)],
            opts=child,
        ),
    ]
    return SecureBucket(bucket=bucket, configured=configured)


def _lifecycle_rule(spec: BucketSpec) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="expire-old-versions",
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
        noncurrent_version_expiration=(
            aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=spec.noncurrent_days
            )
        ),
        abort_incomplete_multipart_upload=(
            aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=7
            )
        ),
        expiration=(
            aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=spec.expire_days)
            if spec.expire_days is not None
            else None
        ),
    )


def _prefix_rules(spec: BucketSpec) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """Expiration only: the current version gets a delete marker after `days` and becomes
    noncurrent (removed by the bucket-wide rule `noncurrent_days` later); a rule that expires
    current versions also makes S3 remove the delete marker once it is the only version left
    (AWS, "Managing delete markers"), so no ExpiredObjectDeleteMarker rule is needed (and S3
    refuses one beside Days in the same Expiration)."""
    return [
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id=f"expire-{prefix.strip('/').replace('/', '-')}",
            status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=prefix),
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
        )
        for prefix, days in sorted(spec.prefix_expire_days.items())
    ]
