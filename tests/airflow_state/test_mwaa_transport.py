"""The MWAA path: every request the transfer sends through `InvokeRestApi` is one botocore's
model of the operation accepts, and MWAA's error shapes come back as API statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.config
import botocore.session
import pytest
from botocore.stub import Stubber
from common.airflow_state import (
    AirflowApi,
    ApiError,
    MwaaTransport,
    export_state,
    plan_import,
    run_import,
)

from components.network import interface_endpoint_services, nat_endpoint_services
from tests.airflow_state.fake_airflow import FakeAirflow
from tests.airflow_state.helpers import source_airflow
from tests.aws_model import operation_input, problems

SHAPE = operation_input("mwaa", "InvokeRestApi")


class ModelCheckedMwaa:
    """A boto3-like MWAA client: checks each call against botocore's model, then answers
    from a fake Airflow the way InvokeRestApi wraps the API's answer."""

    def __init__(self, airflow: FakeAirflow) -> None:
        self.airflow = airflow
        self.requests: list[dict[str, Any]] = []
        self.exceptions = boto3.client("mwaa", region_name="eu-west-1").exceptions

    def invoke_rest_api(self, **kwargs: Any) -> dict[str, Any]:
        assert problems(SHAPE, kwargs) == [], problems(SHAPE, kwargs)
        # The model types QueryParameters as a document; how MWAA encodes a list in it is
        # undocumented, so only scalars may go (issue 21, item 8).
        listed = {k: v for k, v in kwargs.get("QueryParameters", {}).items() if isinstance(v, list)}
        assert not listed, f"list-valued query parameters sent through MWAA: {listed}"
        self.requests.append(kwargs)
        status, answer = self.airflow.request(
            kwargs["Method"], kwargs["Path"], kwargs.get("QueryParameters"), kwargs.get("Body")
        )
        return {"RestApiStatusCode": status, "RestApiResponse": answer}


def test_export_and_import_requests_satisfy_the_invoke_rest_api_model() -> None:
    source = ModelCheckedMwaa(source_airflow())
    doc = export_state(
        AirflowApi(MwaaTransport(source, "airflow-dev")),
        "mwaa:airflow-dev",
        history_days=1,
        now=datetime(2026, 11, 29, 12, tzinfo=UTC),
    )
    target_airflow = FakeAirflow()
    target_airflow.add_dag("canary")
    target = ModelCheckedMwaa(target_airflow)
    plan_import(AirflowApi(MwaaTransport(target, "airflow-dev")), doc)

    sent = source.requests + target.requests
    assert {r["Name"] for r in sent} == {"airflow-dev"}
    # MWAA adds the /api/v2 prefix itself.
    assert all(r["Path"].startswith("/") and not r["Path"].startswith("/api") for r in sent)
    assert {"GET"} == {r["Method"] for r in sent}
    assert any(r.get("QueryParameters", {}).get("state") == "success" for r in sent)


def test_import_writes_through_mwaa_satisfy_the_model_for_scheduled_run_history() -> None:
    """Every write run_import sends (POST/PATCH of runs, pools, variables, connections, DAG
    pause) fits InvokeRestApi: a migrated scheduled run is PATCHed under a short id."""
    source_airflow_ = source_airflow()
    # A DAG id long enough that `scheduled__<iso>` run ids would overflow the 64-char Path.
    source_airflow_.add_dag("daily_sales_report")
    source_airflow_.add_run(
        "daily_sales_report",
        "scheduled__2026-11-28T00:00:00+00:00",
        "2026-11-28T00:00:00Z",
        "2026-11-29T00:00:00Z",
        "success",
    )
    doc = export_state(
        AirflowApi(source_airflow_),
        "mwaa:airflow-dev",
        history_days=3,
        now=datetime(2026, 11, 29, 12, tzinfo=UTC),
    )
    target_airflow = FakeAirflow()
    target_airflow.add_dag("canary")
    target_airflow.add_dag("daily_sales_report")
    target = ModelCheckedMwaa(target_airflow)
    api = AirflowApi(MwaaTransport(target, "airflow-dev"))

    run_import(api, plan_import(api, doc), report=lambda _: None)

    writes = [r for r in target.requests if r["Method"] != "GET"]
    assert {r["Method"] for r in writes} == {"POST", "PATCH"}
    patched = {r["Path"] for r in writes if r["Method"] == "PATCH"}
    assert "/dags/daily_sales_report/dagRuns/mig__20261128T000000" in patched
    assert target_airflow.runs["daily_sales_report"]["mig__20261128T000000"]["state"] == "success"
    assert len(target_airflow.runs["canary"]) == 3


