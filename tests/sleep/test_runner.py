"""What tools/sleep reads from AWS: which state document a wake imports (against moto's S3)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.sleep.__main__ import Runner, settings_of

BUCKET = "airflow-dev-data"
dev = functools.cache(lambda: settings_of("dev"))  # the settings are frozen: read them once


@pytest.fixture
def runner(offline_aws: None) -> Iterator[Runner]:
    runner = Runner(dev(), "dev", say=lambda _: None)
    runner._outputs = {"dataBucket": BUCKET, "phase": "awake"}
    with mock_aws():
        boto3.client("s3", region_name=runner.settings.region).create_bucket(Bucket=BUCKET)
        yield runner


def put(runner: Runner, uri: str, runs: int) -> None:
    key = uri.removeprefix(f"s3://{BUCKET}/")
    body = json.dumps({"dag_runs": [{"run_id": f"run-{i}"} for i in range(runs)]})
    boto3.client("s3", region_name=runner.settings.region).put_object(
        Bucket=BUCKET, Key=key, Body=body
    )


def test_the_wake_imports_the_sleep_export_not_the_empty_environments_backup(
    runner: Runner,
) -> None:
    older = f"s3://{BUCKET}/airflow-state/sleep/2026-11-30T18-00-02Z/state.json"
    put(runner, older, runs=40)
    night = runner.export_location()  # where the sleep edge exported at the close
    put(runner, night, runs=41)
    # Written after the export: metadata_backup's document of the freshly created, still
    # empty environment (dags/metadata_backup.py), the newest state.json in the bucket.
    put(runner, f"s3://{BUCKET}/airflow-state/date=2099-01-01/state.json", runs=0)
    assert runner.newest_export() == night


def test_before_the_first_sleep_there_is_nothing_to_import_not_even_a_backup(
    runner: Runner,
) -> None:
    # Every sleep exports before the platform goes: no sleep export means the stack never
    # slept (a first deploy), and the wake imports nothing; never metadata_backup's document.
    put(runner, f"s3://{BUCKET}/airflow-state/date=2026-12-08/state.json", runs=3)
    assert runner.newest_export() is None
    said: list[str] = []
    runner.say = said.append
    runner.import_newest()
    assert said == ["no sleep export under airflow-state/sleep/ yet: nothing to import"]


def test_a_file_put_by_hand_among_the_exports_is_never_the_newest(runner: Runner) -> None:
    night = runner.export_location()
    put(runner, night, runs=41)
    put(runner, f"s3://{BUCKET}/airflow-state/sleep/manual/state.json", runs=1)
    assert runner.newest_export() == night


# ------------------------------------------------------------------ the deployed phase

ASLEEP = "2026-12-09T23:00:00Z"  # Wednesday midnight in Berlin (dev's shipped schedule)
WAKING = "2026-12-10T05:30:00Z"  # Thursday 06:30 Berlin
AWAKE = "2026-12-10T11:00:00Z"  # Thursday noon
WAKE = ["wait-healthy", "import", "count-backup"]


@functools.cache
def botocore_session() -> Any:
    """One session for the stubbed clients: it reads botocore's endpoint and service models
    once, not once per client."""
    from botocore.session import get_session

    return get_session()


def mwaa_says(status: str | None, recorded: str) -> Runner:
    """A runner whose MWAA answers get_environment with `status` (None: not found) and whose
    stack output records `recorded`; dry run, so `edge` only names its steps."""
    from botocore.stub import Stubber

    runner = Runner(dev(), "dev", dry_run=True, say=lambda _: None)
    runner._outputs = {"dataBucket": BUCKET, "phase": recorded}
    client = botocore_session().create_client(
        "mwaa", region_name=runner.settings.region, aws_access_key_id="x",
        aws_secret_access_key="x",
    )  # fmt: skip
    stub = Stubber(client)
    request = {"Name": runner.settings.environment_name}
    for _ in range(3):
        if status is None:
            stub.add_client_error(
                "get_environment", "ResourceNotFoundException", http_status_code=404,
                expected_params=request,
            )  # fmt: skip
        else:
            stub.add_response(
                "get_environment",
                {"Environment": {"Name": request["Name"], "Status": status}},
                request,
            )
    stub.activate()
    runner._clients["mwaa"] = client
    return runner


def steps_at(runner: Runner, when: str) -> list[str]:
    from components.schedule import parse_time
    from tools.sleep.__main__ import edge

    return list(edge(runner, parse_time(when)))


def test_a_sleep_that_deleted_the_environment_then_failed_reads_asleep() -> None:
    # The stack output still says awake; MWAA has no environment (or is deleting it).
    for status in (None, "DELETING"):
        runner = mwaa_says(status, recorded="awake")
        assert runner.deployed_phase() == ("asleep", True)
        # At night: no export (there is nothing to export), the failed up is done again.
        assert steps_at(mwaa_says(status, "awake"), ASLEEP) == ["up"]
        # By day: the wake recreates the environment and imports, instead of failing forever.
        assert steps_at(mwaa_says(status, "awake"), AWAKE) == ["up-waking", *WAKE, "up"]


def test_a_wake_that_created_the_environment_then_failed_still_imports() -> None:
    # The stack output still says asleep; the environment exists, its state not imported.
    runner = mwaa_says("CREATING", recorded="asleep")
    assert runner.deployed_phase() == ("waking", True)
    assert steps_at(mwaa_says("CREATING", "asleep"), WAKING) == ["up-waking", *WAKE]
    # Bedtime came first: it runs, so it is exported before it goes.
    assert steps_at(mwaa_says("AVAILABLE", "asleep"), ASLEEP) == ["export", "up"]


def test_an_environment_that_exists_is_exported_before_sleeping() -> None:
    for recorded in ("awake", "waking"):
        runner = mwaa_says("AVAILABLE", recorded)
        assert runner.deployed_phase() == (recorded, False)
        assert steps_at(mwaa_says("AVAILABLE", recorded), ASLEEP) == ["export", "up"]
    assert mwaa_says(None, "asleep").deployed_phase() == ("asleep", False)
    assert steps_at(mwaa_says(None, "asleep"), ASLEEP) == []  # asleep and converged


def test_a_stack_deployed_for_the_first_time_is_not_an_interrupted_one() -> None:
    # No `phase` output yet and no environment: a new dev by day is woken, not "recovered".
    runner = mwaa_says(None, recorded="none")
    runner._outputs = {"dataBucket": BUCKET}
    assert runner.deployed_phase() == ("asleep", False)


def test_an_environment_that_failed_to_create_holds_nothing_to_export() -> None:
    # CREATE_FAILED at the close: nothing runs there, so nothing is exported; the up converges.
    runner = mwaa_says("CREATE_FAILED", recorded="awake")
    assert runner.deployed_phase() == ("asleep", True)
    assert steps_at(mwaa_says("CREATE_FAILED", "awake"), ASLEEP) == ["up"]


def test_every_up_of_a_run_is_told_its_time_and_refreshes_after_an_interrupted_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from components.schedule import AT_VARIABLE, HOLD_VARIABLE, parse_time

    calls: list[tuple[list[str], dict[str, str]]] = []
    runner = Runner(dev(), "dev", say=lambda _: None)
    monkeypatch.setattr(
        runner, "_pulumi", lambda args, env=None, capture=True: calls.append((args, env)) or ""
    )
    runner.at = parse_time(ASLEEP)
    runner.up()
    args, env = calls[-1]
    # A push just before the close cannot become a deletion with no export a minute later.
    assert env == {AT_VARIABLE: parse_time(ASLEEP).isoformat()}
    assert "--refresh" not in args
    runner.interrupted = True
    runner.up(hold_paging=True)
    args, env = calls[-1]
    assert "--refresh" in args and env[HOLD_VARIABLE] == "1"


def test_an_environment_missing_after_the_up_is_one_clear_line() -> None:
    from tools.sleep.__main__ import SleepError

    runner = mwaa_says(None, recorded="awake")
    with pytest.raises(SleepError, match=r"does not exist after pulumi up.*pulumi refresh"):
        runner.healthy()
