"""Workspace: the secrets both platforms read, the data bucket, and the task policy."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.workspace import AirflowWorkspace, WorkspaceArgs
from tests.aws_model import operation_input, problems, to_api
from tests.conftest import Declared, run_program, statements

TOPIC = "arn:aws:sns:us-east-1:111122223333:airflow-dev-alerts"
CHAT_TOPIC = "arn:aws:sns:us-east-1:111122223333:airflow-dev-alerts-chat"
TOPIC_KEY = "arn:aws:kms:us-east-1:111122223333:key/0000-topic"


def build(protect: bool = False, state_backup_days: int = 30) -> Declared:
    def program() -> pulumi.Output[str]:
        ws = AirflowWorkspace(
            "ws",
            WorkspaceArgs(
                environment_name="airflow-dev",
                alert_topic_arn=TOPIC,
                chat_topic_arn=CHAT_TOPIC,
                alert_key_arn=TOPIC_KEY,
                protect=protect,
                state_backup_days=state_backup_days,
            ),
        )
        return ws.task_policy_json

    return run_program(program)


def secret_values(d: Declared) -> dict[str, Any]:
    by_id = {s.id: s.inputs["name"] for s in d.of_type("aws:secretsmanager/secret:Secret")}
    return {
        by_id[v.inputs["secretId"]]: v.inputs["secretString"]
        for v in d.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    }


def test_secrets_backend_entries_the_dags_read() -> None:
    d = build()
    values = secret_values(d)
    bucket = d.one("aws:s3/bucket:Bucket").outputs["bucket"]
    assert values["airflow/variables/alert_topic_arn"] == TOPIC
    assert values["airflow/variables/chat_topic_arn"] == CHAT_TOPIC
    assert values["airflow/variables/data_bucket"] == bucket
    assert json.loads(values["airflow/connections/data_lake"]) == {
        "conn_type": "aws",
        "extra": {"region_name": "us-east-1"},
    }


def test_secrets_are_encrypted_with_the_workspace_key() -> None:
    d = build()
    key_arn = d.one("aws:kms/key:Key").outputs["arn"]
    for secret in d.of_type("aws:secretsmanager/secret:Secret"):
        assert secret.inputs["kmsKeyId"] == key_arn


@pytest.mark.parametrize(("protect", "window"), [(True, 30), (False, 0)])
def test_protection_and_recovery_window_follow_settings(protect: bool, window: int) -> None:
    d = build(protect)
    for secret in d.of_type("aws:secretsmanager/secret:Secret"):
        assert secret.protect is protect
        assert secret.inputs["recoveryWindowInDays"] == window
    assert d.one("aws:s3/bucket:Bucket").protect is protect
    assert d.one("aws:s3/bucket:Bucket").inputs["forceDestroy"] is (not protect)


def test_data_bucket_has_the_baseline() -> None:
    d = build()
    bucket_id = d.one("aws:s3/bucket:Bucket").id
    key_arn = d.one("aws:kms/key:Key").outputs["arn"]
    versioning = d.one("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    block = d.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block.inputs[k]
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    sse = d.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    rule = sse.inputs["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key_arn,
    }
    assert rule["bucketKeyEnabled"] is True
    deny = statements(d.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])[0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    lifecycle = d.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    assert lifecycle.inputs["rules"][0]["noncurrentVersionExpiration"]["noncurrentDays"] == 30
    for r in (versioning, block, sse, lifecycle):
        assert r.inputs["bucket"] == bucket_id


def test_task_policy_reads_only_the_two_prefixes_and_publishes_only_to_the_topics() -> None:
    d = build()
    doc = {s["Sid"]: s for s in statements(d.value)}
    assert doc["ReadAirflowSecrets"]["Resource"] == [
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow/connections/*",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow/variables/*",
    ]
    assert doc["PublishAlerts"] == {
        "Sid": "PublishAlerts",
        "Effect": "Allow",
        "Action": "sns:Publish",
        "Resource": [TOPIC, CHAT_TOPIC],
    }
    assert doc["EncryptAlerts"]["Resource"] == TOPIC_KEY
    bucket_arn = d.one("aws:s3/bucket:Bucket").outputs["arn"]
    assert doc["ReadWriteData"]["Resource"] == bucket_arn + "/*"
    for s in doc.values():
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        assert all(a != "*" and not a.endswith(":*") for a in actions)
        # PutMetricData has no resource type: the one `*`, held to our namespace instead.
        assert s["Resource"] != "*" or s["Sid"] == "CountStateBackups"
    assert doc["CountStateBackups"] == {
        "Sid": "CountStateBackups",
        "Effect": "Allow",
        "Action": "cloudwatch:PutMetricData",
        "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": "AirflowState"}},
    }


LIFECYCLE_ACTIONS = ("expiration", "noncurrentVersionExpiration", "abortIncompleteMultipartUpload")


def _rules_for(rules: list[dict[str, Any]], key: str, action: str) -> list[dict[str, Any]]:
    """The enabled rules that set `action` for `key` (S3 applies every rule that matches)."""
    return [
        r
        for r in rules
        if r["status"] == "Enabled"
        and r.get(action)
        and key.startswith((r.get("filter") or {}).get("prefix") or "")
    ]


def test_state_backups_expire_after_the_setting_and_no_two_rules_set_one_action() -> None:
    d = build(state_backup_days=45)
    (lifecycle,) = d.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    rules = lifecycle.inputs["rules"]
    shape = operation_input("s3", "PutBucketLifecycleConfiguration")
    request = {"bucket": lifecycle.inputs["bucket"], "lifecycleConfiguration": {"rules": rules}}
    assert problems(shape, to_api(shape, request)) == []

    backup, other = "airflow-state/date=2026-11-29/state.json", "exports/2026/orders.csv"
    for key in (backup, other):
        for action in LIFECYCLE_ACTIONS:
            # Overlapping rules with one action: S3 silently keeps the shorter.
            assert len(_rules_for(rules, key, action)) <= 1, (key, action)
    (expire,) = _rules_for(rules, backup, "expiration")
    assert expire["filter"] == {"prefix": "airflow-state/"}
    assert expire["expiration"] == {"days": 45}  # Days, so S3 also clears the delete markers
    (old,) = _rules_for(rules, backup, "noncurrentVersionExpiration")
    assert old["noncurrentVersionExpiration"]["noncurrentDays"] == 30  # the bucket's, once
    assert _rules_for(rules, other, "expiration") == []  # nothing else in the bucket expires
    assert len(_rules_for(rules, other, "abortIncompleteMultipartUpload")) == 1
