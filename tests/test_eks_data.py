"""EKS data stores: RDS metadata database, ElastiCache broker, task-log bucket."""

from __future__ import annotations

import re

import pytest

from components.eks.data import dns_label
from tests.conftest import statements
from tests.test_eks_platform import Built, build
from tools.mocks import Registration

RDS = "aws:rds/instance:Instance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def private_subnets(d: Built) -> list[str]:
    return [r.id for r in d.of_type("aws:ec2/subnet:Subnet") if "private" in r.name]


def node_sg(d: Built) -> str:
    return str(d.one("eks:index:Cluster").outputs["nodeSecurityGroupId"])


def ingress_of(d: Built, group_id: str) -> list[Registration]:
    return [r for r in d.of_type(INGRESS) if r.inputs["securityGroupId"] == group_id]


# -------------------------------------------------------------------------------- RDS


def test_database_is_postgres_17_sized_from_settings_on_gp3() -> None:
    db = build(dbInstanceClass="db.t4g.medium", dbAllocatedStorageGib=50).one(RDS)
    assert db.inputs["engine"] == "postgres"
    assert db.inputs["engineVersion"] == "17"
    assert db.inputs["instanceClass"] == "db.t4g.medium"
    assert db.inputs["allocatedStorage"] == 50
    assert db.inputs["maxAllocatedStorage"] == 100
    assert db.inputs["storageType"] == "gp3"
    assert db.inputs["identifier"] == "airflow-test-metadata"


