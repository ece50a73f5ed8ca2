"""The chart, rendered, creates exactly one login, the state-transfer user, from the Secret
the program writes; the workers (metadata_backup) reach the API server as that user."""

from __future__ import annotations

import json

from tests.charts.conftest import prod_stack


def _containers(obj: dict) -> list[dict]:
    return obj["spec"]["template"]["spec"]["containers"]


def test_create_user_job_reads_the_password_from_the_programs_secret() -> None:
    stack = prod_stack()
    (job,) = [
        o
        for o in stack.renders["airflow"]
        if o["kind"] == "Job" and o["metadata"]["name"].endswith("create-user")
    ]
    (container,) = _containers(job)
    command = " ".join(container["args"])
    # Workers hold this login for the backup DAG: Op (as on MWAA), never Admin.
    assert "airflow users create -r Op " in command
    assert '-p "$STATE_API_PASSWORD"' in command
    env = {e["name"]: e for e in container["env"]}
    ref = env["STATE_API_PASSWORD"]["valueFrom"]["secretKeyRef"]
    declared = {o["metadata"]["name"] for o in stack.declared if o["kind"] == "Secret"}
    assert ref == {"name": "airflow-state-api-user", "key": "password"}
    assert ref["name"] in declared
    assert "admin" not in json.dumps(container["args"]).lower().replace("-r admin", "")


def test_workers_get_the_in_cluster_api_url_and_the_users_credentials() -> None:
    workers = next(
        o
        for o in prod_stack().renders["airflow"]
        if o["kind"] in {"Deployment", "StatefulSet"} and o["metadata"]["name"] == "airflow-worker"
    )
    env = {e["name"]: e for e in _containers(workers)[0]["env"]}
    assert env["AIRFLOW_STATE_API_URL"]["value"] == "http://airflow-api-server.airflow:8080"
    assert env["AIRFLOW_STATE_ENVIRONMENT"]["value"] == "airflow-prod"
    assert env["AIRFLOW_STATE_USERNAME"]["valueFrom"]["secretKeyRef"]["name"] == (
        "airflow-state-api-user"
    )
