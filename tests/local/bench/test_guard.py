"""`make bench-guard` (in `make test`): a short benchmark, 100 tasks once per configuration,
that fails when the program's configuration costs the scheduler more than 1.5x what Airflow's
defaults cost at the same shape, or calls Secrets Manager more often per task than the budget
the program states (local/bench/guard.py). The full benchmark is `make bench-local`
(docs/benchmark.md).

The platforms run only with BENCH_GUARD=1 (two start side by side: minutes on two cores);
the rule itself is checked always, on figures measured before and after the tuning."""

from __future__ import annotations

import os

import pytest

from local.bench import guard, report, runner
from local.bench.figures import per_task
from local.bench.guard import SCHEDULER, SECRETS, budget, violations

TASKS = 100


# One 100-task run of each, 2026-12-07, before the lookup pattern (docs/benchmark.md, Tuning
# 1); the cases below change only the figure each of them checks.
BEFORE_TUNING = {
    "program": {SCHEDULER: 236.0, SECRETS: 0.31},
    "defaults": {SCHEDULER: 240.0, SECRETS: 0.0},
}


def test_the_guard_fails_the_untuned_secrets_lookups_and_too_much_scheduler_cpu() -> None:
    assert violations(BEFORE_TUNING, budget(runner.STACK)) == [
        "0.31 Secrets Manager calls per task, the budget is 0.05 "
        "(finops/usage.yaml secrets_manager_calls_per_task)"
    ]
    tuned = {**BEFORE_TUNING, "program": {SCHEDULER: 236.0, SECRETS: 0.0}}
    assert violations(tuned, budget(runner.STACK)) == []
    busy = {**BEFORE_TUNING, "program": {SCHEDULER: 361.0, SECRETS: 0.0}}
    assert violations(busy, budget(runner.STACK))[0].startswith(
        "the program's schedulers spend 361 ms"
    )


def test_the_budget_is_the_one_make_plan_prices_for_the_benchmarks_stack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert budget(runner.STACK) == 0.05  # finops/usage.yaml defaults
    overrides = {"prod": {"secrets_manager_calls_per_task": 0.2}}
    monkeypatch.setattr(guard, "stack_usage", lambda stack: overrides.get(stack, {}))
    assert budget("prod") == 0.2 and budget("dev") == 0.05


@pytest.mark.skipif(os.environ.get("BENCH_GUARD") != "1", reason="make bench-guard (BENCH_GUARD=1)")
def test_the_programs_configuration_is_within_the_guard() -> None:
    runs = runner.interleaved(["program", "defaults"], {TASKS: 1})
    print("\n" + report.markdown(runs) + report.aws_lines(runs))
    figures = {r.config: per_task(r) for r in runs}
    assert violations(figures, budget(runner.STACK)) == []
