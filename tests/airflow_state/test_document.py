"""The state document refuses what it must not import, in one line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from common.airflow_state import (
    SCHEMA_VERSION,
    AirflowApi,
    StateDocumentError,
    check_document,
    export_state,
    load_document,
    plan_import,
)

from tests.airflow_state.fake_airflow import FakeAirflow
from tests.airflow_state.helpers import source_airflow


@pytest.fixture
def doc() -> dict:
    return export_state(AirflowApi(source_airflow()), "t", now=datetime(2026, 11, 29, tzinfo=UTC))


def test_an_export_is_a_valid_document_of_this_schema(doc: dict) -> None:
    assert doc["schema_version"] == SCHEMA_VERSION
    assert check_document(json.loads(json.dumps(doc))) == doc


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d.pop("dags"), "malformed state document at (document): 'dags' is a required"),
        (lambda d: d["pools"][0].update(slots="many"), "malformed state document at pools/0/slots"),
        (lambda d: d.update(extra_field=1), "malformed state document"),
        (lambda d: d.update(schema_version="1.1"), "schema 1.1 is newer than this tool's 1.0"),
        (lambda d: d.update(schema_version="2.0"), "schema 2.0 is another major version"),
        (lambda d: d.update(schema_version="0.9"), "schema 0.9 is another major version"),
        (lambda d: d.update(airflow_version="2.10.3"), "Airflow 2.10.3 cannot go into Airflow 3"),
    ],
)
def test_refused_with_one_clear_line_and_nothing_written(doc, damage, message) -> None:
    target = FakeAirflow()
    target.add_dag("canary")
    damage(doc)

    with pytest.raises(StateDocumentError) as refused:
        plan_import(AirflowApi(target), doc)

    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert all(method == "GET" for method, _ in target.calls)


def test_text_that_is_not_json_is_refused() -> None:
    with pytest.raises(StateDocumentError, match="not JSON"):
        load_document("{pools: []")
