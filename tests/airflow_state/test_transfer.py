"""Export and import (dags/common/airflow_state) against an in-memory Airflow API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from common.airflow_state import AirflowApi, dump_document, export_state, plan_import, run_import
from common.airflow_state.transfer import target_run_id

from tests.airflow_state.fake_airflow import FakeAirflow
from tests.airflow_state.helpers import PLANTED, source_airflow

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def exported(fake: FakeAirflow, history_days: int = 1) -> dict:
    return export_state(AirflowApi(fake), "test", history_days=history_days, now=NOW)


def test_no_secret_value_reaches_the_document() -> None:
    text = dump_document(exported(source_airflow()))

    assert PLANTED not in text
    assert "***" not in text
    doc = json.loads(text)
    assert [v["key"] for v in doc["variables"]] == ["report_day"]
    conns = {c["connection_id"]: c for c in doc["connections"]}
    assert conns["partner_db"]["password_omitted"] is True
    assert json.loads(conns["partner_db"]["extra"]) == {"sslmode": "require"}
    assert conns["legacy"]["extra"] is None  # not JSON: nothing can tell what it holds
    assert len(doc["omitted"]) == 6


def test_export_keeps_pools_paused_state_and_the_latest_successful_run() -> None:
    doc = exported(source_airflow(), history_days=0)

    assert {p["name"]: p["slots"] for p in doc["pools"]} == {"default_pool": 128, "warehouse": 4}
    dags = {d["dag_id"]: d for d in doc["dags"]}
    assert dags["s3_etl"]["is_paused"] is True
    latest = dags["canary"]["latest_success"]
    assert latest["logical_date"] == "2026-11-29T10:10:00Z"
    assert latest["data_interval_end"] == "2026-11-29T10:20:00Z"
    assert dags["canary"]["history"] == []


def test_import_recreates_runs_under_manual_ids_while_paused_then_restores_paused_state() -> None:
    source, target = source_airflow(), FakeAirflow()
    target.add_dag("canary")
    target.add_dag("s3_etl")
    api = AirflowApi(target)

    run_import(api, plan_import(api, exported(source)), report=lambda _: None)

    runs = target.runs["canary"]
    assert sorted((r["logical_date"], r["state"]) for r in runs.values()) == [
        ("2026-11-29T10:00:00Z", "success"),
        ("2026-11-29T10:10:00Z", "success"),
        ("2026-11-29T10:20:00Z", "failed"),
    ]
    assert set(runs) == {"mig__20261129T100000", "mig__20261129T101000", "mig__20261129T102000"}
    assert {r: target_run_id(runs[r]["logical_date"]) for r in runs} == {r: r for r in runs}
    # canary was paused before the first run was created, and unpaused only at the end.
    patches = [c for c in target.calls if c == ("PATCH", "/dags/canary")]
    first_post = target.calls.index(("POST", "/dags/canary/dagRuns"))
    assert target.calls.index(("PATCH", "/dags/canary")) < first_post
    assert len(patches) == 2
    assert target.dags["canary"]["is_paused"] is False
    assert target.dags["s3_etl"]["is_paused"] is True
    assert target.pools["warehouse"]["include_deferred"] is True
    assert target.variables["report_day"]["value"] == "monday"
    assert "password" not in target.connections["partner_db"]


def test_import_twice_is_a_no_op() -> None:
    target = FakeAirflow()
    target.add_dag("canary")
    api, doc = AirflowApi(target), exported(source_airflow())
    run_import(api, plan_import(api, doc), report=lambda _: None)
    state, calls = target.snapshot(), len(target.calls)

    assert plan_import(api, doc).changes == []
    assert all(method == "GET" for method, _ in target.calls[calls:])
    assert target.snapshot() == state


def test_a_password_set_on_the_target_survives_the_import() -> None:
    target = FakeAirflow()
    target.connections["partner_db"] = {
        "connection_id": "partner_db",
        "conn_type": "postgres",
        "host": "old.example",
        "password": "set-by-hand",
    }
    api = AirflowApi(target)
    run_import(api, plan_import(api, exported(source_airflow())), report=lambda _: None)

    assert target.connections["partner_db"]["host"] == "db.partner.example"
    assert target.connections["partner_db"]["password"] == "set-by-hand"


def test_keep_paused_leaves_every_dag_paused() -> None:
    target = FakeAirflow()
    target.add_dag("canary", paused=True)
    api = AirflowApi(target)
    run_import(api, plan_import(api, exported(source_airflow()), keep_paused=True), print)

    assert target.dags["canary"]["is_paused"] is True


def test_a_run_the_target_already_has_for_that_interval_is_kept() -> None:
    target = FakeAirflow()
    target.add_dag("canary")
    target.add_run("canary", "manual__x", "2026-11-29T10:10:00Z", "2026-11-29T10:20:00Z", "success")
    api = AirflowApi(target)
    run_import(api, plan_import(api, exported(source_airflow(), 0)), report=lambda _: None)

    assert list(target.runs["canary"]) == ["manual__x"]


@pytest.mark.parametrize("catchup", [True, False])
def test_catchup_dags_and_missing_dags_are_warned_about(catchup: bool) -> None:
    source = source_airflow()
    source.dags["canary"]["catchup"] = catchup
    target = FakeAirflow()
    target.add_dag("canary")

    warnings = plan_import(AirflowApi(target), exported(source)).warnings

    assert any("s3_etl: not in the target" in w for w in warnings)
    assert any("canary: catchup=True" in w for w in warnings) is catchup


def test_import_never_pauses_or_touches_the_targets_own_backup_dag() -> None:
    """A dev document with metadata_backup paused must not stop prod's own backup."""
    source = source_airflow()
    source.add_dag("metadata_backup", paused=True)
    source.add_run(
        "metadata_backup",
        "scheduled__2026-11-28T00:00:00+00:00",
        "2026-11-28T00:00:00Z",
        "2026-11-29T00:00:00Z",
        "success",
    )
    target = FakeAirflow()
    target.add_dag("canary")
    target.add_dag("metadata_backup", paused=False)
    api = AirflowApi(target)

    plan = plan_import(api, exported(source))
    run_import(api, plan, report=lambda _: None)

    assert target.dags["metadata_backup"]["is_paused"] is False
    assert target.runs["metadata_backup"] == {}
    assert not [c for c in target.calls if c[0] != "GET" and "metadata_backup" in c[1]]
    assert any("metadata_backup" in w for w in plan.warnings)


def test_a_catchup_dag_stays_paused_with_a_warning() -> None:
    """Migrated runs are manual: unpausing a catchup=True DAG would backfill its past."""
    source = FakeAirflow()
    source.add_dag("catchup_dag", paused=False, catchup=True)
    source.add_run(
        "catchup_dag",
        "scheduled__2026-11-28T00:00:00+00:00",
        "2026-11-28T00:00:00Z",
        "2026-11-29T00:00:00Z",
        "success",
    )
    target = FakeAirflow()
    target.add_dag("catchup_dag", paused=True, catchup=True)
    api = AirflowApi(target)

    plan = plan_import(api, exported(source))
    run_import(api, plan, report=lambda _: None)

    assert target.dags["catchup_dag"]["is_paused"] is True
    assert len(target.runs["catchup_dag"]) == 1
    assert any("catchup=True; left paused" in w for w in plan.warnings)
