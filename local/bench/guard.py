"""The benchmark's guard (`make bench-guard`, in `make test`): what the program's
configuration may cost against Airflow's defaults at the same shape. The scheduler's CPU per
task within 1.5x the defaults', and Secrets Manager calls per task within the budget the
program states for the stack the benchmark runs (finops/usage.yaml
secrets_manager_calls_per_task, which `make plan` prices)."""

from __future__ import annotations

from collections.abc import Mapping

from finops.data import resolve_usage, stack_usage

SCHEDULER_CPU_LIMIT = 1.5
SCHEDULER = "CPU ms/task: scheduler"
SECRETS = "Secrets Manager calls/task"


def budget(stack: str) -> float:
    """Secrets Manager calls per task the program allows itself on `stack`: the figure
    `make plan` prices for that stack."""
    return float(resolve_usage(stack_usage(stack))["secrets_manager_calls_per_task"])


def violations(figures: Mapping[str, Mapping[str, float]], calls_budget: float) -> list[str]:
    """What the program's configuration (`figures["program"]`) does beyond the guard, each
    one line; `figures`: configuration -> per-task figures (local.bench.figures.per_task)."""
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
