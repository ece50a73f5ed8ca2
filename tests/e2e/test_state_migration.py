"""Acceptance of the state transfer on the local platform: state built on the MWAA-like
(dev) platform is exported, imported into the EKS-like (prod) platform and read back equal.
The run history is made by dev's own scheduler (state_dags/state_hourly.py: hourly, catchup,
from a few hours back), so prod's scheduler must continue after the last migrated run: its
next run strictly later, nothing for a migrated hour, nothing before the migrated history.
A second import changes nothing; a planted password never reaches the document."""

from __future__ import annotations

import copy
import json
import os
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from common.airflow_state import (
    AirflowApi,
    HttpTransport,
    dump_document,
    export_state,
    plan_import,
    run_import,
)

from local.platform import Platform, start, stop
from tests.e2e.conftest import HOURS_BACK

PLANTED = "planted-e2e-Pa55word-c0ffee"
STATE_DAGS = Path(__file__).parent / "state_dags"
HOURLY = "state_hourly"  # state_dags/state_hourly.py
CANARY_EVERY = timedelta(minutes=10)  # dags/canary.py: */10, catchup=False
# E2E_PORT_BASE: dev's servers on base+1..base+6 and its API on base, prod's 100 higher.
PORT_BASE = int(os.environ.get("E2E_PORT_BASE", "19500"))


def api(platform: Platform) -> AirflowApi:
    return AirflowApi(HttpTransport(platform.api_url, platform.user, platform.password))


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def wait_for(what: str, check, timeout: float = 240) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(2)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


def build_state(source: AirflowApi) -> list[dict[str, Any]]:
    """Pool, UI variable, connection with a password, a paused DAG, and the hourly DAG's runs
    made by dev's scheduler (catchup from STATE_E2E_START) and run by its worker."""
    source.call("POST", "/pools", body={"name": "warehouse", "slots": 3, "description": "DWH"})
    source.call("POST", "/variables", body={"key": "report_day", "value": "monday"})
    source.call(
        "POST",
        "/connections",
        body={
            "connection_id": "partner_db",
            "conn_type": "postgres",
            "host": "db.partner.example",
            "password": PLANTED,
        },
    )
    wait_for("DAGs parsed", lambda: source.get_or_none(f"/dags/{HOURLY}"))
    source.call("PATCH", "/dags/s3_etl", body={"is_paused": True})
    source.call("PATCH", f"/dags/{HOURLY}", body={"is_paused": False})

    def finished() -> list[dict[str, Any]] | None:
        runs = list(source.paged(f"/dags/{HOURLY}/dagRuns", "dag_runs"))
        done = [r for r in runs if r["state"] in {"success", "failed"}]
        return runs if len(done) >= HOURS_BACK + 1 and len(done) == len(runs) else None

    runs = wait_for("dev's scheduled runs", finished)
    assert {r["run_type"] for r in runs} == {"scheduled"}, runs
    assert {r["state"] for r in runs} == {"success"}, runs
    return runs


