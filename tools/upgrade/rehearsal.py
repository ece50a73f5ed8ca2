"""Steps 4 and 5 on real servers (the local platform, prod-like: PgBouncer, Celery, remote
logs in S3, the alert topic): the metadata migration on a copy of a FROM database the
scheduler has used, the target started on it and checked as the e2e checks, then the
rollback (`airflow db downgrade`) and FROM started again on the same database."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local import platform as local
from local.client import AirflowClient, ApiError
from local.config import REPO
from tools.upgrade.report import StepResult

STACK = "prod"  # the prod-like platform: PgBouncer, remote logs, the full Celery path
RUN_TIMEOUT = 300
WARNING_WORDS = ("warning", "deprecat")


class CheckFailed(RuntimeError):
    """A core check failed; the message is one line."""


@dataclass
class Rehearsal:
    """Where the rehearsal's platforms live and what they made."""

    work: Path
    from_venv: Path
    to_venv: Path
    sql: Path | None = None
    """SQL run on FROM's database once its state is made, before the copy is migrated:
    what your real database has and the rehearsal's has not (views or grants on Airflow's
    tables, rows your tools wrote)."""
    echo: Callable[[str], None] = print
    runs_from: list[tuple[str, str]] = field(default_factory=list)
    runs_to: list[tuple[str, str]] = field(default_factory=list)

    @property
    def original(self) -> Path:
        return self.work / "platform-from"

    @property
    def copy(self) -> Path:
        return self.work / "platform-copy"


@contextlib.contextmanager
def platforms_stopped(rehearsal: Rehearsal) -> Iterator[None]:
    """Whatever happens, every platform the rehearsal started is stopped; its folder (logs,
    database) stays under build/upgrade/ to be read, and the next rehearsal removes it."""
    try:
        yield
    finally:
        for state in (rehearsal.copy, rehearsal.original):
            if state.exists():
                local.stop(state, keep=True)


def start(state: Path, venv: Path, echo: Callable[[str], None]) -> local.Platform:
    return local.start(STACK, port=local.free_port(), state=state, fast=True, venv=venv, echo=echo)


def run_dag(api: AirflowClient, dag_id: str, conf: dict[str, Any] | None = None) -> tuple[str, str]:
    api.unpause(dag_id)
    run = api.trigger(dag_id, conf=conf)
    return run["dag_run_id"], api.wait(dag_id, run["dag_run_id"], RUN_TIMEOUT)


def make_state(platform: local.Platform, state_doc: Path | None) -> list[tuple[str, str]]:
    """The representative state: STATE= imported through the state CLI, then canary runs
    through scheduler and worker and one failed run (the e2e's)."""
    api = platform.client()
    api.wait_for_dag("canary")
    if state_doc:
        state_cli(platform, "import", "--in", str(state_doc))
    runs = []
    for _ in range(2):
        run_id, state = run_dag(api, "canary")
        if state != "success":
            raise CheckFailed(f"canary run {run_id} ended {state} on FROM")
        runs.append(("canary", run_id))
    api.wait_for_dag("failure_notification")
    run_id, state = run_dag(api, "failure_notification", {"fail": True})
    if state != "failed":
        raise CheckFailed(f"failure_notification run {run_id} ended {state}, not failed")
    runs.append(("failure_notification", run_id))
    return runs


def state_cli(platform: local.Platform, command: str, *args: str) -> str:
    env = {**os.environ, "AIRFLOW_STATE_USERNAME": platform.user,
           "AIRFLOW_STATE_PASSWORD": platform.password}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "tools.airflow_state", command, "--url", platform.api_url, *args],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode:
        raise CheckFailed(f"state {command} failed: {result.stderr.strip()[-300:]}")
    return result.stdout


def run_sql(platform: local.Platform, sql: Path) -> str:
    """`sql` run by psql on the platform's metadata database, as Airflow connects to it,
    stopping at the first error; returns psql's output."""
    url = urllib.parse.urlsplit(platform.config.options["database.sql_alchemy_conn"])
    query = dict(urllib.parse.parse_qsl(url.query))
    env = {
        **os.environ,
        "PGHOST": url.hostname or "",
        "PGPORT": str(url.port or 5432),
        "PGUSER": urllib.parse.unquote(url.username or ""),
        "PGPASSWORD": urllib.parse.unquote(url.password or ""),
        "PGDATABASE": url.path.lstrip("/"),
        "PGSSLMODE": query.get("sslmode", "prefer"),
    }
    result = subprocess.run(["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-f", str(sql)],
                            env=env, capture_output=True, text=True, check=False)  # fmt: skip
    if result.returncode:
        raise CheckFailed(f"{sql.name} failed on FROM's database: {error_line(result.stderr)}")
    return result.stdout


def runs_present(api: AirflowClient, runs: list[tuple[str, str]]) -> list[str]:
    missing = []
    for dag_id, run_id in runs:
        try:
            api.run(dag_id, run_id)
        except ApiError:
            missing.append(f"{dag_id}/{run_id}")
    return missing


