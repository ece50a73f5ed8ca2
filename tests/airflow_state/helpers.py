"""A source Airflow with state worth carrying, secrets planted in every place they can hide."""

from __future__ import annotations

import json

from tests.airflow_state.fake_airflow import FakeAirflow

PLANTED = "planted-Pa55word-91ab"


def source_airflow() -> FakeAirflow:
    fake = FakeAirflow()
    fake.pools["warehouse"] = {
        "name": "warehouse",
        "slots": 4,
        "description": "DWH",
        "include_deferred": True,
    }
    fake.variables["report_day"] = {"key": "report_day", "value": "monday", "description": None}
    fake.variables["vendor_password"] = {"key": "vendor_password", "value": PLANTED}
    fake.variables["settings"] = {"key": "settings", "value": json.dumps({"api_key": PLANTED})}
    fake.variables["masked"] = {"key": "masked", "value": "***"}
    fake.connections["partner_db"] = {
        "connection_id": "partner_db",
        "conn_type": "postgres",
        "description": None,
        "host": "db.partner.example",
        "login": "reader",
        "schema": "sales",
        "port": 5432,
        "password": PLANTED,
        "extra": json.dumps({"sslmode": "require", "nested": {"secret_key": PLANTED}}),
    }
    fake.connections["legacy"] = {
        "connection_id": "legacy",
        "conn_type": "http",
        "description": None,
        "host": None,
        "login": None,
        "schema": None,
        "port": None,
        "password": None,
        "extra": f"token={PLANTED}",
    }
    fake.add_dag("canary")
    fake.add_dag("s3_etl", paused=True)
    for minute, state in (("00", "success"), ("10", "success"), ("20", "failed")):
        start = f"2026-11-29T10:{minute}:00Z"
        end = f"2026-11-29T10:{int(minute) + 10}:00Z"
        fake.add_run("canary", f"scheduled__2026-11-29T10:{minute}:00+00:00", start, end, state)
    return fake