def test_a_plan_with_a_path_mwaa_refuses_fails_before_anything_is_written() -> None:
    source = source_airflow()
    long_dag = "d" * 40  # /dags/<40>/dagRuns/mig__... is 75 characters
    source.add_dag(long_dag)
    source.add_run(long_dag, "manual__x", "2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z", "success")
    doc = export_state(AirflowApi(source), "mwaa:airflow-dev")
    target_airflow = FakeAirflow()
    target_airflow.add_dag("canary")
    target_airflow.add_dag(long_dag)
    # Planning reads go by logical date (short paths); the refusal comes from the plan check.
    target = ModelCheckedMwaa(target_airflow)
    with pytest.raises(ApiError, match=r"this transport accepts 64.*nothing written"):
        plan_import(AirflowApi(MwaaTransport(target, "airflow-dev")), doc)
    assert [r for r in target.requests if r["Method"] != "GET"] == []
    assert target_airflow.runs[long_dag] == {}


def test_the_model_check_catches_a_request_mwaa_would_reject() -> None:
    assert problems(SHAPE, {"Name": "airflow-dev", "Path": "/dags", "Method": "FETCH"})
    assert problems(SHAPE, {"Name": "9-bad", "Path": "/dags", "Method": "GET"})
    assert problems(SHAPE, {"Name": "airflow-dev", "Path": "/x" * 40, "Method": "GET"})


def test_a_path_longer_than_mwaa_accepts_is_refused_before_the_call() -> None:
    client = ModelCheckedMwaa(FakeAirflow())
    with pytest.raises(ApiError, match="paths stop at 64"):
        MwaaTransport(client, "airflow-dev").request("GET", "/dags/" + "d" * 70)
    assert client.requests == []


