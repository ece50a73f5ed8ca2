"""dags/common/airflow_state against two real Airflow 3.3.1 API servers: state made on one
is exported, imported into the other and read back equal; a second import changes nothing;
bad documents are refused with one line and nothing written; planted secrets never reach
the document."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
from api_server import USER, ApiServer
from common.airflow_state import (
    AirflowApi,
    HttpTransport,
    StateDocumentError,
    dump_document,
    export_state,
    plan_import,
    run_import,
)
from common.airflow_state.transfer import target_run_id

PLANTED = "planted-Pa55word-7f3c"
HOUR = (datetime.now(UTC) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def servers():
    started: list[ApiServer] = []
    try:
        for _ in range(2):
            started.append(ApiServer(password=f"pw-{len(started)}-{PLANTED[-4:]}").start())
        yield started
    finally:
        for server in started:
            server.stop()


def api(server: ApiServer) -> AirflowApi:
    return AirflowApi(HttpTransport(server.url, USER, server.password))


@pytest.fixture(scope="module")
def source(servers) -> AirflowApi:
    """The 'MWAA-like' side, with state a team would have built up."""
    a = api(servers[0])
    a.call("POST", "/pools", body={"name": "warehouse", "slots": 4, "description": "DWH"})
    a.call("PATCH", "/pools/default_pool", {"update_mask": ["slots"]}, {"slots": 64})
    a.call("POST", "/variables", body={"key": "report_day", "value": "monday"})
    a.call("POST", "/variables", body={"key": "partner_api_secret", "value": PLANTED})
    a.call("POST", "/variables", body={"key": "settings", "value": json.dumps({"token": PLANTED})})
    a.call(
        "POST",
        "/connections",
        body={
            "connection_id": "partner_db",
            "conn_type": "postgres",
            "host": "db.partner.example",
            "login": "reader",
            "password": PLANTED,
            "port": 5432,
            "extra": json.dumps({"sslmode": "require", "private_key": PLANTED}),
        },
    )
    a.call(
        "POST",
        "/connections",
        body={
            "connection_id": "nested",
            "conn_type": "http",
            "extra": json.dumps({"auth": {"client_secret": PLANTED}, "timeout": 5}),
        },
    )
    a.call("PATCH", "/dags/s3_etl", body={"is_paused": True})
    a.call("PATCH", "/dags/canary", body={"is_paused": False})
    for i, state in enumerate(["success", "success", "failed"]):
        start = HOUR + timedelta(minutes=10 * i)
        body = {
            "dag_run_id": f"canary_run_{i}",
            "logical_date": _iso(start),
            "data_interval_start": _iso(start),
            "data_interval_end": _iso(start + timedelta(minutes=10)),
            "conf": {},
        }
        a.call("POST", "/dags/canary/dagRuns", body=body)
        a.call("PATCH", f"/dags/canary/dagRuns/canary_run_{i}", body={"state": state})
    return a


def comparable(doc: dict) -> dict:
    """What must be equal on both sides. Secrets are not carried (the target has none to
    omit), and migrated runs are manual runs, under a `mig__<logical date>` id."""
    out = copy.deepcopy(doc)
    for key in ("exported_at", "source", "omitted"):
        out.pop(key)
    for conn in out["connections"]:
        conn.pop("password_omitted")
    for dag in out["dags"]:
        runs = [dag["latest_success"], *dag["history"]]
        for run in filter(None, runs):
            for key in ("run_id", "run_type", "run_after"):
                run.pop(key)
    return out


def test_export_holds_the_state_and_no_secret(source) -> None:
    doc = export_state(source, "source", history_days=1)
    text = dump_document(doc)

    assert PLANTED not in text
    assert {p["name"]: p["slots"] for p in doc["pools"]} == {"default_pool": 64, "warehouse": 4}
    assert [v["key"] for v in doc["variables"]] == ["report_day"]
    conns = {c["connection_id"]: c for c in doc["connections"]}
    assert conns["partner_db"]["password_omitted"] is True
    assert json.loads(conns["partner_db"]["extra"]) == {"sslmode": "require"}
    assert json.loads(conns["nested"]["extra"]) == {"timeout": 5}
    assert len(doc["omitted"]) == 5
    dags = {d["dag_id"]: d for d in doc["dags"]}
    assert dags["s3_etl"]["is_paused"] is True
    assert dags["canary"]["is_paused"] is False
    assert dags["canary"]["latest_success"]["run_id"] == "canary_run_1"
    assert [r["state"] for r in dags["canary"]["history"]] == ["success", "success", "failed"]


def test_import_recreates_the_state_and_twice_is_a_no_op(source, servers) -> None:
    target = api(servers[1])
    doc = export_state(source, "source", history_days=1)

    plan = plan_import(target, doc)
    assert plan.changes, "a fresh target needs changes"
    run_import(target, plan, report=lambda _line: None)

    assert comparable(export_state(target, "target", history_days=1)) == comparable(doc)
    assert plan_import(target, doc).changes == []
    # The recreated runs keep their logical dates, intervals and states, under short manual
    # ids from their logical date (real Airflow accepts them; MWAA's 64-char paths fit them).
    runs = target.get("/dags/canary/dagRuns", {"order_by": "logical_date"})["dag_runs"]
    assert [(r["dag_run_id"], r["state"]) for r in runs] == [
        (target_run_id(r["logical_date"]), state)
        for r, state in zip(runs, ("success", "success", "failed"), strict=True)
    ]
    assert all(r["dag_run_id"].startswith("mig__") for r in runs)
    assert runs[1]["data_interval_end"] == _iso(HOUR + timedelta(minutes=20))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d.pop("pools"), "malformed state document"),
        (lambda d: d.update(schema_version="1.9"), "newer than this tool"),
        (lambda d: d.update(schema_version="2.0"), "another major version"),
        (lambda d: d.update(airflow_version="2.10.3"), "another major version"),
        (lambda d: d["dags"][0].update(is_paused="yes"), "malformed state document"),
    ],
)
def test_a_bad_document_is_refused_in_one_line_and_nothing_is_written(
    source, servers, damage, message
) -> None:
    target = api(servers[1])
    before = export_state(target, "target", history_days=1)
    doc = export_state(source, "source", history_days=1)
    doc["pools"].append(
        {"name": "must_not_appear", "slots": 1, "description": None, "include_deferred": False}
    )
    damage(doc)

    with pytest.raises(StateDocumentError) as refused:
        plan_import(target, doc)

    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert comparable(export_state(target, "target", history_days=1)) == comparable(before)
