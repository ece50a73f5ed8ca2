"""tools/pre_upgrade_snapshot.py against moto's RDS: the right database, a tagged manual
snapshot that is available when the script returns, clear refusals otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.eks.data import db_identifier
from tools.pre_upgrade_snapshot import main, snapshot_id, stack_settings, take_snapshot

REGION = stack_settings("prod").region


@pytest.fixture
def rds(offline_aws: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("rds", region_name=REGION)


def create_db(rds: Any, identifier: str) -> None:
    rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t4g.small",
        Engine="postgres",
        MasterUsername="airflow",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
    )


def test_snapshots_the_prod_metadata_database_with_its_airflow_version(rds: Any, capsys) -> None:
    settings = stack_settings("prod")
    create_db(rds, "someone-elses-db")
    create_db(rds, db_identifier(settings.environment_name))

    assert main(["--stack", "prod"], rds=rds) == 0

    (snap,) = rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    assert snap["DBInstanceIdentifier"] == "airflow-prod-metadata"
    assert snap["Status"] == "available"
    assert snap["DBSnapshotIdentifier"].startswith("airflow-prod-metadata-pre-upgrade-")
    tags = {t["Key"]: t["Value"] for t in snap["TagList"]}
    assert tags["Purpose"] == "pre-upgrade"
    assert tags["AirflowVersion"] == settings.airflow.version
    assert f"snapshot {snap['DBSnapshotIdentifier']} available" in capsys.readouterr().out


def test_two_snapshots_do_not_collide(rds: Any) -> None:
    settings = stack_settings("prod")
    create_db(rds, db_identifier(settings.environment_name))
    first = take_snapshot(rds, settings, now=datetime(2026, 11, 30, 3, 0, 0, tzinfo=UTC))
    second = take_snapshot(rds, settings, now=datetime(2026, 11, 30, 3, 0, 1, tzinfo=UTC))
    assert first != second
    assert len(rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]) == 2


def test_a_missing_database_is_one_clear_line(rds: Any, capsys) -> None:
    assert main(["--stack", "prod"], rds=rds) == 1
    assert "no RDS instance airflow-prod-metadata" in capsys.readouterr().err


def test_mwaa_stack_is_pointed_to_the_state_export(rds: Any, capsys) -> None:
    assert main(["--stack", "dev"], rds=rds) == 2
    assert "make state-export STACK=dev" in capsys.readouterr().err


def test_snapshot_ids_follow_rds_rules() -> None:
    name = snapshot_id("airflow-prod-metadata", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert name == "airflow-prod-metadata-pre-upgrade-20260102-030405"
    assert len(name) <= 255 and name[0].isalpha() and "--" not in name
