"""The benchmark's arithmetic: one run's figures from the API's task instances and the
counters' differences; medians and spreads over repeats; comparisons that say "no
difference" when the spreads overlap."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Processes reported one by one (several schedulers add up to one line); the rest are
# the servers the platform runs for Airflow. The Task Execution API has had a process of its
# own since 2026-12-07 22:30 UTC (components/eks/execution_api.py); earlier runs have no such
# process and no line for it (their API server's line holds its work), so a table of older
# and newer runs together leaves that line out.
AIRFLOW_ROLES = ("scheduler", "dag-processor", "worker", "api-server", "execution-api",
                 "triggerer")  # fmt: skip
SERVERS = ("postgres", "pgbouncer", "redis", "moto")


@dataclass(frozen=True)
class Run:
    """One configuration's run of `tasks` tasks: what it took, counted."""

    config: str
    tasks: int
    repeat: int
    wall_s: float
    queued_to_running_s: list[float]
    cpu_s: dict[str, float]
    """CPU-seconds spent during the run per platform process (scheduler-1, worker, ...)."""
    db: dict[str, int] = field(default_factory=dict)
    """Statements and transactions PgBouncer forwarded during the run."""
    aws: dict[str, int] = field(default_factory=dict)
    """AWS calls during the run, 'service.Operation' -> count."""
    load: list[float] = field(default_factory=list)
    """The machine's 1-minute load average when the run started and when it ended."""
    window_s: float = 0.0
    """Seconds between the counters' snapshots before and after the run."""
    idle: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What a platform spent running nothing: configuration -> `window_s`, `cpu_s` per
    process, `db` counts (its idle rate, `idle_rates`). In runs with `others_cpu_s`, the
    run's own platform, alone, after the run; in older runs (no `others_cpu_s`), the other
    platforms while the run went on."""
    others_cpu_s: float | None = None
    """CPU-seconds the other platforms spent during the run (their Airflow processes are
    stopped: their servers only). None in runs from before the stop (2026-12-07 before
    16:00 UTC), when they idled beside the run (`others_cores` reads `idle` then)."""


def counted(runs: Sequence[Run]) -> list[Run]:
    """The runs figures are made of: not the warm-up rounds (repeat 0, runner.py)."""
    return [r for r in runs if r.repeat >= 1]


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def timings(task_instances: Sequence[Mapping[str, Any]], config: str) -> tuple[float, list[float]]:
    """Wall time from the first task queued to the last one ending, and each task's delay
    from queued to running, from the API's task instances."""
    if not task_instances:
        raise RuntimeError(f"{config}: no task instances")
    if any(ti["state"] != "success" for ti in task_instances):
        states = sorted({str(ti["state"]) for ti in task_instances})
        raise RuntimeError(f"{config}: not every task succeeded ({states})")
    delays = [
        (_time(t["start_date"]) - _time(t["queued_when"])).total_seconds() for t in task_instances
    ]
    first = min(_time(t["queued_when"]) for t in task_instances)
    last = max(_time(t["end_date"]) for t in task_instances)
    return (last - first).total_seconds(), delays


def difference(after: Mapping[str, float], before: Mapping[str, float]) -> dict[str, float]:
    return {k: round(v - before.get(k, 0), 3) for k, v in after.items()}


def _role(cpu_s: Mapping[str, float], prefix: str) -> float:
    """CPU of one role: every process named `prefix` or `prefix-<n>` (scheduler-1, -2)."""
    return sum(v for k, v in cpu_s.items() if k == prefix or k.startswith(prefix + "-"))


IdleRate = dict[str, float]
"""What a platform spends per second running nothing: CPU-s per process, db counts."""


def idle_rates(runs: Sequence[Run]) -> dict[tuple[str, int], IdleRate]:
    """(configuration, tasks) -> its platform's idle rate, over every window in which it
    ran nothing at that size (its DAGs had that size): after its own runs, or in older
    runs while another configuration ran."""
    totals: dict[tuple[str, int], dict[str, float]] = {}
    for r in runs:
        for config, spent in r.idle.items():
            total = totals.setdefault((config, r.tasks), {})
            for name, value in {"window_s": spent["window_s"], **spent["cpu_s"],
                                **spent["db"]}.items():  # fmt: skip
                total[name] = total.get(name, 0.0) + value
    return {
        key: {name: v / total["window_s"] for name, v in total.items() if name != "window_s"}
        for key, total in totals.items()
        if total["window_s"] > 0
    }


def others_cores(run: Run) -> float | None:
    """How many of the machine's cores the other platforms took during the run, on average:
    `others_cpu_s`, or for older runs what they spent idling beside it (`idle`)."""
    if not run.window_s:
        return None
    if run.others_cpu_s is not None:
        return run.others_cpu_s / run.window_s
    beside = [v for config, v in run.idle.items() if config != run.config]
    if not beside:
        return None
    return sum(sum(v["cpu_s"].values()) / v["window_s"] for v in beside)


