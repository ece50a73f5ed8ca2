"""The state transfer's two Airflow logins on EKS: who they are, how the chart's create-user
job makes them, and where their passwords live.

- `state-transfer` (role Op, as MWAA grants its execution role: pools, variables,
  connections, runs and DAG edits, no user or role management) is the login
  `python -m tools.airflow_state` uses for export and import. Its password lives in Secrets
  Manager and in a Secret only the create-user job reads; no Airflow pod holds it.
- `state-backup` (role StateBackupReader) is the login the metadata_backup DAG uses from the
  workers: it may read exactly what an export reads (GET /pools, /variables, /connections,
  /dags, /dags/*/details, /dags/*/dagRuns) and change nothing.

Both passwords are generated once (`random`). The create-user job is a Helm hook
(post-install, post-upgrade): Helm runs it after every install and upgrade, waits for it, and
deletes the previous one first, so its changing spec never meets the finished Job. A digest of
both passwords is its pod annotation, so a rotated password changes the release (an upgrade
that runs it). A digest of the backup password alone is the workers' pod annotation: the
workers read that password from their environment, fixed when the pod starts, so a rotation
rolls them and the metadata_backup DAG never logs in with a stale one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.platform import state_api_secret_name

STATE_API_USER = "state-transfer"
STATE_API_ROLE = "Op"
BACKUP_API_USER = "state-backup"
BACKUP_API_ROLE = "StateBackupReader"
# FAB resource and action names: airflow/providers/fab/www/security/permissions.py
# (RESOURCE_*, ACTION_CAN_READ).
BACKUP_API_RESOURCES = ("Pools", "Variables", "Connections", "DAGs", "DAG Runs")
BACKUP_API_ACTIONS = ("can_read",)
LOGINS_ANNOTATION = "airflow-on-aws/logins-sha256"
BACKUP_LOGIN_ANNOTATION = "airflow-on-aws/backup-login-sha256"

# Writes one Kubernetes Secret: (role suffix, Secret name, data) -> the Secret.
SecretWriter = Callable[[str, str, Mapping[str, pulumi.Input[str]]], k8s.core.v1.Secret]


def from_secret(name: str, secret: str, key: str) -> dict[str, Any]:
    """A container env var read from a Secret's key."""
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def users_script() -> str:
    """The create-user job's script: FAB's permissions synced, the backup role with exactly
    its read permissions, then
    both logins, each created if missing and given its Secret's password every time (FAB's
    `users create` leaves an existing user untouched, so a rotated password needs
    `users reset-password`). `roles create` and `roles add-perms` skip what exists."""
    resources = " ".join(f'"{r}"' for r in BACKUP_API_RESOURCES)
    return "\n".join(
        [
            "set -euo pipefail",
            "login() {  # username password role first-name",
            '  airflow users create -r "$3" -u "$1" -p "$2" -e "$1@airflow.invalid" -f "$4" '
            "-l Login",
            '  airflow users reset-password -u "$1" -p "$2"',
            "}",
            # FAB's resources ("Pools", "DAG Runs"...) and default roles, before add-perms
            # names them (it refuses a resource that does not exist yet).
            "airflow sync-perm",
            f"airflow roles create {BACKUP_API_ROLE}",
            f"airflow roles add-perms {BACKUP_API_ROLE} -r {resources} "
            f"-a {' '.join(BACKUP_API_ACTIONS)}",
            f'login "$STATE_API_USERNAME" "$STATE_API_PASSWORD" {STATE_API_ROLE} State',
            f'login "$BACKUP_API_USERNAME" "$BACKUP_API_PASSWORD" {BACKUP_API_ROLE} Backup',
        ]
    )


