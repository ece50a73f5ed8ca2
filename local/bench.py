"""`make bench-local`: 200 short tasks on the prod-like local platform, twice in one run:
with the program's Airflow configuration and with Airflow's defaults (same servers, same
Celery executor), side by side. A benchmark, not a test: it reports, it does not assert.

Reports throughput (tasks per minute, from the first task queued to the last one ending)
and the median and 95th-percentile delay from queued to running, per configuration and as
a ratio program/defaults. Writes build/bench-local.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from local import platform
from local.config import REPO

BENCH_DAGS = REPO / "tests" / "local" / "dags"
DAG_ID = "bench_tasks"
TASKS = 200


@dataclass(frozen=True)
class Result:
    """One configuration's figures."""

    config: str
    tasks: int
    tasks_per_minute: float
    queued_to_running_p50_s: float
    queued_to_running_p95_s: float
    wall_s: float


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def measure(task_instances: list[dict[str, Any]], config: str) -> Result:
    """Figures from the API's task instances (queued_when, start_date, end_date)."""
    done = [ti for ti in task_instances if ti["state"] == "success"]
    if len(done) != len(task_instances):
        states = {ti["state"] for ti in task_instances}
        raise RuntimeError(f"{config}: not every task succeeded ({states})")
    delays = [(_time(t["start_date"]) - _time(t["queued_when"])).total_seconds() for t in done]
    first = min(_time(t["queued_when"]) for t in done)
    last = max(_time(t["end_date"]) for t in done)
    wall = (last - first).total_seconds()
    return Result(
        config=config,
        tasks=len(done),
        tasks_per_minute=round(len(done) / wall * 60, 1),
        queued_to_running_p50_s=round(statistics.median(delays), 2),
        queued_to_running_p95_s=round(percentile(delays, 95), 2),
        wall_s=round(wall, 1),
    )


def run_one(config: str, port: int | None, port_base: int | None) -> Result:
    """One configuration on a platform of its own; ports free ones unless given."""
    state = tempfile.mkdtemp(prefix=f"airflow-bench-{config}-")
    try:
        p = platform.start(
            "prod",
            port=port if port is not None else platform.free_port(),
            state=state,
            port_base=port_base,
            extra_dags=(BENCH_DAGS,),
            airflow_defaults=config == "defaults",
        )
        api = p.client()
        api.wait_for_dag(DAG_ID)
        api.unpause(DAG_ID)
        run = api.trigger(DAG_ID)["dag_run_id"]
        state_ = api.wait(DAG_ID, run, timeout=1800)
        if state_ != "success":
            raise RuntimeError(f"{config}: the benchmark run ended {state_}")
        return measure(api.task_instances(DAG_ID, run), config)
    finally:
        platform.stop(state)


def table(program: Result, defaults: Result) -> str:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b else "n/a"

    rows = [
        ("tasks per minute", program.tasks_per_minute, defaults.tasks_per_minute),
        ("queued -> running p50 (s)", program.queued_to_running_p50_s,
         defaults.queued_to_running_p50_s),
        ("queued -> running p95 (s)", program.queued_to_running_p95_s,
         defaults.queued_to_running_p95_s),
        ("wall time, first queued to last done (s)", program.wall_s, defaults.wall_s),
    ]  # fmt: skip
    lines = [
        f"| {TASKS} short tasks | program's config | Airflow defaults | program / defaults |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {a} | {b} | {ratio(a, b)} |" for name, a, b in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.bench")
    # Free ports by default: fixed ones would collide with another platform on the machine.
    parser.add_argument("--port", type=int, default=None, help="API port (default: a free one)")
    parser.add_argument("--port-base", type=int, default=None,
                        help="servers on base+1..base+5 (default: free ports)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=REPO / "build" / "bench-local.json")
    args = parser.parse_args(argv)
    program = run_one("program", args.port, args.port_base)
    defaults = run_one("defaults", args.port, args.port_base)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps([asdict(program), asdict(defaults)], indent=2))
    print(table(program, defaults))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
