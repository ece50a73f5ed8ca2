"""Platforms for the configurations, and runs on them interleaved.

Every configuration gets its own platform (prod stack: servers, schedulers, DAG processor,
triggerer, worker, API server) with the benchmark's DAGs as an extra bundle; the platforms
stay up while the repeats go round them in turn, each run one configuration alone on the
machine: the others' Airflow processes are stopped meanwhile (local/bench/freeze.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from components.platform import secrets_backend_kwargs
from local import platform
from local.bench import dags, freeze, probes
from local.bench.figures import Run, difference, timings
from local.config import REPO

STACK = "prod"
# name -> how local.platform.start builds it: Airflow's defaults at the program's shape,
# plus one program feature at a time, and the program's configuration itself.
CONFIGS: dict[str, dict[str, Any]] = {
    "program": {"airflow_defaults": False, "features": ()},
    "defaults": {"airflow_defaults": True, "features": ()},
    "defaults+remote-logs": {"airflow_defaults": True, "features": ("remote-logs",)},
    "defaults+secrets-backend": {"airflow_defaults": True, "features": ("secrets-backend",)},
}
# What `make bench-local` runs unless asked otherwise.
MEASURED = tuple(CONFIGS)
# Candidate changes to the program's options, each run beside `program` before it is adopted
# (`--configs program <candidate>`; docs/benchmark.md, "Tuning"). Candidates combine:
# `program+no-remote-logs+parse-30s` is the program with both changes (`config_kwargs`).
CANDIDATES: dict[str, dict[str, str]] = {
    # The program before its parse-interval tuning (TUNED_AIRFLOW_OPTIONS): unchanged DAG
    # files re-parsed every 30 s, Airflow's default.
    "program+parse-30s": {"dag_processor.min_file_process_interval": "30"},
    # Celery prefetching 4 tasks per worker process (Celery's own default), not Airflow's 1
    # (the program and the chart leave it there): fewer broker round trips for short tasks.
    "program+prefetch-4": {"celery.worker_prefetch_multiplier": "4"},
    # The program before its lookup-pattern tuning: every connection Airflow resolves,
    # the chart's aws_logs (each task's log upload) included, asked of Secrets Manager first.
    "program+no-lookup-pattern": {"secrets.backend_kwargs": secrets_backend_kwargs()},
    # One of the program's choices at a time back to Airflow's own (its default value), to
    # find which one the program's cost per task comes from (docs/benchmark.md).
    "program+hostname-fqdn": {"core.hostname_callable": "airflow.utils.net.getfqdn"},
    "program+no-remote-logs": {"logging.remote_logging": "False"},
    "program+no-secrets-backend": {"secrets.backend": ""},
}
CONFIGS.update(
    {
        name: {"airflow_defaults": False, "features": (), "tuning": t}
        for name, t in CANDIDATES.items()
    }
)


def config_kwargs(name: str) -> dict[str, Any]:
    """How local.platform.start builds configuration `name`: one of CONFIGS, or the program
    with several candidates' changes (`program+a+b`), or the defaults with several features
    (`defaults+remote-logs+secrets-backend`). ValueError, one line, for a name neither is."""
    if name in CONFIGS:
        return CONFIGS[name]
    base, *parts = name.split("+")
    if base == "program" and parts:
        changes = [CANDIDATES.get(f"program+{p}", {}) for p in parts]
        options = [o for change in changes for o in change]
        # Each known and once, and no two setting the same option (the later would win
        # unseen): every candidate changes at least one option.
        if all(changes) and len(set(options)) == len(options):
            tuning = {o: v for change in changes for o, v in change.items()}
            return {"airflow_defaults": False, "features": (), "tuning": tuning}
    if base == "defaults" and parts:
        unknown = [p for p in parts if f"defaults+{p}" not in CONFIGS]
        if not unknown and len(set(parts)) == len(parts):
            return {"airflow_defaults": True, "features": tuple(parts)}
    raise ValueError(
        f"configuration {name!r} unknown: one of {', '.join(CONFIGS)}, or 'program+' with "
        "candidates or 'defaults+' with features joined by '+', each once, no two changing "
        "the same option"
    )


RUN_TIMEOUT = 3600.0
# After a platform continues (local/bench/freeze.py): its heartbeats catch up; then its
# counters start, once its DAG processor has parsed what came due while it was stopped
# (`caught_up`): a parse the stop put off belongs to no run.
THAW_SETTLE_S = 5.0
CATCH_UP_TIMEOUT = 300.0
# Airflow's own `dag_processor.min_file_process_interval`, where a configuration sets none.
PARSE_INTERVAL = "dag_processor.min_file_process_interval"
AIRFLOW_PARSE_INTERVAL_S = 30.0
# Seconds a platform runs nothing, alone, after each of its runs: its idle rate, for the
# "above idle" figures. As long as the longest parse interval of the configurations (the
# program's 120 s): a shorter window after a thaw (which sets when parses fall) would see
# the program's DAG processor parse in none of its windows.
IDLE_WINDOW_S = 120.0
# Several platforms starting side by side on a loaded machine take longer than one.
START_TIMEOUT = 900.0
# Rounds at the first size before the counted repeats: a platform's first run after its
# start came out dearer than its next ones (scheduler CPU per task 104 and 108 ms against
# 56 to 75 in the 19:19 runs, docs/benchmark.md), and which configuration a dear first
# round falls on decided comparisons. They are recorded as repeat 0 and kept out of the
# figures (report.py); their AWS calls are still counted.
WARMUP_ROUNDS = 1


@dataclass
class Bench:
    """One configuration's running platform and its DAG folder."""

    config: str
    platform: platform.Platform
    dags: Path
    api: Any
    ids: list[str] = field(default_factory=list)