def create_user_job(op_secret: str, backup_secret: str, logins_digest: str = "") -> dict[str, Any]:
    """The chart's create-user job makes the two logins (no admin/admin), their passwords
    read from the Secrets `op_secret` and `backup_secret` at run time so they never sit in
    the Helm values. Only this job reads the Op user's Secret."""
    return {
        "createUserJob": {
            "enabled": True,
            # A post-install/post-upgrade hook (the chart's): it runs once the release is
            # ready (nothing waits for the logins), Helm awaits it and fails the release if it
            # fails, and deletes the previous Job before creating the next
            # (before-hook-creation), so a changed spec (a new digest, a new Airflow image)
            # never patches a finished Job's immutable template.
            "useHelmHooks": True,
            "applyCustomEnv": False,
            "defaultUser": {
                "role": STATE_API_ROLE,
                "username": STATE_API_USER,
                "password": "",  # unused: the script below reads the Secrets
            },
            "args": ["bash", "-c", users_script()],
            # A rotated password changes the values, so Helm upgrades and the hook runs.
            "annotations": {LOGINS_ANNOTATION: logins_digest} if logins_digest else {},
            "env": [
                from_secret("STATE_API_USERNAME", op_secret, "username"),
                from_secret("STATE_API_PASSWORD", op_secret, "password"),
                from_secret("BACKUP_API_USERNAME", backup_secret, "username"),
                from_secret("BACKUP_API_PASSWORD", backup_secret, "password"),
            ],
        },
    }


def backup_env(api_url: str, environment_name: str, backup_secret: str) -> list[dict[str, Any]]:
    """What dags/metadata_backup.py needs on a worker: the in-cluster API server at
    `api_url`, the read-only backup user, and the environment name its metric carries."""
    return [
        {"name": "AIRFLOW_STATE_API_URL", "value": api_url},
        {"name": "AIRFLOW_STATE_ENVIRONMENT", "value": environment_name},
        from_secret("AIRFLOW_STATE_USERNAME", backup_secret, "username"),
        from_secret("AIRFLOW_STATE_PASSWORD", backup_secret, "password"),
    ]


@dataclass(frozen=True)
class StateLogins:
    """The logins' Kubernetes Secrets and the digest of their passwords."""

    secrets: list[k8s.core.v1.Secret]
    """The Op user's and the backup user's Secrets (the release depends on them)."""
    digest: pulumi.Output[str]
    """SHA-256 of both passwords: changes when either is rotated."""
    backup_digest: pulumi.Output[str]
    """SHA-256 of the backup password: changes when it is rotated (rolls the workers)."""


def declare_state_logins(
    name: str,
    *,
    environment_name: str,
    data_key_arn: pulumi.Input[str],
    protect: bool,
    op_secret: str,
    backup_secret: str,
    write_secret: SecretWriter,
    parent: pulumi.Resource,
) -> StateLogins:
    """The state transfer's two passwords, generated once (children of `parent`, named
    `f"{name}-<role>"`). The Op user's goes to Secrets Manager (outside the secrets backend's
    `airflow/` prefixes, under the workspace key `data_key_arn`) for
    `python -m tools.airflow_state --stack prod` (protected with `protect`, like the workspace's
    secrets), and to the Secret `op_secret` that only the
    create-user job reads; the read-only backup user's to `backup_secret`, which the workers
    read."""
    child = pulumi.ResourceOptions(parent=parent)
    password = random.RandomPassword(
        f"{name}-state-api-password", length=32, special=False, opts=child
    )
    secret = aws.secretsmanager.Secret(
        f"{name}-state-api-secret",
        name=state_api_secret_name(environment_name),
        description=f"Airflow API user for state export/import of {environment_name}",
        kms_key_id=data_key_arn,
        recovery_window_in_days=30 if protect else 0,
        # Protected in prod like the workspace's secrets: the CLI's login must not vanish.
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    aws.secretsmanager.SecretVersion(
        f"{name}-state-api-secret-value",
        secret_id=secret.id,
        secret_string=pulumi.Output.json_dumps(
            {"username": STATE_API_USER, "password": password.result}
        ),
        opts=child,
    )
    backup_password = random.RandomPassword(
        f"{name}-state-backup-password", length=32, special=False, opts=child
    )
    # A digest of random 32-character passwords reveals nothing; unsecret, so the
    # release's values stay readable in previews.
    digest = pulumi.Output.unsecret(
        pulumi.Output.all(password.result, backup_password.result).apply(
            lambda pw: hashlib.sha256("\n".join(pw).encode()).hexdigest()
        )
    )
    backup_digest = pulumi.Output.unsecret(
        backup_password.result.apply(lambda pw: hashlib.sha256(pw.encode()).hexdigest())
    )
    return StateLogins(
        secrets=[
            write_secret(
                "state-api-user-secret",
                op_secret,
                {"username": STATE_API_USER, "password": password.result},
            ),
            write_secret(
                "state-backup-user-secret",
                backup_secret,
                {"username": BACKUP_API_USER, "password": backup_password.result},
            ),
        ],
        digest=digest,
        backup_digest=backup_digest,
    )