def test_real_boto3_client_sends_the_stubbed_shape_and_maps_api_errors() -> None:
    client = boto3.client(
        "mwaa", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    transport = MwaaTransport(client, "airflow-dev")
    with Stubber(client) as stub:
        stub.add_response(
            "invoke_rest_api",
            {"RestApiStatusCode": 200, "RestApiResponse": {"version": "3.0.6"}},
            {"Name": "airflow-dev", "Path": "/version", "Method": "GET"},
        )
        stub.add_client_error(
            "invoke_rest_api",
            service_error_code="RestApiClientException",
            http_status_code=400,
            modeled_fields={"RestApiStatusCode": 404, "RestApiResponse": {"detail": "gone"}},
        )
        assert AirflowApi(transport).version() == "3.0.6"
        assert AirflowApi(transport).get_or_none("/pools/gone") is None


@pytest.mark.parametrize("code", ["ValidationException", "ThrottlingException"])
def test_mwaa_refusals_become_one_clear_api_error(code: str) -> None:
    client = boto3.client(
        "mwaa",
        region_name="eu-west-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    with Stubber(client) as stub:
        stub.add_client_error("invoke_rest_api", service_error_code=code, service_message="no")
        with pytest.raises(ApiError, match=f"GET /version -> 0: MWAA {code}: no"):
            AirflowApi(MwaaTransport(client, "airflow-dev")).version()


def test_invoke_rest_api_goes_through_the_airflow_env_endpoint_every_created_vpc_has() -> None:
    """README: a private web server's InvokeRestApi must come from inside the VPC; the call is
    served by MWAA's `env.` host, whose interface endpoint a created VPC has with either egress
    (tests/test_stack_network.py checks the NAT stack's)."""
    model = botocore.session.get_session().get_service_model("mwaa")
    assert model.operation_model("InvokeRestApi").endpoint == {"hostPrefix": "env."}
    assert "airflow.env" in interface_endpoint_services("mwaa")
    assert nat_endpoint_services(private_web_server=True) == ("airflow.env",)


# ---------------------------------------------------------------- issue 21: items 4 and 8


def _mwaa_api(airflow: FakeAirflow) -> tuple[ModelCheckedMwaa, AirflowApi]:
    client = ModelCheckedMwaa(airflow)
    return client, AirflowApi(MwaaTransport(client, "airflow-dev"))


def test_export_leaves_out_only_the_dag_whose_paths_cannot_fit_and_says_so() -> None:
    """Airflow allows DAG ids of 250 characters, InvokeRestApi paths of 64: the export's longest
    path is /dags/<id>/dagRuns (14 + id), so a 50-character id is exactly at the limit and a
    51-character one is over it. The over-long DAG is one line in `omitted`; the rest,
    the daily backup included, goes through."""
    airflow = source_airflow()
    at_limit, over = "a" * 50, "b" * 51
    airflow.add_dag(at_limit)
    airflow.add_dag(over)
    client, api = _mwaa_api(airflow)

    doc = export_state(api, "mwaa:airflow-dev", history_days=1)

    assert {d["dag_id"] for d in doc["dags"]} == {"canary", "s3_etl", at_limit}
    assert max(len(r["Path"]) for r in client.requests) == 64
    [line] = [o for o in doc["omitted"] if o.startswith(f"dag {over}")]
    assert "65 characters" in line and "carries 64" in line


def test_an_http_export_keeps_long_dag_ids() -> None:
    """Only a transport with a limit leaves DAGs out (the EKS API server takes any path)."""
    airflow = source_airflow()
    airflow.add_dag("c" * 200)
    doc = export_state(AirflowApi(airflow), "eks:airflow")
    assert "c" * 200 in {d["dag_id"] for d in doc["dags"]}
    assert not [o for o in doc["omitted"] if o.startswith("dag ")]


def test_pool_and_variable_names_with_spaces_and_slashes_are_encoded_and_round_trip() -> None:
    source = FakeAirflow()
    source.pools["team a/etl"] = {
        "name": "team a/etl",
        "slots": 3,
        "description": None,
        "include_deferred": False,
    }
    source.variables["dir/with space"] = {
        "key": "dir/with space",
        "value": "x",
        "description": None,
    }
    doc = export_state(AirflowApi(source), "eks:airflow")

    target = FakeAirflow()
    target.pools["team a/etl"] = {
        "name": "team a/etl",
        "slots": 1,
        "description": None,
        "include_deferred": False,
    }
    client, api = _mwaa_api(target)
    run_import(api, plan_import(api, doc), report=lambda _: None)

    paths = {r["Path"] for r in client.requests}
    assert "/pools/team%20a%2Fetl" in paths
    assert "/variables/dir%2Fwith%20space" in paths
    assert not any(" " in p for p in paths)
    assert target.pools["team a/etl"]["slots"] == 3
    assert target.variables["dir/with space"]["value"] == "x"


def test_updates_through_mwaa_send_no_list_valued_query_parameter() -> None:
    """default_pool (which Airflow patches only under a mask), another pool and a connection
    all differ on the target: every update goes through, none with a list in QueryParameters,
    and a password set on the target by hand survives the connection's update."""
    source = source_airflow()
    source.pools["default_pool"].update(slots=64, include_deferred=True)
    doc = export_state(AirflowApi(source), "mwaa:airflow-dev")

    target = FakeAirflow()
    target.add_dag("canary")
    target.pools["warehouse"] = {
        "name": "warehouse",
        "slots": 1,
        "description": "old",
        "include_deferred": False,
    }
    target.connections["partner_db"] = {
        "connection_id": "partner_db",
        "conn_type": "postgres",
        "description": None,
        "host": "old.example",
        "login": "reader",
        "schema": "sales",
        "port": 5432,
        "password": "set-by-hand",
        "extra": None,
    }
    client, api = _mwaa_api(target)
    run_import(api, plan_import(api, doc), report=lambda _: None)

    writes = [r for r in client.requests if r["Method"] == "PATCH"]
    assert any(r["Path"] == "/pools/default_pool" for r in writes)
    assert target.pools["default_pool"]["slots"] == 64
    assert target.pools["default_pool"]["include_deferred"] is True
    assert target.pools["warehouse"] == {**source.pools["warehouse"]}
    assert target.connections["partner_db"]["host"] == "db.partner.example"
    assert target.connections["partner_db"]["password"] == "set-by-hand"
    assert plan_import(api, doc).changes == []  # a second import finds nothing to do


def test_the_mwaa_transport_refuses_a_list_valued_query_parameter() -> None:
    client = ModelCheckedMwaa(FakeAirflow())
    with pytest.raises(ApiError, match=r"list-valued query parameters \['update_mask'\]"):
        MwaaTransport(client, "airflow-dev").request(
            "PATCH", "/pools/p", {"update_mask": ["slots"]}, {"slots": 1}
        )
    assert client.requests == []