def start(
    config: str, tasks: int, echo: Callable[[str], None] = print, install: bool = True
) -> Bench:
    """The configuration's platform on free ports, its DAGs parsed and unpaused."""
    kwargs = config_kwargs(config)
    work = Path(tempfile.mkdtemp(prefix=f"airflow-bench-{config}-"))
    work.chmod(0o755)  # the servers' user (postgres) must reach the state directory inside
    folder = work / "bench-dags"
    ids = dags.write(folder, tasks)
    try:
        p = platform.start(
            STACK,
            port=platform.free_port(),
            state=work / "state",
            extra_dags=(folder,),
            echo=lambda line: echo(f"[{config}] {line}"),
            install=install,
            start_timeout=START_TIMEOUT,
            **kwargs,
        )
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    bench = Bench(config, p, folder, p.client(), ids)
    try:
        for dag_id in ids:
            bench.api.wait_for_dag(dag_id)
            bench.api.unpause(dag_id)
        pause_the_rest(bench)
        wait_parsed(bench, tasks)
    except BaseException:
        stop(bench)
        raise
    return bench


def pause_the_rest(bench: Bench) -> None:
    """Pause the program's own DAGs (dags/: scheduled canary, ETL, backups): their runs would
    add work to whichever configuration they fall on."""
    for dag in bench.api.get("/dags?limit=1000")["dags"]:
        if dag["dag_id"] not in bench.ids and not dag["is_paused"]:
            bench.api.call("PATCH", f"/dags/{dag['dag_id']}", {"is_paused": True})


def stop(bench: Bench) -> None:
    # Stopped processes would keep the stop's SIGTERM pending until it gives up on them.
    freeze.thaw(bench.platform)
    platform.stop(bench.platform.state)
    shutil.rmtree(bench.dags.parent, ignore_errors=True)


def wait_parsed(bench: Bench, tasks: int, timeout: float = 600) -> None:
    """Until the API shows every DAG with its share of `tasks` (after `resize`)."""
    per_dag = dags.tasks_per_dag(tasks, len(bench.ids))
    deadline = time.monotonic() + timeout
    waiting = list(bench.ids)
    while waiting:
        waiting = [
            d for d in waiting if bench.api.get(f"/dags/{d}/tasks")["total_entries"] != per_dag
        ]
        if waiting and time.monotonic() > deadline:
            raise TimeoutError(f"{bench.config}: {waiting} not parsed at {per_dag} tasks")
        if waiting:
            time.sleep(3)


def parse_interval(bench: Bench) -> float:
    options = bench.platform.config.options
    return float(options.get(PARSE_INTERVAL, AIRFLOW_PARSE_INTERVAL_S))


def overdue(dags_now: Sequence[Mapping[str, Any]], ids: Sequence[str], interval: float,
            now: datetime) -> list[str]:  # fmt: skip
    """The DAGs among `ids` last parsed longer than `interval` seconds before `now` (the
    API's `last_parsed_time`), or never."""
    parsed = {d["dag_id"]: d.get("last_parsed_time") for d in dags_now}

    def age(value: str) -> float:
        return (now - datetime.fromisoformat(value.replace("Z", "+00:00"))).total_seconds()

    return [d for d in ids if not parsed.get(d) or age(str(parsed[d])) > interval]


