"""Stack rules find a resource's companions (policy/rules/companions.py)."""

from __future__ import annotations

from policy_cases import findings, res


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
