"""The benchmark's guard (`make bench-guard`, in `make test`): what the program's
configuration may cost against Airflow's defaults at the same shape, judged by the
benchmark's own rule (a spread that overlaps is no difference).

- The scheduler's CPU per task: it fails when the program's runs and the defaults' are
  apart (their ranges do not overlap) and the program's median is more than 1.5x the
  defaults': the report's own verdict (`figures.apart_ratio`). With each run alone, the
  guard-sized comparisons of 2026-12-07 came out 0.84x to 1.31x (five sets of three runs
  each; docs/benchmark.md, "The guard"); beside idling platforms one round's ratio had
  gone from 1.13x to 1.74x, which is why an earlier rule asked for every run above 1.5x.
- Secrets Manager calls per task over all the program's runs, against the budget the
  program states for the stack the benchmark runs (finops/usage.yaml
  secrets_manager_calls_per_task, which `make plan` prices). Over all runs, not the median:
  lookups that miss come with each new worker process, in the first run after a start.
- Each run alone on the machine: the other platform may take at most ALONE_CORES during
  it (its servers; its Airflow processes are stopped, local/bench/freeze.py). Beside an
  idling platform a run shared two cores with up to one core of its neighbours'."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from finops.data import resolve_usage, stack_usage
from local.bench.figures import (
    Run,
    apart_ratio,
    calls_over_runs,
    compare,
    counted,
    others_cores,
    summarise,
)

SCHEDULER_CPU_LIMIT = 1.5
SCHEDULER = "CPU ms/task: scheduler"
REPEATS = 3
# What a stopped platform's servers (PostgreSQL, PgBouncer, Redis, moto) take while another
# runs: next to nothing; an idling platform's Airflow processes took 0.3 to 1.0 core.
ALONE_CORES = 0.1


def budget(stack: str) -> float:
    """Secrets Manager calls per task the program allows itself on `stack`: the figure
    `make plan` prices for that stack."""
    return float(resolve_usage(stack_usage(stack))["secrets_manager_calls_per_task"])


def violations(runs: Mapping[str, Sequence[Run]], calls_budget: float) -> list[str]:
    """What the program's configuration (`runs["program"]`) does beyond the guard, one line
    each; `runs`: configuration -> its runs."""
    # Warm-up rounds (none in `make bench-guard`) never count in the scheduler rule; their
    # Secrets Manager calls do, as calls made.
    program = summarise(counted(runs["program"]))[SCHEDULER]
    defaults = summarise(counted(runs["defaults"]))[SCHEDULER]
    found = []
    times = apart_ratio(program, defaults)
    if times is not None and times > SCHEDULER_CPU_LIMIT:
        found.append(
            f"the program's schedulers spend {program.text()} ms of CPU per task, Airflow's "
            f"defaults {defaults.text()} ms at the same shape: {compare(program, defaults)}, "
            f"more than {SCHEDULER_CPU_LIMIT}x"
        )
    calls = calls_over_runs(runs["program"], "secretsmanager")
    if calls > calls_budget:
        found.append(
            f"{calls:.2f} Secrets Manager calls per task, the budget is {calls_budget:g} "
            "(finops/usage.yaml secrets_manager_calls_per_task)"
        )
    shared = [c for rs in runs.values() for r in rs if (c := others_cores(r)) is not None]
    if any(c > ALONE_CORES for c in shared):
        found.append(
            f"runs not alone on the machine: the other platforms took up to {max(shared):.2f} "
            f"cores during them (at most {ALONE_CORES} with their Airflow processes stopped)"
        )
    return found
