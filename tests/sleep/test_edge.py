"""The scheduled workflow's logic (tools/sleep): which edge, idempotence, a missed edge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from components.schedule import parse_time
from tools.sleep.__main__ import Runner, edge, settings_of
from tools.sleep.edge import steps

ASLEEP = "2026-12-09T23:00:00Z"  # Wednesday midnight in Berlin (dev's shipped schedule)
WAKING = "2026-12-10T05:30:00Z"  # Thursday 06:30 Berlin
AWAKE = "2026-12-10T11:00:00Z"  # Thursday noon


class FakeRunner(Runner):
    """Remembers the deployed phase the way the stack output would, and the steps taken."""

    def __init__(self, stack: str, applied: str | None, **overrides: str) -> None:
        super().__init__(settings_of(stack, overrides), stack, say=lambda _: None)
        self.deployed = applied
        self.done: list[str] = []
        self.at: datetime | None = None

    def deployed_phase(self) -> Any:
        return self.deployed, False

    def run(self, step: Any) -> None:
        self.done.append(step)
        if step in ("up", "up-waking", "refresh"):
            from components.schedule import desired_phase

            s = self.settings
            assert self.at is not None
            phase = desired_phase(s.schedule, s.architecture, self.at)
            self.deployed = "waking" if step == "up-waking" else phase

    def at_time(self, when: str, daily: bool = False) -> list[str]:
        self.at = parse_time(when)
        self.done = []
        edge(self, self.at, daily=daily)
        return self.done


def test_the_sleep_edge_exports_before_the_platform_goes() -> None:
    runner = FakeRunner("dev", "awake")
    assert runner.at_time(ASLEEP) == ["export", "up"]
    assert runner.deployed == "asleep"


def test_the_wake_edge_brings_the_platform_back_and_imports_then_pages_at_the_window() -> None:
    runner = FakeRunner("dev", "asleep")
    assert runner.at_time(WAKING) == ["up-waking", "wait-healthy", "import", "count-backup"]
    assert runner.deployed == "waking"
    # At the window: healthy again (a quick check), the import changes nothing, paging on.
    assert runner.at_time(AWAKE) == ["wait-healthy", "import", "count-backup", "up"]
    assert runner.deployed == "awake"


def test_repeated_runs_do_nothing() -> None:
    for when, phase in ((ASLEEP, "asleep"), (AWAKE, "awake")):
        runner = FakeRunner("dev", phase)
        assert runner.at_time(when) == []
        assert runner.at_time(when) == []


def test_a_missed_wake_edge_wakes_with_paging_held_until_healthy() -> None:
    runner = FakeRunner("dev", "asleep")
    assert runner.at_time(AWAKE) == [
        "up-waking",  # the time says awake; the platform comes up with paging off first
        "wait-healthy",
        "import",
        "count-backup",
        "up",
    ]
    assert runner.deployed == "awake"


def test_a_missed_sleep_edge_still_exports_first() -> None:
    runner = FakeRunner("dev", "awake")
    assert runner.at_time("2026-12-12T11:00:00Z") == ["export", "up"]  # Saturday, hours late


def test_a_stack_deployed_before_sleep_existed_counts_as_awake() -> None:
    assert FakeRunner("dev", None).at_time(ASLEEP) == ["export", "up"]
    assert FakeRunner("dev", None).at_time(AWAKE) == []


def test_overrides_win_over_the_schedule() -> None:
    late = FakeRunner("dev", "awake", **{"airflow:awake": "true"})
    assert late.at_time(ASLEEP) == []  # an evening of work: stays up
    weekend = FakeRunner("dev", "awake", **{"airflow:awake": "false"})
    assert weekend.at_time(AWAKE) == ["export", "up"]


def test_an_eks_stack_asleep_is_stopped_again_once_a_day() -> None:
    # RDS starts a stopped instance after 7 days; the daily run's refresh stops it again.
    staging = {"airflow:awakeHours": "Mon-Fri 07:00-19:00", "airflow:sleepWhileProtected": "true"}
    runner = FakeRunner("prod", "asleep", **staging)
    assert runner.at_time(ASLEEP) == []
    assert runner.at_time(ASLEEP, daily=True) == ["refresh"]
    assert FakeRunner("dev", "asleep").at_time(ASLEEP, daily=True) == []  # MWAA: no database


@pytest.mark.parametrize("applied", ["awake", "waking", "asleep", None])
@pytest.mark.parametrize("desired", ["awake", "waking", "asleep"])
def test_every_plan_ends_where_it_should_and_pages_only_after_health(
    desired: Any, applied: Any
) -> None:
    plan = steps(desired, applied)
    if "up" in plan and desired == "awake":
        assert plan.index("wait-healthy") < plan.index("up")
        assert plan.index("import") < plan.index("up")
    if "export" in plan:
        assert plan.index("export") < plan.index("up")
    # Applying the plan and asking again: nothing left to do.
    reached = desired if plan else (applied or "awake")
    assert steps(desired, reached) == []


WAKE: list[str] = ["wait-healthy", "import", "count-backup"]


@pytest.mark.parametrize(("applied", "desired", "plan"), [
    ("awake", "asleep", ["export", "up"]),
    ("waking", "asleep", ["export", "up"]),  # the platform runs while waking too
    (None, "asleep", ["export", "up"]),  # deployed before sleep existed: awake
    ("asleep", "asleep", []),
    ("awake", "awake", []),
    ("awake", "waking", []),  # a finished wake is not undone
    ("waking", "waking", []),
    ("waking", "awake", [*WAKE, "up"]),
    ("asleep", "waking", ["up-waking", *WAKE]),
    ("asleep", "awake", ["up-waking", *WAKE, "up"]),
    (None, "awake", []),
    (None, "waking", []),
])  # fmt: skip
def test_every_deployed_phase_to_every_desired_phase(
    applied: Any, desired: Any, plan: list[str]
) -> None:
    assert steps(desired, applied) == plan
    if desired == "asleep" and applied != "asleep":
        # No route from a running platform into sleep skips the export.
        assert plan[0] == "export"


@pytest.mark.parametrize("applied", ["awake", "waking", "asleep", None])
@pytest.mark.parametrize("desired", ["awake", "waking", "asleep"])
def test_a_push_goes_through_the_edge_and_then_applies_its_code(desired: Any, applied: Any) -> None:
    edge_plan, push = steps(desired, applied), steps(desired, applied, deploy=True)
    # The edge's own steps first (the export before sleeping, the import after waking)...
    assert push[: len(edge_plan)] == edge_plan
    # ...and the pushed code applied by an up in any case, once.
    assert push == (edge_plan if {"up", "up-waking"} & set(edge_plan) else [*edge_plan, "up"])


def test_a_push_at_night_exports_before_the_environment_goes() -> None:
    assert steps("asleep", "awake", deploy=True) == ["export", "up"]
    assert steps("asleep", "asleep", deploy=True) == ["up"]  # asleep: the code, no platform
    # By day after a wake that never came: the environment back, then the import.
    assert steps("awake", "asleep", deploy=True) == [
        "up-waking", "wait-healthy", "import", "count-backup", "up"
    ]  # fmt: skip
