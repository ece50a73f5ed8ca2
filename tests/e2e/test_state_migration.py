"""Acceptance of the state transfer on the local platform: state built on the MWAA-like
(dev) platform is exported, imported into the EKS-like (prod) platform, read back equal,
and prod's scheduler continues the canary after the last migrated run: no backfill, no
duplicate. A second import changes nothing; a planted password never reaches the document."""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import time
from collections import Counter
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

PLANTED = "planted-e2e-Pa55word-c0ffee"
CANARY_EVERY = timedelta(minutes=10)


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


def build_state(source: AirflowApi) -> list[str]:
    """Pool, UI variable, connection with a password, a paused DAG, three canary runs on the
    last three complete intervals, run for real by the dev platform's worker."""
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
    wait_for("DAGs parsed", lambda: source.get_or_none("/dags/canary"))
    source.call("PATCH", "/dags/s3_etl", body={"is_paused": True})
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    latest = now - timedelta(minutes=now.minute % 10) - CANARY_EVERY
    run_ids = []
    for back in (2, 1, 0):
        start_at = latest - back * CANARY_EVERY
        run_id = f"canary_e2e_{back}"
        # Created while canary is still paused: the scheduler then never makes its own run
        # for these intervals.
        source.call(
            "POST",
            "/dags/canary/dagRuns",
            body={
                "dag_run_id": run_id,
                "logical_date": _iso(start_at),
                "data_interval_start": _iso(start_at),
                "data_interval_end": _iso(start_at + CANARY_EVERY),
                "conf": {},
            },
        )
        run_ids.append(run_id)
    source.call("PATCH", "/dags/canary", body={"is_paused": False})
    for run_id in run_ids:
        state = wait_for(
            f"canary {run_id}",
            lambda run_id=run_id: (
                source.get(f"/dags/canary/dagRuns/{run_id}")["state"]
                if source.get(f"/dags/canary/dagRuns/{run_id}")["state"] in {"success", "failed"}
                else None
            ),
        )
        assert state == "success", run_id
    return run_ids


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


@pytest.fixture
def home() -> Any:
    """State directories the platform's postgres user can reach (pytest's tmp is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="state-e2e-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_state_moves_from_the_mwaa_like_to_the_eks_like_platform(home: Path) -> None:
    tmp_path = home
    dev = start("dev", port=19500, port_base=19500, state=tmp_path / "dev", fast=True)
    try:
        source = api(dev)
        build_state(source)
        doc = export_state(source, "local-dev", history_days=1)
    finally:
        stop(tmp_path / "dev")
    text = dump_document(doc)
    assert PLANTED not in text
    canary = next(d for d in doc["dags"] if d["dag_id"] == "canary")
    last = _parse(canary["latest_success"]["logical_date"])
    assert {r["run_id"] for r in canary["history"]} >= {f"canary_e2e_{i}" for i in range(3)}

    prod = start("prod", port=19600, port_base=19600, state=tmp_path / "prod", fast=True)
    try:
        target = api(prod)
        wait_for("DAGs parsed on prod", lambda: target.get_or_none("/dags/canary"))
        run_import(target, plan_import(target, doc), report=print)

        assert comparable(export_state(target, "local-prod", history_days=1)) == comparable(doc)
        assert plan_import(target, doc).changes == []  # importing twice is a no-op

        # Prod's scheduler continues after the last migrated run.
        def moved_on() -> bool:
            details = target.get("/dags/canary/details")
            nxt = details.get("next_dagrun_logical_date")
            return bool(nxt) and _parse(nxt) > last

        wait_for("prod's next canary run after the migrated ones", moved_on, timeout=120)
        runs = list(target.paged("/dags/canary/dagRuns", "dag_runs"))
        scheduled = [r for r in runs if r["run_type"] == "scheduled"]
        assert all(_parse(r["logical_date"]) > last for r in scheduled), scheduled  # no backfill
        dates = Counter(r["logical_date"] for r in runs if r["logical_date"])
        assert max(dates.values()) == 1, dates  # no duplicate
        print(json.dumps({"last_migrated": _iso(last), "prod_runs": len(runs)}))
    finally:
        stop(tmp_path / "prod")


@pytest.fixture(autouse=True)
def _report_time(request):
    started = time.monotonic()
    yield
    print(f"{request.node.name}: {time.monotonic() - started:.0f} s")
