"""A night asleep on the dev-like local platform (docs/sleep.md), driven by tools/sleep's own
steps: the sleep edge exports the state and removes the platform (its database with it), the
wake edge starts it empty, waits for health and imports the newest export. The state reads
back equal, no run is made twice, and the scheduler continues after the last run.
`make e2e-state` runs it (STATE_E2E=1) after the state migration."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from common.airflow_state import AirflowApi, HttpTransport, export_state

from components.schedule import parse_time
from local.platform import Platform, healthy, start, stop
from tests.e2e.test_state_migration import (
    HOURLY,
    PORT_BASE,
    STATE_DAGS,
    _parse,
    build_canary_runs,
    build_state,
    comparable,
    runs_by_date,
    wait_for,
)
from tools.sleep.__main__ import SLEEP_HISTORY_DAYS, Runner, edge, settings_of

NIGHT = parse_time("2026-12-09T23:00:00Z")  # dev's shipped schedule: asleep
WAKING = parse_time("2026-12-10T05:30:00Z")  # 06:30 Berlin: the early wake
AWAKE = parse_time("2026-12-10T06:00:00Z")  # 07:00 Berlin: the window opens


def api(platform: Platform) -> AirflowApi:
    """The platform's API, patient: one API worker on a loaded machine answers slowly."""
    return AirflowApi(HttpTransport(platform.api_url, platform.user, platform.password, 120))


class LocalRunner(Runner):
    """tools/sleep's steps on the local platform: `up` asleep stops it and drops its database
    (what deleting the MWAA environment does), `up-waking` starts it empty; the exports are
    files in a folder that outlives the platform (the data bucket)."""

    def __init__(self, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(settings_of("dev"), "dev", say=print)
        self.home, self.monkeypatch = home, monkeypatch
        self.bucket = home / "data-bucket"
        self.bucket.mkdir()
        self.deployed = "awake"
        self.platform: Platform | None = None
        self.starts = 0

    def start(self) -> Platform:
        base = PORT_BASE + 200
        self.platform = start(
            "dev", port=base, port_base=base, state=self.home / "dev", fast=True,
            extra_dags=(STATE_DAGS,),
        )  # fmt: skip
        self.starts += 1
        self.monkeypatch.setenv("AIRFLOW_STATE_USERNAME", self.platform.user)
        self.monkeypatch.setenv("AIRFLOW_STATE_PASSWORD", self.platform.password)
        return self.platform

    def recorded_phase(self) -> Any:
        return self.deployed

    def platform_exists(self) -> bool:
        return self.platform is not None

    def up(self, *, hold_paging: bool = False, refresh: bool = False) -> None:
        if hold_paging:  # the platform comes back, empty
            assert self.deployed == "asleep" and not (self.home / "dev").exists()
            self.start()
            self.deployed = "waking"
        elif self.deployed == "waking":  # paging on: nothing to change locally
            self.deployed = "awake"
        else:
            stop(self.home / "dev")  # keep=False: the database goes with the platform
            self.platform = None
            self.deployed = "asleep"

    def state_source(self) -> list[str]:
        assert self.platform is not None
        return ["--url", self.platform.api_url]

    def export_location(self) -> str:
        return str(self.bucket / f"{time.time_ns()}-state.json")

    def newest_export(self) -> str:
        return str(max(self.bucket.glob("*-state.json")))

    def healthy(self) -> bool:
        assert self.platform is not None
        components = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        return healthy(self.platform.api_url, components)

    def count_backup(self) -> None:
        """No CloudWatch here: the alarm's side is tests/sleep/test_stack_sleep.py."""


def test_a_night_asleep_keeps_the_state_and_the_schedule(
    home: Path, hourly_start: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = LocalRunner(home, monkeypatch)
    try:
        source = api(runner.start())
        day_runs = build_state(source)
        canary_runs = build_canary_runs(source)
        before = export_state(source, "before", history_days=SLEEP_HISTORY_DAYS)

        assert edge(runner, NIGHT) == ["export", "up"]
        assert runner.platform is None and not (home / "dev").exists()  # nothing left running
        assert edge(runner, NIGHT) == []  # a repeated run does nothing

        assert edge(runner, WAKING) == ["up-waking", "wait-healthy", "import", "count-backup"]
        assert runner.starts == 2
        assert runner.platform is not None
        target = api(runner.platform)
        # The window opens (45 minutes later on MWAA): every DAG is parsed by then, and the
        # edge's import restores whatever the early one skipped; then paging resumes.
        wait_for("DAGs parsed", lambda: target.get_or_none(f"/dags/{HOURLY}"))
        assert edge(runner, AWAKE) == ["wait-healthy", "import", "count-backup", "up"]
        assert runner.deployed == "awake"
        # A catchup DAG wakes paused (its runs are manual now; docs/sleep.md): as by hand.
        assert target.get(f"/dags/{HOURLY}")["is_paused"] is True
        target.call("PATCH", f"/dags/{HOURLY}", body={"is_paused": False})
        after = export_state(target, "after", history_days=SLEEP_HISTORY_DAYS)
        assert comparable(after) == comparable(before)

        last = max(_parse(r["logical_date"]) for r in day_runs)

        def next_run() -> datetime | None:
            found = target.get(f"/dags/{HOURLY}/details").get("next_dagrun_logical_date")
            return _parse(found) if found and _parse(found) > last else None

        wait_for("the hourly schedule continuing after the night", next_run, 120)
        hourly = runs_by_date(list(target.paged(f"/dags/{HOURLY}/dagRuns", "dag_runs")))
        for run in day_runs:
            assert len(hourly[_parse(run["logical_date"])]) == 1  # no run made twice
        assert all(
            w > last for w in hourly if w not in {_parse(r["logical_date"]) for r in day_runs}
        )

        def next_canary() -> datetime | None:
            found = target.get("/dags/canary/details").get("next_dagrun_logical_date")
            return _parse(found) if found and _parse(found) > canary_runs[-1] else None

        wait_for("the canary continuing after the night", next_canary, 120)
        canary = runs_by_date(list(target.paged("/dags/canary/dagRuns", "dag_runs")))
        for when in canary_runs:
            assert len(canary[when]) == 1, canary[when]
    finally:
        stop(home / "dev")