def test_database_is_multi_az_encrypted_with_the_customer_key_and_private() -> None:
    d = build()
    db = d.one(RDS)
    key = d.named("airflow-test-data-key")
    assert db.inputs["multiAz"] is True
    assert db.inputs["storageEncrypted"] is True
    assert db.inputs["kmsKeyId"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True
    assert db.inputs["publiclyAccessible"] is False
    subnets = d.one("aws:rds/subnetGroup:SubnetGroup")
    assert db.inputs["dbSubnetGroupName"] == subnets.outputs["name"]
    assert sorted(subnets.inputs["subnetIds"]) == sorted(private_subnets(d))
    assert build(dbMultiAz=False).one(RDS).inputs["multiAz"] is False


def test_database_keeps_backups_and_exports_its_log_to_a_governed_group() -> None:
    d = build(dbBackupRetentionDays=14)
    db = d.one(RDS)
    assert db.inputs["backupRetentionPeriod"] == 14  # settings refuse fewer than 7
    assert db.inputs["enabledCloudwatchLogsExports"] == ["postgresql"]
    logs = d.named("airflow-test-data-db-logs")
    assert logs.inputs["name"] == "/aws/rds/instance/airflow-test-metadata/postgresql"
    assert logs.inputs["retentionInDays"] == 30
    assert logs.inputs["kmsKeyId"] == d.named("airflow-test-data-key").outputs["arn"]
    assert d.depends_on(db, logs)


def test_database_forces_tls() -> None:
    d = build()
    params = d.one("aws:rds/parameterGroup:ParameterGroup")
    assert params.inputs["family"] == "postgres17"
    assert {"name": "rds.force_ssl", "value": "1"} in params.inputs["parameters"]
    assert d.one(RDS).inputs["parameterGroupName"] == params.outputs["name"]


def test_protected_database_has_deletion_protection_and_a_final_snapshot() -> None:
    db = build().one(RDS)
    assert db.protect is True
    assert db.inputs["deletionProtection"] is True
    assert db.inputs["skipFinalSnapshot"] is False


def test_final_snapshot_name_is_unique_per_database_instance() -> None:
    # A fixed `<identifier>-final` collides with the snapshot a destroyed predecessor left
    # (DBSnapshotAlreadyExists): the name carries a random suffix drawn once, kept in state.
    d = build()
    db = d.one(RDS)
    suffix = d.one("random:index/randomId:RandomId")
    assert suffix.parent == d.named("airflow-test-data").urn
    assert suffix.inputs["byteLength"] >= 4
    # The inputs that force a new DB instance are its keepers: a replaced instance (new key,
    # new engine, new name...) draws a new suffix, as the one it replaces left a snapshot.
    keepers = suffix.inputs["keepers"]
    assert set(keepers) == {
        "identifier",
        "engine",
        "dbName",
        "username",
        "storageEncrypted",
        "kmsKeyId",
    }
    for key, value in keepers.items():
        assert str(db.inputs[key]).lower() == str(value).lower(), key
    assert keepers["identifier"] == "airflow-test-metadata"
    name = db.inputs["finalSnapshotIdentifier"]
    assert name == f"airflow-test-metadata-final-{suffix.outputs['hex']}"
    # RDS: 1-255 letters, digits, hyphens; a letter first; no '--'; no trailing hyphen.
    assert re.fullmatch(r"[a-z](?!.*--)[a-z0-9-]{0,253}[a-z0-9]", name)


def test_disposable_database_can_be_torn_down() -> None:
    db = build(protect=False).one(RDS)
    assert db.protect is False
    assert db.inputs["deletionProtection"] is False
    assert db.inputs["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in db.inputs


def test_database_admits_postgres_only_from_the_node_security_group() -> None:
    d = build()
    (group_id,) = d.one(RDS).inputs["vpcSecurityGroupIds"]
    (rule,) = ingress_of(d, group_id)
    assert rule.inputs["referencedSecurityGroupId"] == node_sg(d)
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (5432, 5432)
    assert rule.inputs["ipProtocol"] == "tcp"
    assert "cidrIpv4" not in rule.inputs
    group = next(g for g in d.of_type("aws:ec2/securityGroup:SecurityGroup") if g.id == group_id)
    assert "ingress" not in group.inputs and "egress" not in group.inputs


def test_database_password_is_generated_not_configured() -> None:
    d = build()
    password = d.named("airflow-test-data-db-password")
    assert password.inputs["length"] >= 32 and password.inputs["special"] is False
    assert d.one(RDS).inputs["password"] == password.outputs["result"]
    assert "manageMasterUserPassword" not in d.one(RDS).inputs


# ----------------------------------------------------------------------------- broker


def test_broker_is_valkey_with_tls_encryption_at_rest_and_auth() -> None:
    d = build()
    cache = d.one(CACHE)
    token = d.named("airflow-test-data-cache-token")
    assert cache.inputs["engine"] == "valkey"
    assert cache.inputs["transitEncryptionEnabled"] is True
    assert cache.inputs["atRestEncryptionEnabled"] is True
    assert cache.inputs["kmsKeyId"] == d.named("airflow-test-data-key").outputs["arn"]
    assert cache.inputs["authToken"] == token.outputs["result"]
    assert token.inputs["special"] is False and token.inputs["length"] >= 16
    subnets = d.one("aws:elasticache/subnetGroup:SubnetGroup")
    assert cache.inputs["subnetGroupName"] == subnets.outputs["name"]
    assert sorted(subnets.inputs["subnetIds"]) == sorted(private_subnets(d))
    assert cache.protect is True


@pytest.mark.parametrize(("multi_az", "clusters"), [(True, 2), (False, 1)])
def test_broker_failover_and_multi_az_follow_settings(multi_az: bool, clusters: int) -> None:
    cache = build(cacheMultiAz=multi_az).one(CACHE)
    assert cache.inputs["numCacheClusters"] == clusters
    assert cache.inputs["automaticFailoverEnabled"] is multi_az
    assert cache.inputs["multiAzEnabled"] is multi_az


def test_broker_admits_only_the_nodes() -> None:
    d = build()
    (group_id,) = d.one(CACHE).inputs["securityGroupIds"]
    (rule,) = ingress_of(d, group_id)
    assert rule.inputs["referencedSecurityGroupId"] == node_sg(d)
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (6379, 6379)


def test_in_cluster_queue_declares_no_elasticache() -> None:
    d = build(queueMode="in-cluster")
    assert d.of_type(CACHE) == []
    assert d.of_type("aws:elasticache/subnetGroup:SubnetGroup") == []


# ------------------------------------------------------------------------- log bucket


def test_log_bucket_is_versioned_private_kms_encrypted_tls_only_and_expiring() -> None:
    d = build()
    bucket = d.one("aws:s3/bucket:Bucket")
    key = d.named("airflow-test-data-logs-key")

    def companion(token: str) -> Registration:
        found = [r for r in d.of_type(token) if r.inputs["bucket"] == bucket.id]
        assert len(found) == 1, token
        return found[0]

    assert companion("aws:s3/bucketVersioning:BucketVersioning").inputs[
        "versioningConfiguration"
    ] == {"status": "Enabled"}
    block = companion("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(
        block[k] is True
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    (rule,) = companion(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key.outputs["arn"],
    }
    assert rule["bucketKeyEnabled"] is True
    (deny,) = statements(companion("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [bucket.outputs["arn"], bucket.outputs["arn"] + "/*"]
    (lifecycle,) = companion(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    ).inputs["rules"]
    assert lifecycle["status"] == "Enabled"
    assert lifecycle["expiration"] == {"days": 30}


@pytest.mark.parametrize("protect", [True, False])
def test_stateful_data_resources_are_protected_when_settings_say_so(protect: bool) -> None:
    d = build(protect=protect)
    for name in (
        "airflow-test-data-key",
        "airflow-test-data-logs-key",
        "airflow-test-data-db",
        "airflow-test-data-cache",
        "airflow-test-data-logs",
        "airflow-test-data-db-logs",
    ):
        assert d.named(name).protect is protect, name
    assert d.one("aws:s3/bucket:Bucket").inputs["forceDestroy"] is (not protect)


def test_physical_names_are_valid_aws_identifiers() -> None:
    assert dns_label("Airflow_Prod--EU", 63) == "airflow-prod-eu"
    assert dns_label("9lives", 63) == "a-9lives"
    assert dns_label("a" * 50 + "-broker", 40) == "a" * 40
    assert not dns_label("abc-" + "x" * 36 + "-tail", 40).endswith("-")