def caught_up(bench: Bench, timeout: float = CATCH_UP_TIMEOUT) -> None:
    """After a thaw: until no DAG file is overdue for its parse and none is being parsed,
    so the parses the stop put off are done before the counters start."""
    interval = parse_interval(bench)
    deadline = time.monotonic() + timeout
    while True:
        listed = bench.api.get(f"/dags?dag_id_pattern={dags.PREFIX}&limit=100")["dags"]
        late = overdue(listed, bench.ids, interval, datetime.now(UTC))
        if not late and not freeze.parsing(bench.platform):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{bench.config}: {late or 'a parse'} not caught up after a thaw")
        time.sleep(1)


def resize(bench: Bench, tasks: int) -> None:
    freeze.thaw(bench.platform)  # its DAG processor parses the new files
    dags.write(bench.dags, tasks, len(bench.ids))
    wait_parsed(bench, tasks)


@dataclass(frozen=True)
class Counters:
    """One platform's counters at one moment: CPU-seconds per process, PgBouncer's stats."""

    at: float
    cpu: dict[str, float]
    db: dict[str, int]


def counters(bench: Bench) -> Counters:
    return Counters(
        time.monotonic(),
        probes.cpu_seconds(platform.Supervisor(bench.platform.state)),
        probes.pgbouncer_stats(bench.platform),
    )


def spent(before: Counters, after: Counters) -> dict[str, Any]:
    """What a platform spent between two snapshots, and over how many seconds."""
    return {
        "window_s": round(after.at - before.at, 1),
        "cpu_s": difference(after.cpu, before.cpu),
        "db": {k: int(v) for k, v in difference(after.db, before.db).items()},
    }


def run(
    bench: Bench,
    tasks: int,
    repeat: int,
    others: Sequence[Bench] = (),
    idle_window_s: float = 0.0,
) -> Run:
    """Trigger every DAG at once, wait for all, and count what the run cost, alone: the
    `others` platforms' Airflow processes are stopped meanwhile (what they still spend is
    `Run.others_cpu_s`). Then, with `idle_window_s`, what the platform spends running
    nothing for that long (`Run.idle`, its idle rate)."""
    api = bench.api
    freeze.freeze([other.platform for other in others])
    freeze.thaw(bench.platform)
    time.sleep(THAW_SETTLE_S)
    caught_up(bench)
    load_before = os.getloadavg()[0]
    others_before = {other.config: counters(other) for other in others}
    before = counters(bench)
    probes.start_recording(bench.platform)
    runs = {dag_id: api.trigger(dag_id)["dag_run_id"] for dag_id in bench.ids}
    for dag_id, run_id in runs.items():
        state = api.wait(dag_id, run_id, timeout=RUN_TIMEOUT)
        if state != "success":
            kept = keep_logs(bench.config, bench.platform.state, REPO / "build")
            raise RuntimeError(
                f"{bench.config}: {dag_id} run {run_id} ended {state} (logs: {kept})"
            )
    # After the AWS calls settle: the last tasks' log uploads (and their processes' ends)
    # come after their DAG runs are marked done, and their CPU belongs to the run.
    aws = probes.aws_calls(bench.platform)
    after = counters(bench)
    own = spent(before, after)
    others_cpu = sum(
        sum(spent(others_before[o.config], counters(o))["cpu_s"].values()) for o in others
    )
    load_after = os.getloadavg()[0]
    idle = {}
    if idle_window_s:
        time.sleep(idle_window_s)
        idle[bench.config] = spent(after, counters(bench))
    task_instances = [ti for d, r in runs.items() for ti in api.task_instances(d, r)]
    if len(task_instances) != tasks:
        raise RuntimeError(f"{bench.config}: {len(task_instances)} task instances, not {tasks}")
    wall, delays = timings(task_instances, bench.config)
    return Run(
        config=bench.config,
        tasks=tasks,
        repeat=repeat,
        wall_s=round(wall, 1),
        queued_to_running_s=delays,
        cpu_s=own["cpu_s"],
        db=own["db"],
        aws=aws,
        load=[round(load_before, 2), round(load_after, 2)],
        window_s=own["window_s"],
        idle=idle,
        others_cpu_s=round(others_cpu, 2),
    )


