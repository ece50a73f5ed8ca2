"""The EKS backup login's FAB role (components/eks/airflow.py) may read exactly what an export
reads and write nothing: checked against the fake's model of FAB's authorisation."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from itertools import product

import pytest
from common.airflow_state import AirflowApi, ApiError, export_state, plan_import, run_import

from components.eks.state_logins import BACKUP_API_ACTIONS, BACKUP_API_RESOURCES
from tests.airflow_state.fake_airflow import FakeAirflow
from tests.airflow_state.helpers import source_airflow

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BACKUP_ROLE = set(product(BACKUP_API_ACTIONS, BACKUP_API_RESOURCES))


def _export(fake: FakeAirflow) -> dict:
    return export_state(AirflowApi(fake), "test", history_days=7, now=NOW)


def test_the_backup_role_exports_what_an_admin_export_holds() -> None:
    fake = source_airflow()
    as_admin = _export(fake)
    fake.fab_role = BACKUP_ROLE
    assert _export(fake) == as_admin


@pytest.mark.parametrize("missing", sorted(BACKUP_ROLE))
def test_every_permission_of_the_backup_role_is_needed(missing: tuple[str, str]) -> None:
    fake = source_airflow()
    fake.fab_role = BACKUP_ROLE - {missing}
    with pytest.raises(ApiError, match="403"):
        _export(fake)


def test_the_backup_role_cannot_change_anything() -> None:
    doc = _export(source_airflow())
    target = FakeAirflow(fab_role=BACKUP_ROLE)
    target.add_dag("canary", paused=True)
    target.add_dag("s3_etl")
    before = copy.deepcopy(target.snapshot())
    plan = plan_import(AirflowApi(target), doc)  # reading is allowed
    assert plan.changes
    with pytest.raises(ApiError, match="403"):
        run_import(AirflowApi(target), plan, report=lambda _: None)
    assert target.snapshot() == before
    writes = [("POST", "/pools"), ("PATCH", "/dags/canary"), ("POST", "/dags/canary/dagRuns")]
    for method, path in writes:
        assert target.request(method, path, body={"name": "x"})[0] == 403