def per_task(run: Run, idle: IdleRate | None = None) -> dict[str, float]:
    """The figures a configuration is judged by, each per task (or per run for rates).
    With the platform's `idle` rate, also what the tasks cost above it: the run's counters
    less what the platform spends running nothing over the same seconds. That removes the
    idle loops, not the busy loops: the schedulers spend more per second while DAG runs are
    active than idle, so a longer run still costs them more per task; hence also their CPU
    per second of the run."""
    n = run.tasks
    figures = {
        "tasks per minute": run.tasks / run.wall_s * 60 if run.wall_s else 0.0,
        "queued -> running p50 (s)": statistics.median(run.queued_to_running_s),
        "queued -> running p95 (s)": percentile(run.queued_to_running_s, 95),
    }
    for role in AIRFLOW_ROLES:
        if any(k == role or k.startswith(role + "-") for k in run.cpu_s):
            figures[f"CPU ms/task: {role}"] = _role(run.cpu_s, role) / n * 1000
    airflow = sum(_role(run.cpu_s, r) for r in AIRFLOW_ROLES)
    scheduler = _role(run.cpu_s, "scheduler")
    figures["CPU ms/task: all Airflow processes"] = airflow / n * 1000
    figures["CPU ms/task: servers (PostgreSQL, PgBouncer, Redis, moto)"] = (
        sum(_role(run.cpu_s, s) for s in SERVERS) / n * 1000
    )
    figures["DB statements/task"] = run.db.get("statements", 0) / n
    figures["DB transactions/task"] = run.db.get("transactions", 0) / n
    if "wait_us" in run.db:  # runs before 2026-12-07 10:00 did not read it
        figures["PgBouncer pool wait ms/task"] = run.db["wait_us"] / n / 1000
    figures["Secrets Manager calls/task"] = service_calls(run.aws, "secretsmanager") / n
    figures["S3 calls/task"] = service_calls(run.aws, "s3") / n
    if run.window_s:
        # What the schedulers spend per second while the tasks run: the same in two
        # configurations means a difference per task comes from how long the run lasted.
        figures["scheduler CPU ms per second of the run"] = scheduler / run.window_s * 1000
    if idle and run.window_s:
        w = run.window_s
        figures["above idle, CPU ms/task: scheduler"] = (
            (scheduler - _role(idle, "scheduler") * w) / n * 1000
        )
        idle_airflow = sum(_role(idle, r) for r in AIRFLOW_ROLES) * w
        figures["above idle, CPU ms/task: all Airflow processes"] = (
            (airflow - idle_airflow) / n * 1000
        )
        statements = run.db.get("statements", 0) - idle.get("statements", 0.0) * w
        figures["above idle, DB statements/task"] = statements / n
    return figures


def service_calls(aws: Mapping[str, int], service: str) -> int:
    return sum(v for k, v in aws.items() if k.split(".", 1)[0] == service)


def calls_over_runs(runs: Sequence[Run], operation: str) -> float:
    """Calls per task over all `runs` together (total calls / total tasks): `operation` is
    'service.Operation' or a service ('secretsmanager'). Not a median of the runs: lookups
    that miss come with each new worker process, all in the first run after a start."""
    service_only = "." not in operation
    total = sum(
        service_calls(r.aws, operation) if service_only else r.aws.get(operation, 0) for r in runs
    )
    return total / sum(r.tasks for r in runs)


@dataclass(frozen=True)
class Spread:
    """The median of a figure over repeats, and its range."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values), len(values))

    def overlaps(self, other: Spread) -> bool:
        return self.low <= other.high and other.low <= self.high

    def text(self) -> str:
        digits = 2 if abs(self.median) < 100 else 0
        if self.runs == 1:
            return f"{self.median:.{digits}f} (1 run)"
        if self.low == self.high:
            return f"{self.median:.{digits}f}"
        return f"{self.median:.{digits}f} ({self.low:.{digits}f} to {self.high:.{digits}f})"


def summarise(
    runs: Sequence[Run], idle: Mapping[tuple[str, int], IdleRate] | None = None
) -> dict[str, Spread]:
    """Per figure, the spread over the repeats of one configuration at one size (the
    figures every repeat has), with the platforms' `idle` rates when they were measured."""
    rates = idle or {}
    rows = [per_task(r, rates.get((r.config, r.tasks))) for r in runs]
    return {
        name: Spread.of([row[name] for row in rows])
        for name in rows[0]
        if all(name in row for row in rows)
    }


# Repeats a configuration needs before its figures are compared with another's: with
# fewer, a range is too narrow to say whether a difference is the configuration's.
MIN_REPEATS = 3


def apart_ratio(a: Spread, b: Spread) -> float | None:
    """a's median over b's when their ranges are apart (infinite over a baseline of 0);
    None when they overlap ("no difference"). The verdict `compare` words, and the guard
    judges by."""
    if a.overlaps(b):
        return None
    return a.median / b.median if b.median else math.inf


def compare(a: Spread, b: Spread) -> str:
    """a against b: "no difference" when the ranges overlap, else the ratio of the medians;
    not compared when either has fewer than MIN_REPEATS runs."""
    if min(a.runs, b.runs) < MIN_REPEATS:
        return f"not compared ({a.runs} and {b.runs} runs; {MIN_REPEATS} needed)"
    times = apart_ratio(a, b)
    if times is None:
        return "no difference"
    if math.isinf(times):
        return f"+{a.median:.2f} (none in the baseline)"
    return f"{times:.2f}x"
