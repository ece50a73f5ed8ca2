"""Command line of sleep and wake (docs/sleep.md).

    python -m tools.sleep edge  --stack dev [--pulumi-stack org/dev] [--daily] [--dry-run]
    python -m tools.sleep deploy --stack dev   # a push (deploy.yml): the edge, then pulumi up
    python -m tools.sleep sleep --stack dev    # awake: false in the stack file, then the edge
    python -m tools.sleep wake  --stack dev    # awake: true in the stack file, then the edge

`edge` compares the phase the stack should be in now (its settings and the clock, as the
program decides) with the phase the platform is in (MWAA: whether the environment exists,
with the stack output `phase` for awake or waking; EKS: the stack output) and runs the steps
of `tools.sleep.edge.steps`. Needs the Pulumi CLI and AWS credentials (the deploy role).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from components.schedule import AT_VARIABLE, HOLD_VARIABLE, Phase, desired_phase, next_change
from components.settings import Settings, SettingsError, load
from tools.plan import PlanError, stack_config
from tools.sleep.edge import Step, steps

SLEEP_PREFIX = "airflow-state/sleep/"
"""Where the sleep edge's exports live in the data bucket, beside (not among) metadata_backup's
`airflow-state/date=<day>/` documents: the wake imports only from here, never the backup a
freshly created, still empty environment wrote."""
EXPORT_KEY = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z/state\.json")
"""A sleep export's key under SLEEP_PREFIX (its UTC stamp sorts as text); a file put there by
hand under another name is never taken for the newest."""
SLEEP_HISTORY_DAYS = 4
"""Runs the sleep export carries: a long weekend's worth, so every run of the days before the
night is back after it (the scheduler continues after the last one, none is made twice)."""
NO_PLATFORM = ("CREATE_FAILED", "DELETING", "DELETED")
"""MWAA statuses of an environment that runs no Airflow and holds no state: nothing to export,
and the stack is as good as asleep (a failed create is replaced by the next `pulumi up`)."""
HEALTHY_TIMEOUT = 75 * 60  # seconds: MWAA's 20-30 minutes to create, with a wide margin
POLL = 30


class SleepError(Exception):
    """A step failed; the message says which and why."""


class Runner:
    """The steps, done with the real tools."""

    def __init__(
        self,
        settings: Settings,
        pulumi_stack: str,
        *,
        dry_run: bool = False,
        say: Callable[[str], None] = print,
    ) -> None:
        self.settings = settings
        self.pulumi_stack = pulumi_stack
        self.dry_run = dry_run
        self.say = say
        self._outputs: dict[str, Any] | None = None
        self._clients: dict[str, Any] = {}
        self.at: datetime | None = None
        """The time the run decided the phase for: every `pulumi up` of the run is told it
        ($AIRFLOW_STACK_AT), so the program cannot decide otherwise a minute later (a push
        just before the close would delete the platform with no export)."""
        self.interrupted = False
        """The last `pulumi up` stopped part way: this run's ups refresh first, so the state
        Pulumi holds matches what exists (an environment deleted or half created)."""

    def client(self, service: str) -> Any:
        """A boto3 client of the stack's region (one per service)."""
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(service, region_name=self.settings.region)
        return self._clients[service]

    # ------------------------------------------------------------------ what was deployed
    def outputs(self) -> dict[str, Any]:
        if self._outputs is None:
            text = self._pulumi(["stack", "output", "--json", "--stack", self.pulumi_stack])
            self._outputs = json.loads(text or "{}")
        return self._outputs

    def recorded_phase(self) -> Phase | None:
        """The stack output `phase`: what the last *successful* `pulumi up` deployed."""
        phase = self.outputs().get("phase")
        return phase if phase in ("awake", "waking", "asleep") else None

    def platform_exists(self) -> bool | None:
        """Whether the MWAA environment exists and runs Airflow (one being deleted, deleted
        or failed to create counts as gone: it holds no state); None for EKS, whose cluster
        stays while asleep (its phase is the stack output's)."""
        s = self.settings
        if s.architecture != "mwaa":
            return None
        from botocore.exceptions import ClientError

        try:
            found = self.client("mwaa").get_environment(Name=s.environment_name)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return False
            raise
        return found["Environment"]["Status"] not in NO_PLATFORM

    def deployed_phase(self) -> tuple[Phase | None, bool]:
        """The phase the platform is in, judged by what exists, and whether the last
        `pulumi up` stopped part way (the stack output disagrees with what exists): a sleep
        that deleted the environment and then failed still records awake; a wake that created
        it and then failed still records asleep (running, its state not yet imported)."""
        recorded = self.recorded_phase()
        exists = self.platform_exists()
        if exists is None:
            return recorded, False
        if not exists:
            # No output at all: a stack deployed for the first time, not an interrupted one.
            return "asleep", recorded not in ("asleep", None)
        if recorded == "asleep":
            return "waking", True
        return recorded, False

    # ------------------------------------------------------------------ steps
    def run(self, step: Step) -> None:
        self.say(f"step: {step}")
        if self.dry_run:
            return
        {
            "export": self.export,
            "up": self.up,
            "up-waking": lambda: self.up(hold_paging=True),
            "wait-healthy": self.wait_healthy,
            "import": self.import_newest,
            "count-backup": self.count_backup,
            "refresh": lambda: self.up(refresh=True),
        }[step]()

    def up(self, *, hold_paging: bool = False, refresh: bool = False) -> None:
        args = ["up", "--yes", "--skip-preview", "--stack", self.pulumi_stack]
        refresh = refresh or self.interrupted
        args += ["--policy-pack", "policy"] + (["--refresh"] if refresh else [])
        env = {HOLD_VARIABLE: "1"} if hold_paging else {}
        if self.at is not None:
            env[AT_VARIABLE] = self.at.isoformat()
        self._pulumi(args, env=env, capture=False)
        self._outputs = None

    def state_source(self) -> list[str]:
        """How `tools.airflow_state` reaches this stack's Airflow."""
        return ["--stack", self.settings.stack]

    def export_location(self) -> str:
        """Where the sleep export goes: the data bucket, beside metadata_backup's documents."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
        return f"s3://{self.outputs()['dataBucket']}/{SLEEP_PREFIX}{stamp}/state.json"

    def export(self) -> None:
        from tools.airflow_state.__main__ import main as state

        uri = self.export_location()
        history = ["--history-days", str(SLEEP_HISTORY_DAYS)]
        if state(["export", *self.state_source(), "--out", uri, *history]) != 0:
            raise SleepError(f"export to {uri} failed: the platform stays up (run it again)")

    def newest_export(self) -> str | None:
        """The newest document the sleep edge exported (its keys carry a sortable UTC stamp)."""
        bucket = self.outputs()["dataBucket"]
        s3 = self.client("s3")
        keys = [
            item["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=SLEEP_PREFIX
            )
            for item in page.get("Contents", [])
            if item["Key"].endswith("/state.json")
            and EXPORT_KEY.fullmatch(item["Key"].removeprefix(SLEEP_PREFIX))
        ]
        if not keys:
            return None
        return f"s3://{bucket}/{max(keys)}"

    def import_newest(self) -> None:
        from tools.airflow_state.__main__ import main as state

        uri = self.newest_export()
        if uri is None:
            # Every sleep exports before the platform goes: no export means the stack never
            # slept (a first deploy), and there is nothing to bring back.
            self.say(f"no sleep export under {SLEEP_PREFIX} yet: nothing to import")
            return
        if state(["import", *self.state_source(), "--in", uri]) != 0:
            raise SleepError(f"import of {uri} failed; paging stays off until it succeeds")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + HEALTHY_TIMEOUT
        while not self.healthy():
            if time.monotonic() > deadline:
                raise SleepError(f"not healthy after {HEALTHY_TIMEOUT // 60} minutes")
            time.sleep(POLL)

    def healthy(self) -> bool:
        s = self.settings
        if s.architecture == "mwaa":
            from botocore.exceptions import ClientError

            try:
                found = self.client("mwaa").get_environment(Name=s.environment_name)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
                raise SleepError(
                    f"MWAA environment {s.environment_name} does not exist after pulumi up: it"
                    " was deleted outside Pulumi or a run stopped part way; run"
                    f" `pulumi refresh --stack {self.pulumi_stack}`, then this again"
                ) from None
            status = found["Environment"]["Status"]
            if status in ("CREATE_FAILED", "UNAVAILABLE", "UPDATE_FAILED"):
                raise SleepError(f"MWAA environment {s.environment_name} is {status}")
            return bool(status == "AVAILABLE")
        from components.eks.data import db_identifier

        identifier = db_identifier(s.environment_name)
        found = self.client("rds").describe_db_instances(DBInstanceIdentifier=identifier)
        return bool(found["DBInstances"][0]["DBInstanceStatus"] == "available")

    def count_backup(self) -> None:
        """The imported state is as new as the export it came from (nothing changes while
        asleep): count it, so the missing-backup alarm is OK before paging resumes."""
        from components.observability.cloudwatch import BACKUP_METRIC, BACKUP_NAMESPACE

        self.client("cloudwatch").put_metric_data(
            Namespace=BACKUP_NAMESPACE,
            MetricData=[
                {
                    "MetricName": BACKUP_METRIC,
                    "Dimensions": [
                        {"Name": "Environment", "Value": self.settings.environment_name}
                    ],
                    "Value": 1,
                }
            ],
        )

    def set_override(self, awake: str) -> None:
        """`awake: true|false` in the stack file (commit it to keep it for the workflow)."""
        self.say(f"set airflow:awake {awake} in Pulumi.{self.settings.stack}.yaml")
        if not self.dry_run:
            self._pulumi(["config", "set", "airflow:awake", awake, "--stack", self.pulumi_stack])

    def _pulumi(
        self, args: list[str], env: dict[str, str] | None = None, capture: bool = True
    ) -> str:
        done = subprocess.run(
            ["pulumi", *args],
            check=False,
            text=True,
            capture_output=capture,
            env={**os.environ, **(env or {})},
        )
        if done.returncode != 0:
            raise SleepError(f"pulumi {' '.join(args[:2])} failed: {(done.stderr or '').strip()}")
        return done.stdout or ""


def edge(runner: Runner, at: datetime, *, daily: bool = False, deploy: bool = False) -> list[Step]:
    """Bring the stack to the phase it should be in at `at`; the steps it took. `deploy`: a
    push's run, which ends in a `pulumi up` of the new code in any case."""
    s = runner.settings
    desired = desired_phase(s.schedule, s.architecture, at)
    applied, interrupted = runner.deployed_phase()
    runner.at, runner.interrupted = at, interrupted
    todo = steps(
        desired,
        applied,
        daily=daily,
        stops_database=s.architecture == "eks",
        interrupted=interrupted,
        deploy=deploy,
    )
    change = next_change(s.schedule, s.architecture, at)
    runner.say(
        f"{s.stack}: deployed {applied or 'before sleep existed (awake)'}"
        + (" (the last pulumi up stopped part way)" if interrupted else "")
        + f", should be {desired}"
        + (f"; next: {change[1]} at {change[0].isoformat()}" if change else "")
    )
    for step in todo:
        runner.run(step)
    if not todo:
        runner.say("nothing to do")
    return todo


def settings_of(stack: str, overrides: dict[str, str] | None = None) -> Settings:
    project, config = stack_config(stack)
    config.update(overrides or {})
    return load(project, stack, config)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.sleep", description=__doc__)
    parser.add_argument("command", choices=["edge", "deploy", "sleep", "wake"])
    parser.add_argument("--stack", required=True, help="dev, prod...: Pulumi.<stack>.yaml")
    parser.add_argument("--pulumi-stack", help="the CLI's stack name (default: --stack)")
    parser.add_argument("--daily", action="store_true", help="the once-a-day run (refresh)")
    parser.add_argument("--dry-run", action="store_true", help="say the steps, do nothing")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = {}
    if args.command in ("sleep", "wake"):
        overrides["airflow:awake"] = "true" if args.command == "wake" else "false"
    try:
        settings = settings_of(args.stack, overrides)
        runner = Runner(settings, args.pulumi_stack or args.stack, dry_run=args.dry_run)
        if overrides:
            runner.set_override(overrides["airflow:awake"])
        edge(runner, datetime.now(UTC), daily=args.daily, deploy=args.command == "deploy")
    except SleepError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (SettingsError, PlanError) as error:  # the same lines `pulumi up` shows
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