def build_canary_runs(source: AirflowApi) -> list[datetime]:
    """Several canary runs (every ten minutes, no catchup): two made through the API for the
    two intervals before the current one while canary is paused, then the one dev's scheduler
    makes once it is unpaused; all run by dev's worker. Their logical dates, in order."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    current = now - timedelta(minutes=now.minute % 10)
    for back in (2, 1):
        source.call(
            "POST",
            "/dags/canary/dagRuns",
            body={
                "dag_run_id": f"canary_e2e_{back}",
                "logical_date": _iso(current - back * CANARY_EVERY),
            },
        )
    source.call("PATCH", "/dags/canary", body={"is_paused": False})

    def finished() -> list[dict[str, Any]] | None:
        runs = list(source.paged("/dags/canary/dagRuns", "dag_runs"))
        done = [r for r in runs if r["state"] in {"success", "failed"}]
        scheduled = [r for r in runs if r["run_type"] == "scheduled"]
        return runs if scheduled and len(done) == len(runs) else None

    runs = wait_for("dev's canary runs", finished)
    assert {r["state"] for r in runs} == {"success"}, runs
    assert len(runs) >= 3, runs
    return sorted(_parse(r["logical_date"]) for r in runs)


def comparable(doc: dict) -> dict:
    out = copy.deepcopy(doc)
    for key in ("exported_at", "source", "omitted"):
        out.pop(key)
    for conn in out["connections"]:
        conn.pop("password_omitted")
    for dag in out["dags"]:
        for run in filter(None, [dag["latest_success"], *dag["history"]]):
            for key in ("run_id", "run_type", "run_after"):
                run.pop(key)
    return out


def runs_by_date(runs: list[dict[str, Any]]) -> dict[datetime, list[dict[str, Any]]]:
    found = defaultdict(list)
    for run in runs:
        found[_parse(run["logical_date"])].append(run)
    return found


def test_state_moves_from_the_mwaa_like_to_the_eks_like_platform(
    home: Path, hourly_start: datetime
) -> None:
    dev_base, prod_base = PORT_BASE, PORT_BASE + 100
    dev = start(
        "dev", port=dev_base, port_base=dev_base, state=home / "dev", fast=True,
        extra_dags=(STATE_DAGS,),
    )  # fmt: skip
    try:
        source = api(dev)
        dev_runs = build_state(source)
        canary_runs = build_canary_runs(source)
        doc = export_state(source, "local-dev", history_days=1)
    finally:
        stop(home / "dev")
    text = dump_document(doc)
    assert PLANTED not in text
    hourly = next(d for d in doc["dags"] if d["dag_id"] == HOURLY)
    migrated = sorted(_parse(r["logical_date"]) for r in hourly["history"])
    assert migrated == sorted(_parse(r["logical_date"]) for r in dev_runs)
    assert migrated[0] == hourly_start and len(migrated) >= HOURS_BACK + 1, migrated
    first, last = migrated[0], migrated[-1]

    prod = start(
        "prod", port=prod_base, port_base=prod_base, state=home / "prod", fast=True,
        extra_dags=(STATE_DAGS,),
    )  # fmt: skip
    try:
        target = api(prod)
        wait_for("DAGs parsed on prod", lambda: target.get_or_none(f"/dags/{HOURLY}"))
        plan = plan_import(target, doc)
        run_import(target, plan, report=print)
        # A catchup DAG stays paused after the import; its history reaches back to its
        # start_date, so the runbook's step applies: unpause it by hand.
        assert any(w.startswith(f"dag {HOURLY}: catchup=True") for w in plan.warnings)
        assert target.get(f"/dags/{HOURLY}")["is_paused"] is True
        target.call("PATCH", f"/dags/{HOURLY}", body={"is_paused": False})

        assert comparable(export_state(target, "local-prod", history_days=1)) == comparable(doc)
        assert plan_import(target, doc).changes == []  # importing twice is a no-op

        # Prod's scheduler walks the hourly schedule from start_date: every migrated hour
        # already has its run, so its next run is the first hour after the last migrated one.
        def next_run() -> datetime | None:
            found = target.get(f"/dags/{HOURLY}/details").get("next_dagrun_logical_date")
            return _parse(found) if found and _parse(found) > last else None

        following = wait_for("prod's next hourly run after the migrated ones", next_run, 120)
        by_date = runs_by_date(list(target.paged(f"/dags/{HOURLY}/dagRuns", "dag_runs")))
        for when in migrated:  # no duplicate: the migrated run is the hour's only run
            assert [r["run_type"] for r in by_date[when]] == ["manual"], by_date[when]
        assert not [w for w in by_date if w < first], by_date  # no backfill before them
        assert all(w > last for w in by_date if w not in migrated), by_date  # only later ones
        # canary (no catchup) continues after its last migrated run too: its next run is
        # later, and no logical date of a migrated run gets a second run.
        canary = next(d for d in doc["dags"] if d["dag_id"] == "canary")
        assert sorted(_parse(r["logical_date"]) for r in canary["history"]) == canary_runs
        assert target.get("/dags/canary")["is_paused"] is False

        def next_canary() -> datetime | None:
            found = target.get("/dags/canary/details").get("next_dagrun_logical_date")
            return _parse(found) if found and _parse(found) > canary_runs[-1] else None

        wait_for("prod's next canary run after the migrated ones", next_canary, 120)
        on_prod = runs_by_date(list(target.paged("/dags/canary/dagRuns", "dag_runs")))
        for when in canary_runs:
            assert len(on_prod[when]) == 1, on_prod[when]  # the migrated run, no duplicate
        assert all(w > canary_runs[-1] for w in on_prod if w not in canary_runs), on_prod
        print(json.dumps({"migrated": [_iso(m) for m in migrated], "next": _iso(following)}))
    finally:
        stop(home / "prod")


@pytest.fixture(autouse=True)
def _report_time(request):
    started = time.monotonic()
    yield
    print(f"{request.node.name}: {time.monotonic() - started:.0f} s")
