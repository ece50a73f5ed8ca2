"""`make bench-guard` (in `make test`): a short benchmark, 100 tasks once per configuration,
that fails when the program's configuration costs the scheduler more than 1.5x what Airflow's
defaults cost at the same shape, or calls Secrets Manager more often per task than the budget
the program states (finops/usage.yaml secrets_manager_calls_per_task, which `make plan`
prices). The full benchmark is `make bench-local` (docs/benchmark.md).

The platforms run only with BENCH_GUARD=1 (two start side by side: minutes on two cores);
the rule itself is checked always, on figures measured before and after the tuning."""

from __future__ import annotations

import os

import pytest

from finops.data import resolve_usage
from local.bench import report, runner
from local.bench.figures import per_task

TASKS = 100
SCHEDULER_CPU_LIMIT = 1.5
SCHEDULER = "CPU ms/task: scheduler"
SECRETS = "Secrets Manager calls/task"


def budget() -> float:
    return float(resolve_usage(None)["secrets_manager_calls_per_task"])


def violations(figures: dict[str, dict[str, float]], calls_budget: float) -> list[str]:
    """What the program's configuration (`figures["program"]`) does beyond the guard."""
    program, defaults = figures["program"], figures["defaults"]
    found = []
    if program[SCHEDULER] > SCHEDULER_CPU_LIMIT * defaults[SCHEDULER]:
        found.append(
            f"the program's schedulers spend {program[SCHEDULER]:.0f} ms of CPU per task, "
            f"Airflow's defaults {defaults[SCHEDULER]:.0f} ms at the same shape: more than "
            f"{SCHEDULER_CPU_LIMIT}x"
        )
    if program[SECRETS] > calls_budget:
        found.append(
            f"{program[SECRETS]:.2f} Secrets Manager calls per task, the budget is "
            f"{calls_budget:g} (finops/usage.yaml secrets_manager_calls_per_task)"
        )
    return found


# Measured on the local platform, 2026-12-07 (docs/benchmark.md): 100 tasks, before the
# lookup pattern; 60 tasks x3 (medians), after it.
BEFORE_TUNING = {
    "program": {SCHEDULER: 236.0, SECRETS: 0.31},
    "defaults": {SCHEDULER: 240.0, SECRETS: 0.0},
}


def test_the_guard_fails_the_untuned_secrets_lookups_and_too_much_scheduler_cpu() -> None:
    assert violations(BEFORE_TUNING, budget()) == [
        "0.31 Secrets Manager calls per task, the budget is 0.05 "
        "(finops/usage.yaml secrets_manager_calls_per_task)"
    ]
    tuned = {**BEFORE_TUNING, "program": {SCHEDULER: 236.0, SECRETS: 0.0}}
    assert violations(tuned, budget()) == []
    busy = {**BEFORE_TUNING, "program": {SCHEDULER: 361.0, SECRETS: 0.0}}
    assert violations(busy, budget())[0].startswith("the program's schedulers spend 361 ms")


@pytest.mark.skipif(os.environ.get("BENCH_GUARD") != "1", reason="make bench-guard (BENCH_GUARD=1)")
def test_the_programs_configuration_is_within_the_guard() -> None:
    runs = runner.interleaved(["program", "defaults"], {TASKS: 1})
    print("\n" + report.markdown(runs) + report.aws_lines(runs))
    figures = {r.config: per_task(r) for r in runs}
    assert violations(figures, budget()) == []