def core_checks(platform: local.Platform, work: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """The e2e's core checks on a running platform: a canary run through scheduler and
    worker, its remote log in S3 and through the API, the failure alert on the alert topic,
    the state export. Returns (what passed, the runs it made)."""
    api = platform.client()
    api.wait_for_dag("canary")
    passed = []
    run_id, state = run_dag(api, "canary")
    if state != "success":
        raise CheckFailed(f"canary run {run_id} ended {state}")
    tis = api.task_instances("canary", run_id)
    if not all(t.get("hostname") for t in tis):
        raise CheckFailed(f"canary run {run_id}: a task has no worker hostname")
    passed.append(f"canary {run_id} succeeded through the scheduler and the Celery worker")
    if not remote_log(platform, api, run_id):
        raise CheckFailed(f"canary run {run_id}: no remote log in S3 readable through the API")
    passed.append("its task log is in the log bucket and readable through the API")
    queue = subscribe(platform)
    api.wait_for_dag("failure_notification")
    failed_id, state = run_dag(api, "failure_notification", {"fail": True})
    if state != "failed" or not alerted(platform, queue, failed_id):
        raise CheckFailed(f"failure_notification {failed_id}: no alert on the alert topic")
    passed.append("a failed run's alert reached the alert topic")
    doc = work / "state-export.json"
    state_cli(platform, "export", "--out", str(doc), "--history-days", "1")
    exported = json.loads(doc.read_text())
    if "canary" not in json.dumps(exported["dags"]):
        raise CheckFailed("the state export has no canary DAG")
    passed.append(f"the state export reads {len(exported['dags'])} DAGs")
    return passed, [("canary", run_id), ("failure_notification", failed_id)]


def remote_log(platform: local.Platform, api: AirflowClient, run_id: str) -> bool:
    """The canary's task log is in the log bucket and the API reads it: the upload follows
    the task's end, so it is waited for (90 s: a loaded machine)."""
    s3 = local.aws_client("s3", platform.ports.moto, platform.config.region)
    prefix = f"logs/dag_id=canary/run_id={run_id}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        listed = s3.list_objects_v2(Bucket=platform.config.log_bucket, Prefix=prefix)
        if listed.get("Contents") and "Canary heartbeat" in api.log("canary", run_id, "heartbeat"):
            return True
        time.sleep(3)
    return False


def subscribe(platform: local.Platform) -> str:
    sqs = local.aws_client("sqs", platform.ports.moto, platform.config.region)
    sns = local.aws_client("sns", platform.ports.moto, platform.config.region)
    url = str(sqs.create_queue(QueueName="upgrade-alerts")["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(TopicArn=platform.config.alert_topic_arn, Protocol="sqs",
                  Endpoint=arn["QueueArn"])  # fmt: skip
    return url


def alerted(platform: local.Platform, queue: str, run_id: str, timeout: float = 60) -> bool:
    sqs = local.aws_client("sqs", platform.ports.moto, platform.config.region)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        if any(run_id in m.get("Body", "") for m in answer.get("Messages", [])):
            return True
    return False


def error_line(output: str) -> str:
    """The line that names the error (an exception's), else the last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    named = [line for line in lines if re.match(r"^[\w.]*(Error|Exception)\b", line)]
    return (named or lines or ["no output"])[-1][:300]


def warnings_in(output: str) -> list[str]:
    return sorted({
        line.strip()[:200] for line in output.splitlines()
        if any(w in line.lower() for w in WARNING_WORDS)
    })  # fmt: skip


def migration(
    rehearsal: Rehearsal, from_version: str, to_version: str, state_doc: Path | None
) -> StepResult:
    """Step 4: FROM with a representative state, stopped; a copy migrated by TO's `airflow db
    migrate` (timed); TO started on it and checked."""
    name = "Metadata migration, on a copy"
    echo = rehearsal.echo
    for state in (rehearsal.original, rehearsal.copy):
        if state.exists():
            local.stop(state)
    echo(f"  starting Airflow {from_version} (FROM) on the local platform")
    try:
        platform = start(rehearsal.original, rehearsal.from_venv, echo)
        rehearsal.runs_from = make_state(platform, state_doc)
    except (local.PlatformError, CheckFailed, ApiError) as error:
        line = str(error).splitlines()[0]
        return StepResult(4, name, "fail", f"FROM {from_version} did not run: {line}")
    if rehearsal.sql:
        echo(f"  running {rehearsal.sql} on its database")
        try:
            run_sql(platform, rehearsal.sql)
        except CheckFailed as error:
            return StepResult(4, name, "fail", str(error))
    local.stop(rehearsal.original, keep=True)
    # cp -a keeps the PostgreSQL files' owner and modes (the server refuses others).
    subprocess.run(["cp", "-a", str(rehearsal.original), str(rehearsal.copy)], check=True)
    echo(f"  migrating a copy of its database with Airflow {to_version}'s `airflow db migrate`")
    try:
        platform = start(rehearsal.copy, rehearsal.to_venv, echo)
    except local.PlatformError as error:
        record = _migration_record(rehearsal.copy)
        if record and record["returncode"]:
            last = error_line(record["output"])
            return StepResult(4, name, "fail", f"the migration to {to_version} failed: {last}",
                              seconds=record["seconds"],
                              details=[f"output: {rehearsal.copy}/migration.json"])  # fmt: skip
        return StepResult(4, name, "fail", f"Airflow {to_version} did not start on the "
                          f"migrated copy: {str(error).splitlines()[0]}")  # fmt: skip
    record = local.last_migration(rehearsal.copy)
    warnings = warnings_in(record["output"])
    details = [f"`airflow db migrate` {from_version} → {to_version}: {record['seconds']:.1f} s",
               *(f"migration says: {w}" for w in warnings)]  # fmt: skip
    if rehearsal.sql:
        details.insert(0, f"{rehearsal.sql} ran on FROM's database before the copy")
    try:
        missing = runs_present(platform.client(), rehearsal.runs_from)
        if missing:
            raise CheckFailed(f"runs made on FROM are missing after the migration: {missing}")
        details.append(f"the {len(rehearsal.runs_from)} runs made on FROM are there")
        passed, rehearsal.runs_to = core_checks(platform, rehearsal.work)
    except (CheckFailed, ApiError) as error:
        return StepResult(4, name, "fail", f"on {to_version} after the migration: {error}",
                          seconds=record["seconds"], details=details)  # fmt: skip
    details += passed
    summary = (f"migrated in {record['seconds']:.1f} s"
               f"{f' with {len(warnings)} warning line(s)' if warnings else ', no warning'}; "
               f"Airflow {to_version} passes the core checks on it")  # fmt: skip
    data = {"migration_seconds": record["seconds"], "warnings": warnings}
    return StepResult(4, name, "pass", summary, details=details, data=data)


def _migration_record(state: Path) -> dict[str, Any] | None:
    try:
        return local.last_migration(state)
    except FileNotFoundError:
        return None


def rollback(rehearsal: Rehearsal, from_version: str, to_version: str) -> StepResult:
    """Step 5: on the migrated copy, TO's `airflow db downgrade --to-version FROM` (timed);
    FROM started on the result; the runs made on TO still there; a new run succeeds."""
    name = "Rollback, rehearsed"
    echo = rehearsal.echo
    echo(f"  downgrading the database to {from_version} with `airflow db downgrade`")
    local.stop_airflow(rehearsal.copy)
    cfg = local.configuration(rehearsal.copy, local.stack_settings(STACK))
    began = time.monotonic()
    result = subprocess.run(
        [str(rehearsal.to_venv / "bin/airflow"), "db", "downgrade", "--to-version",
         from_version, "--yes"],
        env=local.airflow_env(cfg), capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = round(time.monotonic() - began, 1)
    output = result.stdout + result.stderr
    (rehearsal.work / "downgrade.log").write_text(output)
    local.stop(rehearsal.copy, keep=True)
    if result.returncode:
        last = error_line(output)
        return StepResult(5, name, "fail", f"the downgrade to {from_version} is not possible "
                          f"here: {last}", seconds=seconds,
                          details=[f"output: {rehearsal.work}/downgrade.log"])  # fmt: skip
    warnings = warnings_in(output)
    details = [f"`airflow db downgrade --to-version {from_version}`: {seconds:.1f} s",
               *(f"downgrade says: {w}" for w in warnings)]  # fmt: skip
    echo(f"  starting Airflow {from_version} (FROM) on the downgraded database")
    try:
        platform = start(rehearsal.copy, rehearsal.from_venv, echo)
        api = platform.client()
        missing = runs_present(api, rehearsal.runs_to + rehearsal.runs_from)
        if missing:
            raise CheckFailed(f"runs are gone after the downgrade: {missing}")
        details.append(f"the {len(rehearsal.runs_to)} runs made on {to_version} are still there")
        run_id, state = run_dag(api, "canary")
        if state != "success":
            raise CheckFailed(f"a new canary run {run_id} ended {state}")
        details.append(f"a new canary run {run_id} succeeded on {from_version}")
    except (local.PlatformError, CheckFailed, ApiError) as error:
        return StepResult(5, name, "fail", f"after the downgrade: {str(error).splitlines()[0]}",
                          seconds=seconds, details=details)  # fmt: skip
    summary = (f"downgraded in {seconds:.1f} s; {from_version} keeps the runs made on "
               f"{to_version} and runs a new one")  # fmt: skip
    return StepResult(5, name, "pass", summary, seconds=seconds, details=details,
                      data={"downgrade_seconds": seconds, "warnings": warnings})  # fmt: skip
