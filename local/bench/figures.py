"""The benchmark's arithmetic: one run's figures from the API's task instances and the
counters' differences; medians and spreads over repeats; comparisons that say "no
difference" when the spreads overlap."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Processes reported one by one (several schedulers add up to one line); the rest are
# the servers the platform runs for Airflow.
AIRFLOW_ROLES = ("scheduler", "dag-processor", "worker", "api-server", "triggerer")
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


def per_task(run: Run) -> dict[str, float]:
    """The figures a configuration is judged by, each per task (or per run for rates)."""
    n = run.tasks

    def cpu(prefix: str) -> float:
        return sum(v for k, v in run.cpu_s.items() if k == prefix or k.startswith(prefix + "-"))

    figures = {
        "tasks per minute": run.tasks / run.wall_s * 60 if run.wall_s else 0.0,
        "queued -> running p50 (s)": statistics.median(run.queued_to_running_s),
        "queued -> running p95 (s)": percentile(run.queued_to_running_s, 95),
    }
    for role in AIRFLOW_ROLES:
        figures[f"CPU ms/task: {role}"] = cpu(role) / n * 1000
    figures["CPU ms/task: all Airflow processes"] = sum(cpu(r) for r in AIRFLOW_ROLES) / n * 1000
    figures["CPU ms/task: servers (PostgreSQL, PgBouncer, Redis, moto)"] = (
        sum(cpu(s) for s in SERVERS) / n * 1000
    )
    figures["DB statements/task"] = run.db.get("statements", 0) / n
    figures["DB transactions/task"] = run.db.get("transactions", 0) / n
    figures["PgBouncer pool wait ms/task"] = run.db.get("wait_us", 0) / n / 1000
    figures["Secrets Manager calls/task"] = service_calls(run.aws, "secretsmanager") / n
    figures["S3 calls/task"] = service_calls(run.aws, "s3") / n
    return figures


def service_calls(aws: Mapping[str, int], service: str) -> int:
    return sum(v for k, v in aws.items() if k.split(".", 1)[0] == service)


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
        if self.runs == 1 or self.low == self.high:
            return f"{self.median:.{digits}f}"
        return f"{self.median:.{digits}f} ({self.low:.{digits}f} to {self.high:.{digits}f})"


def summarise(runs: Sequence[Run]) -> dict[str, Spread]:
    """Per figure, the spread over the repeats of one configuration at one size."""
    rows = [per_task(r) for r in runs]
    return {name: Spread.of([row[name] for row in rows]) for name in rows[0]}


def compare(a: Spread, b: Spread) -> str:
    """a against b: "no difference" when the ranges overlap (one run each: only equal
    values overlap), else the ratio of the medians."""
    if a.overlaps(b):
        return "no difference"
    if b.median == 0:
        return f"+{a.median:.2f} (none in the baseline)"
    return f"{a.median / b.median:.2f}x"
