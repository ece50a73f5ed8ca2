"""The EKS create-user job's script (components/eks/state_logins.py) against the real FAB
auth manager Airflow 3.3.1 ships with (apache-airflow-providers-fab 3.8.0) on a sqlite DB:
both logins exist with their roles, the backup role reads exactly what an export reads and
writes nothing, and a second run (a rotated password) succeeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAIN_PYTHON = REPO / ".venv" / "bin" / "python"
FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
BACKUP_READS = {"Pools", "Variables", "Connections", "DAGs", "DAG Runs"}


def users_script() -> str:
    """The job's script, as the program renders it (the program lives in the main venv)."""
    code = "from components.eks.state_logins import users_script; print(users_script())"
    out = subprocess.run(
        [str(MAIN_PYTHON), "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return out.stdout


@pytest.fixture(scope="module")
def fab_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated sqlite metadata DB of its own, with FAB as the auth manager (as the chart's
    Airflow 3 default), and the airflow CLI of this venv first on PATH."""
    home = tmp_path_factory.mktemp("fab-home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__AUTH_MANAGER": FAB,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    run(["airflow", "db", "migrate"], env)
    return env


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    result = subprocess.run(
        args, env=env, input=stdin, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def job(env: dict[str, str], backup_password: str) -> None:
    logins = {
        "STATE_API_USERNAME": "state-transfer",
        "STATE_API_PASSWORD": "op-password-1",
        "BACKUP_API_USERNAME": "state-backup",
        "BACKUP_API_PASSWORD": backup_password,
    }
    run(["bash", "-s"], {**env, **logins}, stdin=users_script())


def test_the_job_makes_both_logins_and_a_read_only_backup_role(fab_env: dict[str, str]) -> None:
    job(fab_env, "backup-password-1")
    job(fab_env, "backup-password-2")  # a rotated password: the job runs again
    users = json.loads(run(["airflow", "users", "list", "-o", "json"], fab_env))
    roles_of = {u["username"]: u["roles"] for u in users}
    assert "Op" in roles_of["state-transfer"]
    assert "StateBackupReader" in roles_of["state-backup"]
    perms = json.loads(run(["airflow", "roles", "list", "-p", "-o", "json"], fab_env))
    backup = {(p["resource"], p["action"]) for p in perms if p["name"] == "StateBackupReader"}
    assert {(r, "can_read") for r in BACKUP_READS} <= backup  # reads what an export reads
    assert {a for _, a in backup} == {"can_read"}  # and may change nothing