def rotated(configs: Sequence[str], repeat: int) -> list[str]:
    """The order of the configurations in repeat `repeat` (1, 2, ...): each round starts
    one further along (A B C, B C A, C A B), so no configuration always runs first, right
    after the platforms started (within a round the cyclic order stays: C follows B)."""
    shift = (repeat - 1) % len(configs)
    return [*configs[shift:], *configs[:shift]]


def keep_logs(config: str, state: Path, build: Path) -> Path:
    """A failed run's platform logs, copied out before the platform and its folder go."""
    kept = build / f"bench-failed-{config.replace('+', '-')}-logs"
    shutil.copytree(platform.Supervisor(state).logs, kept, dirs_exist_ok=True)
    return kept


def check_scale(
    configs: Sequence[str], sizes: Mapping[int, int], scale_configs: Sequence[str] | None
) -> None:
    """The sizes after the first run on platforms started for the first: a scale
    configuration that is not among them would fail after the whole first size."""
    missing = [c for c in scale_configs or () if c not in configs]
    if len(sizes) > 1 and missing:
        raise ValueError(
            f"scale configurations {missing} are not among the configurations {list(configs)}"
        )


def interleaved(
    configs: Sequence[str],
    sizes: Mapping[int, int],
    scale_configs: Sequence[str] | None = None,
    echo: Callable[[str], None] = print,
    *,
    on_run: Callable[[list[Run]], None] | None = None,
    idle_window_s: float = IDLE_WINDOW_S,
    warmup: int = WARMUP_ROUNDS,
) -> list[Run]:
    """`sizes`: tasks -> repeats, in order. The first size runs every configuration, the
    others `scale_configs` (default: all), the first after `warmup` rounds of its own
    (repeat 0, not counted); repeats go round the configurations in turn
    (A B, then B A: `rotated`), each run alone (the others stopped), then its platform
    idle for `idle_window_s` (its idle rate; 0: none). `on_run`
    gets the runs so far after each one (a long benchmark stopped early keeps what it
    measured). Platforms are stopped however this ends, those still starting once up."""
    check_scale(configs, sizes, scale_configs)
    order = list(sizes)
    chosen_at = [
        configs if index == 0 or scale_configs is None else scale_configs
        for index in range(len(order))
    ]
    rounds = {tasks: [0] * (warmup if index == 0 else 0) + list(range(1, sizes[tasks] + 1))
              for index, tasks in enumerate(order)}  # fmt: skip
    total = sum(len(rounds[tasks]) * len(chosen_at[i]) for i, tasks in enumerate(order))
    results: list[Run] = []
    platform.ensure_installed()
    # Side by side: on two loaded cores one start takes minutes.
    pool = ThreadPoolExecutor(len(configs))
    futures = {c: pool.submit(start, c, order[0], echo, False) for c in configs}
    stopped: set[str] = set()
    try:
        benches = {c: f.result() for c, f in futures.items()}
        for index, tasks in enumerate(order):
            chosen = chosen_at[index]
            for config in [c for c in benches if c not in chosen and c not in stopped]:
                stop(benches[config])
                stopped.add(config)
            if index:
                for config in chosen:
                    resize(benches[config], tasks)
            for repeat in rounds[tasks]:
                for config in rotated(chosen, repeat):
                    others = [benches[c] for c in chosen if c != config]
                    result = run(benches[config], tasks, repeat, others, idle_window_s)
                    which = f"repeat {repeat}" if repeat else "warm-up, not counted"
                    echo(
                        f"[run {len(results) + 1} of {total}] "
                        f"{config} {tasks} tasks, {which}: {result.wall_s} s, "
                        f"CPU {sum(result.cpu_s.values()):.1f} s, {result.db}, {result.aws}, "
                        f"load {result.load}"
                    )
                    results.append(result)
                    if on_run:
                        on_run(results)
    finally:
        pool.shutdown(wait=True)
        up = [
            future.result()
            for config, future in futures.items()
            if config not in stopped and future.exception() is None
        ]
        # Every platform continues first: one stop that fails must not leave the rest
        # stopped for good.
        for bench in up:
            with contextlib.suppress(Exception):
                freeze.thaw(bench.platform)
        for bench in up:
            try:
                stop(bench)
            except Exception as exc:  # the others are still to stop
                echo(f"[{bench.config}] not stopped: {exc}")
    return results
