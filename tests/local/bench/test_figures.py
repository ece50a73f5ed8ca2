"""local.bench.figures: one run's figures from the API's task instances and the counters,
medians and spreads over repeats, and comparisons that refuse to read noise as a ratio."""

from __future__ import annotations

import pytest

from local.bench.figures import (
    Run,
    Spread,
    apart_ratio,
    calls_over_runs,
    compare,
    idle_rates,
    others_cores,
    per_task,
    percentile,
    summarise,
    timings,
)


def _ti(queued: str, start: str, end: str, state: str = "success") -> dict[str, str]:
    day = "2026-01-01T00:"
    return {"state": state, "queued_when": day + queued + "Z", "start_date": day + start + "Z",
            "end_date": day + end + "Z"}  # fmt: skip


def _run(config: str = "program", tasks: int = 10, **counters: object) -> Run:
    fields: dict[str, object] = {"wall_s": 60.0, "queued_to_running_s": [1.0] * tasks,
                                 "cpu_s": {}, "db": {}, "aws": {}}  # fmt: skip
    fields.update(counters)
    return Run(config=config, tasks=tasks, repeat=1, **fields)  # type: ignore[arg-type]


def test_wall_time_and_delays_from_queued_to_running() -> None:
    tis = [_ti("00:00", "00:01", "00:05"), _ti("00:00", "00:03", "00:10"),
           _ti("00:10", "00:20", "00:30")]  # fmt: skip
    wall, delays = timings(tis, "program")
    assert wall == 30 and sorted(delays) == [1, 3, 10]
    figures = per_task(_run(tasks=3, wall_s=wall, queued_to_running_s=delays))
    assert figures["tasks per minute"] == 6.0
    assert figures["queued -> running p50 (s)"] == 3 and figures["queued -> running p95 (s)"] == 10


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95 and percentile(values, 50) == 50
    assert percentile([7.0], 95) == 7.0


def test_a_failed_task_is_not_a_measurement() -> None:
    with pytest.raises(RuntimeError, match="not every task succeeded"):
        timings([_ti("00:00", "00:01", "00:02", state="failed")], "defaults")


def test_cpu_adds_up_every_scheduler_and_counts_are_per_task() -> None:
    run = _run(
        tasks=10,
        cpu_s={"scheduler-1": 2.0, "scheduler-2": 3.0, "worker": 10.0, "postgres": 1.0,
               "pgbouncer": 0.5},
        db={"statements": 500, "transactions": 100, "wait_us": 30_000},
        aws={"secretsmanager.GetSecretValue": 30, "s3.PUT": 10, "s3.GET": 5,
             "sts.GetCallerIdentity": 1},
    )  # fmt: skip
    figures = per_task(run)
    assert figures["CPU ms/task: scheduler"] == 500  # (2 + 3) s over 10 tasks
    assert figures["CPU ms/task: worker"] == 1000
    assert figures["CPU ms/task: all Airflow processes"] == 1500
    assert figures["CPU ms/task: servers (PostgreSQL, PgBouncer, Redis, moto)"] == 150
    assert figures["DB statements/task"] == 50 and figures["DB transactions/task"] == 10
    assert figures["PgBouncer pool wait ms/task"] == 3  # 30 ms waited over 10 tasks
    assert figures["Secrets Manager calls/task"] == 3 and figures["S3 calls/task"] == 1.5
    # A process the platform did not run has no line (runs before the Execution API had
    # its own), rather than a 0 that would pass for a measurement.
    assert "CPU ms/task: execution-api" not in figures
    apart = per_task(_run(tasks=10, cpu_s={"api-server": 1.0, "execution-api": 2.0}))
    assert apart["CPU ms/task: execution-api"] == 200 and apart["CPU ms/task: api-server"] == 100


def test_median_and_spread_over_repeats() -> None:
    runs = [_run(db={"statements": s}) for s in (100, 300, 200)]
    spread = summarise(runs)["DB statements/task"]
    assert (spread.median, spread.low, spread.high, spread.runs) == (20, 10, 30, 3)
    assert spread.text() == "20.00 (10.00 to 30.00)"


def test_overlapping_spreads_are_no_difference_and_apart_ones_a_ratio() -> None:
    assert compare(Spread(10, 8, 12, 3), Spread(11, 11.5, 13, 3)) == "no difference"
    assert compare(Spread(20, 18, 22, 3), Spread(10, 9, 11, 3)) == "2.00x"
    assert compare(Spread(3, 3, 3, 3), Spread(0, 0, 0, 3)) == "+3.00 (none in the baseline)"
    assert apart_ratio(Spread(10, 8, 12, 3), Spread(11, 11.5, 13, 3)) is None
    assert apart_ratio(Spread(20, 18, 22, 3), Spread(10, 9, 11, 3)) == 2.0


