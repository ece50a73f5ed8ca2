"""The chart, rendered, creates the state transfer's two logins from the Secrets the program
writes (the Op user of the CLI, the read-only backup user); the workers (metadata_backup)
reach the API server as the backup user and never see the Op user's Secret."""

from __future__ import annotations

import hashlib
import json

from components.eks.airflow import API_SERVER_PORT, NAMESPACE, api_server_service
from components.eks.state_logins import users_script
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
    assert container["args"] == ["bash", "-c", users_script()]
    env = {e["name"]: e for e in container["env"]}
    declared = {o["metadata"]["name"] for o in stack.declared if o["kind"] == "Secret"}
    for variable, secret in (
        ("STATE_API_PASSWORD", "airflow-state-api-user"),
        ("BACKUP_API_PASSWORD", "airflow-state-backup-user"),
    ):
        ref = env[variable]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": secret, "key": "password"}
        assert ref["name"] in declared
    assert " admin " not in f" {json.dumps(container['args']).lower()} "


def test_workers_get_the_in_cluster_api_url_and_the_backup_users_credentials() -> None:
    renders = prod_stack().renders["airflow"]
    workers = next(
        o
        for o in renders
        if o["kind"] in {"Deployment", "StatefulSet"} and o["metadata"]["name"] == "airflow-worker"
    )
    env = {e["name"]: e for e in _containers(workers)[0]["env"]}
    # No rendered object but the create-user job refers to the Op user's Secret.
    assert [
        o["metadata"]["name"]
        for o in renders
        if "airflow-state-api-user" in json.dumps(o) and o["kind"] != "Secret"
    ] == ["airflow-create-user"]
    assert env["AIRFLOW_STATE_API_URL"]["value"] == "http://airflow-api-server.airflow:8080"
    assert env["AIRFLOW_STATE_ENVIRONMENT"]["value"] == "airflow-prod"
    for key in ("USERNAME", "PASSWORD"):
        assert env[f"AIRFLOW_STATE_{key}"]["valueFrom"]["secretKeyRef"]["name"] == (
            "airflow-state-backup-user"
        )


def test_the_api_server_service_the_tools_forward_to_is_the_charts() -> None:
    (service,) = [
        o
        for o in prod_stack().renders["airflow"]
        if o["kind"] == "Service" and o["metadata"]["name"] == api_server_service()
    ]
    assert service["metadata"]["namespace"] == NAMESPACE
    assert API_SERVER_PORT in [p["port"] for p in service["spec"]["ports"]]


def _job(renders: list[dict], suffix: str) -> dict:
    (job,) = [o for o in renders if o["kind"] == "Job" and o["metadata"]["name"].endswith(suffix)]
    return job


def test_the_users_job_is_a_hook_helm_deletes_before_creating_the_next() -> None:
    # A Job's template is immutable: as a hook, the previous Job is deleted before the next is
    # created (before-hook-creation), so a new digest or image never patches a finished one.
    job = _job(prod_stack().renders["airflow"], "create-user")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "post-install,post-upgrade"
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"].split(",")


def test_the_migration_job_outlives_the_release_wait_that_awaits_it() -> None:
    stack = prod_stack()
    job = _job(stack.renders["airflow"], "run-airflow-migrations")
    assert "helm.sh/hook" not in job["metadata"].get("annotations", {})  # the pods wait for it
    (release,) = [
        r["inputs"]
        for r in stack.resources
        if r["type"] == "kubernetes:helm.sh/v3:Release" and r["inputs"]["name"] == "airflow"
    ]
    assert release["waitForJobs"] is True
    # Helm checks Jobs after the Deployments are ready: a Job deleted by then fails the wait.
    assert job["spec"]["ttlSecondsAfterFinished"] >= release["timeout"]


def test_a_rotated_backup_password_rolls_the_workers() -> None:
    stack = prod_stack()
    workers = next(
        o
        for o in stack.renders["airflow"]
        if o["kind"] in {"Deployment", "StatefulSet"} and o["metadata"]["name"] == "airflow-worker"
    )
    (secret,) = [
        o
        for o in stack.declared
        if o["kind"] == "Secret" and o["metadata"]["name"] == "airflow-state-backup-user"
    ]
    password = secret["stringData"]["password"]
    annotations = workers["spec"]["template"]["metadata"]["annotations"]
    assert annotations["airflow-on-aws/backup-login-sha256"] == (
        hashlib.sha256(password.encode()).hexdigest()
    )
