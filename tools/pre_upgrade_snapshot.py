"""`make pre-upgrade-snapshot STACK=prod`: a manual RDS snapshot of the EKS stack's Airflow
metadata database, taken before any change that migrates it (an Airflow version change).

Automated backups restore to any second of the retention window (`dbBackupRetentionDays`),
but a schema migration that goes wrong wants a restore point taken right before it, that no
retention window expires: a manual snapshot, kept until deleted. The snapshot is tagged with
the Airflow version it holds, and the script waits until it is `available` (the upgrade
should not start before). MWAA (dev) manages its own database: there, export the state
instead (`make state-export`).

    python -m tools.pre_upgrade_snapshot --stack prod [--no-wait]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from components.eks.data import db_identifier
from components.settings import Settings, load
from tools.plan import stack_config


def stack_settings(stack: str) -> Settings:
    project, config = stack_config(stack)
    return load(project, stack, config)


def snapshot_id(identifier: str, now: datetime) -> str:
    """`<db>-pre-upgrade-<UTC time>`: unique per run, at most 255 characters, RDS's alphabet."""
    return f"{identifier}-pre-upgrade-{now:%Y%m%d-%H%M%S}"


def take_snapshot(
    rds: Any, settings: Settings, *, wait: bool = True, now: datetime | None = None
) -> str:
    identifier = db_identifier(settings.environment_name)
    found = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    if found["DBInstanceStatus"] != "available":
        raise SystemExit(
            f"error: {identifier} is {found['DBInstanceStatus']}, not available; retry when it is"
        )
    name = snapshot_id(identifier, now or datetime.now(UTC))
    rds.create_db_snapshot(
        DBSnapshotIdentifier=name,
        DBInstanceIdentifier=identifier,
        Tags=[
            {"Key": "Purpose", "Value": "pre-upgrade"},
            {"Key": "AirflowVersion", "Value": settings.airflow.version},
            {"Key": "Environment", "Value": settings.environment_name},
        ],
    )
    if wait:
        rds.get_waiter("db_snapshot_available").wait(
            DBSnapshotIdentifier=name, WaiterConfig={"Delay": 15, "MaxAttempts": 120}
        )
    return name


def main(argv: Sequence[str] | None = None, rds: Any = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.pre_upgrade_snapshot", description=__doc__
    )
    parser.add_argument("--stack", required=True)
    parser.add_argument("--no-wait", action="store_true", help="return once the snapshot starts")
    args = parser.parse_args(argv)
    settings = stack_settings(args.stack)
    if settings.architecture != "eks":
        print(
            f"error: stack {args.stack} runs MWAA, whose database AWS manages; "
            f"export its state instead: make state-export STACK={args.stack}",
            file=sys.stderr,
        )
        return 2
    if rds is None:
        import boto3

        rds = boto3.client("rds", region_name=settings.region)
    try:
        name = take_snapshot(rds, settings, wait=not args.no_wait)
    except rds.exceptions.DBInstanceNotFoundFault:
        print(
            f"error: no RDS instance {db_identifier(settings.environment_name)} "
            f"in {settings.region} (is stack {args.stack} deployed?)",
            file=sys.stderr,
        )
        return 1
    print(f"snapshot {name} {'started' if args.no_wait else 'available'}")
    print(
        "restore: aws rds restore-db-instance-from-db-snapshot "
        f"--db-snapshot-identifier {name} --db-instance-identifier <new id> ... "
        "(docs/state.md: 'Database-level protection')"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