def test_fewer_than_three_runs_are_not_compared() -> None:
    """One run each has a range of one value: any two differ, so a ratio would read noise
    as a finding (the 2,000-task runs once printed p95 1.08x from one run each)."""
    assert compare(Spread(34.97, 34.97, 34.97, 1), Spread(32.42, 32.42, 32.42, 1)) == (
        "not compared (1 and 1 runs; 3 needed)"
    )
    assert compare(Spread(20, 18, 22, 3), Spread(10, 9, 11, 2)).startswith("not compared")
    assert Spread(34.97, 34.97, 34.97, 1).text() == "34.97 (1 run)"


def test_above_idle_takes_the_platforms_idle_rate_over_the_runs_seconds_off() -> None:
    """The platform idling (in an older run: while another configuration ran) spent 0.1
    CPU-s per second in its schedulers and 5 statements per second: a run twice as long
    adds that much twice over to the raw figures and nothing above idle. (What the
    schedulers spend above idle while DAG runs are active still grows with a longer run:
    the busy loops are not idle.)"""
    idle = {"window_s": 100.0, "cpu_s": {"scheduler-1": 6.0, "scheduler-2": 4.0, "worker": 2.0},
            "db": {"statements": 500, "transactions": 100}}  # fmt: skip
    other = _run("defaults", tasks=10, idle={"program": idle})
    rates = idle_rates([other])
    assert rates == {("program", 10): {"scheduler-1": 0.06, "scheduler-2": 0.04, "worker": 0.02,
                                       "statements": 5.0, "transactions": 1.0}}  # fmt: skip

    def program(seconds: float) -> Run:
        return _run(tasks=10, window_s=seconds,
                    cpu_s={"scheduler-1": 1.0 + 0.06 * seconds, "scheduler-2": 0.04 * seconds,
                           "worker": 3.0 + 0.02 * seconds},
                    db={"statements": 200 + 5 * int(seconds)})  # fmt: skip

    # Since the other platforms are stopped during a run, each platform idles alone after
    # its own run: the same window, kept under its own name, is the same rate.
    assert idle_rates([_run("program", tasks=10, idle={"program": idle})]) == rates
    quick, slow = (per_task(program(s), rates[("program", 10)]) for s in (60.0, 120.0))
    assert slow["CPU ms/task: scheduler"] > quick["CPU ms/task: scheduler"]
    for figure, value in (("above idle, CPU ms/task: scheduler", 100),
                          ("above idle, CPU ms/task: all Airflow processes", 400),
                          ("above idle, DB statements/task", 20)):  # fmt: skip
        assert quick[figure] == pytest.approx(value) and slow[figure] == pytest.approx(value)
    # Per second of the run, the schedulers' CPU: 1 s + 0.1 s/s over 60 s.
    assert quick["scheduler CPU ms per second of the run"] == pytest.approx(1000 / 60 + 100)
    # Without an idle rate (one configuration alone) there is nothing to subtract.
    assert "above idle, DB statements/task" not in per_task(program(60.0))
    spread = summarise([program(60.0), program(120.0)], rates)
    assert spread["above idle, CPU ms/task: scheduler"].median == pytest.approx(100)


def test_a_counter_a_run_did_not_read_is_left_out_not_shown_as_zero() -> None:
    old, new = _run(db={"statements": 10}), _run(db={"statements": 10, "wait_us": 5000})
    assert "PgBouncer pool wait ms/task" not in per_task(old)
    assert "PgBouncer pool wait ms/task" not in summarise([old, new])
    assert summarise([new])["PgBouncer pool wait ms/task"].median == 0.5


def test_calls_per_task_are_counted_over_all_runs_not_as_a_median() -> None:
    """Misses that come with a worker's start fall in its first run only: 30, 0 and 0 calls
    in three 100-task runs are 0.10 per task, not the median's 0.00."""
    runs = [_run(tasks=100, aws={"secretsmanager.GetSecretValue": c}) for c in (30, 0, 0)]
    assert calls_over_runs(runs, "secretsmanager") == pytest.approx(0.1)
    assert calls_over_runs(runs, "secretsmanager.GetSecretValue") == pytest.approx(0.1)
    assert summarise(runs)["Secrets Manager calls/task"].median == 0


def test_what_the_other_platforms_took_of_the_machine_during_a_run() -> None:
    """Runs alone: the others' servers only. Older runs: what they spent idling beside it,
    read from their idle windows (the afternoon's program runs had a whole core of two)."""
    assert others_cores(_run(window_s=100.0, others_cpu_s=2.0)) == pytest.approx(0.02)
    beside = {
        "defaults": {"window_s": 100.0, "cpu_s": {"dag-processor": 16.0, "scheduler-1": 9.0}},
        "defaults+remote-logs": {"window_s": 50.0, "cpu_s": {"dag-processor": 12.5}},
    }
    assert others_cores(_run(window_s=100.0, idle=beside)) == pytest.approx(0.5)
    own = {"program": {"window_s": 60.0, "cpu_s": {"scheduler-1": 6.0}}}
    assert others_cores(_run(window_s=100.0, idle=own)) is None, "its own idle is no neighbour"
