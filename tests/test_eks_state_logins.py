"""The state transfer's logins on EKS (components/eks/state_logins.py): the create-user job
that makes them, where their passwords live, what the workers get."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from typing import Any

import pytest

from components.eks.state_logins import users_script
from tests.test_eks_airflow import render, schema_errors, secret, values
from tests.test_eks_platform import DATA_KEY_ARN, build


def test_the_logins_are_the_op_and_the_backup_users_whose_passwords_never_enter_the_values() -> (
    None
):
    d = build()
    rendered = values(d)
    op_password = d.named("airflow-test-app-state-api-password").outputs["result"]
    backup_password = d.named("airflow-test-app-state-backup-password").outputs["result"]

    assert op_password not in json.dumps(rendered)
    assert backup_password not in json.dumps(rendered)
    job = rendered["createUserJob"]
    user = job["defaultUser"]
    assert (job["enabled"], user["username"], user["role"]) == (True, "state-transfer", "Op")
    assert {e["name"]: e["valueFrom"]["secretKeyRef"] for e in job["env"]} == {
        "STATE_API_USERNAME": {"name": "airflow-state-api-user", "key": "username"},
        "STATE_API_PASSWORD": {"name": "airflow-state-api-user", "key": "password"},
        "BACKUP_API_USERNAME": {"name": "airflow-state-backup-user", "key": "username"},
        "BACKUP_API_PASSWORD": {"name": "airflow-state-backup-user", "key": "password"},
    }
    assert job["args"][:2] == ["bash", "-c"] and job["args"][2] == users_script()
    # A rotated password changes the release (this digest), so Helm runs the job again.
    digest = hashlib.sha256(f"{op_password}\n{backup_password}".encode()).hexdigest()
    assert job["annotations"] == {"airflow-on-aws/logins-sha256": digest}
    # A rotated backup password rolls the workers, whose environment holds it from pod start.
    workers = rendered["workers"]["celery"]
    backup_digest = hashlib.sha256(backup_password.encode()).hexdigest()
    assert workers["podAnnotations"] == {"airflow-on-aws/backup-login-sha256": backup_digest}
    assert secret(d, "airflow-state-backup-user").inputs["stringData"] == {
        "username": "state-backup",
        "password": backup_password,
    }
    assert schema_errors(rendered) == []


def test_the_op_login_is_in_secrets_manager_under_the_data_key_and_no_airflow_pod_holds_it() -> (
    None
):
    d = build()
    password = d.named("airflow-test-app-state-api-password").outputs["result"]
    secret_ = next(
        s
        for s in d.of_type("aws:secretsmanager/secret:Secret")
        if s.inputs["name"] == "airflow-test/airflow-api/state-transfer"
    )
    (version,) = [
        v
        for v in d.of_type("aws:secretsmanager/secretVersion:SecretVersion")
        if v.inputs["secretId"] == secret_.id
    ]
    assert json.loads(version.inputs["secretString"]) == {
        "username": "state-transfer",
        "password": password,
    }
    assert secret_.inputs["kmsKeyId"] == DATA_KEY_ARN  # the workspace key, not the log key
    rendered = values(d)
    # Only the create-user job reads the Op user's Secret.
    elsewhere = {k: v for k, v in rendered.items() if k != "createUserJob"}
    assert "airflow-state-api-user" not in json.dumps(elsewhere)
    env = {e["name"]: e for e in rendered["workers"]["celery"]["env"]}
    assert env["AIRFLOW_STATE_API_URL"]["value"] == "http://airflow-api-server.airflow:8080"
    assert env["AIRFLOW_STATE_ENVIRONMENT"]["value"] == "airflow-test"
    for key in ("USERNAME", "PASSWORD"):
        assert env[f"AIRFLOW_STATE_{key}"]["valueFrom"]["secretKeyRef"]["name"] == (
            "airflow-state-backup-user"
        )


# The real FAB 3.8.0 CLI (Airflow 3.3.1's) runs the script in tests/dags/test_create_user_job.py
# (make test-dags); here, a fast
# stand-in for FAB's CLI (apache-airflow-providers-fab 2.4.1, cli_commands/user_command.py and
# role_command.py, sync_perm_command.py) with the behaviour the script depends on: `sync-perm`
# makes the resources and default roles; `roles add-perms` refuses a resource that does not
# exist; `users create` of an existing
# user prints a line and changes nothing (exit 0); `users create` needs an existing role;
# `roles create` and `roles add-perms` add what is missing; `users reset-password` sets it.
FAKE_FAB_CLI = r"""#!/usr/bin/env python3
import json, os, sys
path = os.environ["FAKE_FAB_DB"]
db = json.load(open(path)) if os.path.exists(path) else {"roles": {}, "users": {}, "resources": []}
group, command, rest = sys.argv[1], (sys.argv[2:] or [""])[0], sys.argv[3:]
def opt(flag):
    return rest[rest.index(flag) + 1]
def many(flag):
    start = rest.index(flag) + 1
    end = next((i for i in range(start, len(rest)) if rest[i].startswith("-")), len(rest))
    return rest[start:end]
if group == "sync-perm":
    db["roles"].setdefault("Op", [])
    db["resources"] = ["Pools", "Variables", "Connections", "DAGs", "DAG Runs", "Users"]
elif (group, command) == ("roles", "create"):
    for role in rest:
        db["roles"].setdefault(role, [])
elif (group, command) == ("roles", "add-perms"):
    perms = db["roles"][rest[0]]
    for resource in many("-r"):
        if resource not in db["resources"]:
            sys.exit(f"Resource named '{resource}' does not exist")
        for action in many("-a"):
            if [action, resource] not in perms:
                perms.append([action, resource])
elif (group, command) == ("users", "create"):
    if opt("-r") not in db["roles"]:
        sys.exit(f"{opt('-r')} is not a valid role")
    if opt("-u") in db["users"]:
        print(f"{opt('-u')} already exist in the db")
    else:
        db["users"][opt("-u")] = {"role": opt("-r"), "password": opt("-p")}
elif (group, command) == ("users", "reset-password"):
    if opt("-u") not in db["users"]:
        sys.exit(f'User "{opt("-u")}" does not exist')
    db["users"][opt("-u")]["password"] = opt("-p")
else:
    sys.exit(f"unknown command {sys.argv[1:]}")
json.dump(db, open(path, "w"))
"""


def _run_users_job(tmp_path: Any, op_password: str, backup_password: str) -> dict[str, Any]:
    cli = tmp_path / "bin" / "airflow"
    cli.parent.mkdir(exist_ok=True)
    cli.write_text(FAKE_FAB_CLI)
    cli.chmod(0o755)
    env = {
        "PATH": f"{cli.parent}:{os.environ['PATH']}",
        "FAKE_FAB_DB": str(tmp_path / "fab.json"),
        "STATE_API_USERNAME": "state-transfer",
        "STATE_API_PASSWORD": op_password,
        "BACKUP_API_USERNAME": "state-backup",
        "BACKUP_API_PASSWORD": backup_password,
    }
    job = render()["createUserJob"]
    subprocess.run(job["args"], env=env, check=True, capture_output=True, text=True)
    return dict(json.loads((tmp_path / "fab.json").read_text()))


@pytest.mark.integration
def test_the_users_job_creates_the_read_only_role_and_applies_rotated_passwords(
    tmp_path: Any,
) -> None:
    first = _run_users_job(tmp_path, "op-1", "backup-1")
    assert first["users"] == {
        "state-transfer": {"role": "Op", "password": "op-1"},
        "state-backup": {"role": "StateBackupReader", "password": "backup-1"},
    }
    assert sorted(map(tuple, first["roles"]["StateBackupReader"])) == sorted(
        ("can_read", r) for r in ("Pools", "Variables", "Connections", "DAGs", "DAG Runs")
    )
    # The Secrets rotated (a new RandomPassword): the job's next run must apply them.
    second = _run_users_job(tmp_path, "op-2", "backup-2")
    assert second["users"]["state-transfer"]["password"] == "op-2"
    assert second["users"]["state-backup"]["password"] == "backup-2"
    assert second["roles"] == first["roles"]


def test_the_users_job_is_a_hook_helm_awaits_and_replaces_and_the_release_awaits_jobs() -> None:
    d = build()
    rendered = values(d)
    # A hook: Helm deletes the previous Job before creating the next (no immutable-field
    # patch of a finished Job), runs it after every upgrade and fails the release if it fails.
    assert rendered["createUserJob"]["useHelmHooks"] is True
    # The migration Job is no hook (the pods wait for it); the release awaits it, and it
    # outlives the release's wait, or the wait would miss it and roll back a migrated database.
    release = d.release("airflow").inputs
    assert release["waitForJobs"] is True
    migrations = rendered["migrateDatabaseJob"]
    assert migrations["useHelmHooks"] is False
    assert migrations["ttlSecondsAfterFinished"] >= release["timeout"]
    others = [
        r for r in d.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] != "airflow"
    ]
    assert others and all(not r.inputs.get("waitForJobs") for r in others)


@pytest.mark.parametrize("protect", [True, False])
def test_the_op_logins_secrets_manager_secret_is_protected_like_the_workspace_secrets(
    protect: bool,
) -> None:
    d = build(protect=protect)
    (secret_,) = [
        s
        for s in d.of_type("aws:secretsmanager/secret:Secret")
        if s.inputs["name"].endswith("/airflow-api/state-transfer")
    ]
    assert secret_.protect is protect
    assert secret_.inputs["recoveryWindowInDays"] == (30 if protect else 0)
