"""local.bench.runner: what is kept when a run fails."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from local.bench import runner
from local.bench.figures import Run
from local.platform import Supervisor


def test_a_failed_runs_platform_logs_are_kept_in_build(tmp_path: Path) -> None:
    """The platform's folder is removed when the benchmark stops; why a task failed must not go
    with it."""
    logs = Supervisor(tmp_path / "state").logs
    logs.mkdir(parents=True)
    (logs / "worker.log").write_text("httpx.ReadTimeout: timed out\n")
    kept = runner.keep_logs("defaults+remote-logs", tmp_path / "state", tmp_path / "build")
    assert kept == tmp_path / "build" / "bench-failed-defaults-remote-logs-logs"
    assert (kept / "worker.log").read_text() == "httpx.ReadTimeout: timed out\n"


def test_runs_go_round_the_configurations_and_each_says_which_of_how_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each round starts one configuration further along (A B, B A), the others stopped
    meanwhile, each run followed by its platform's idle window; then the scale
    configurations; every line says its place in the whole benchmark, which can take an
    hour."""
    monkeypatch.setattr(runner.platform, "ensure_installed", lambda: None)
    monkeypatch.setattr(runner, "start", lambda config, tasks, echo, quiet: config)
    monkeypatch.setattr(runner, "stop", lambda bench: None)
    monkeypatch.setattr(runner, "resize", lambda bench, tasks: None)
    idled: list[list[str]] = []

    def run(bench: str, tasks: int, repeat: int, others: list[str], idle_window_s: float) -> Run:
        idled.append(others)
        assert idle_window_s == runner.IDLE_WINDOW_S
        return Run(bench, tasks, repeat, 60.0, [1.0], {"a": 1.0}, {}, {}, [1.0, 1.0])

    monkeypatch.setattr(runner, "run", run)
    said: list[str] = []
    runs = runner.interleaved(
        ["program", "defaults", "defaults+remote-logs"], {200: 3, 2000: 1}, ["program"],
        said.append,
    )  # fmt: skip
    # One warm-up round first, at the first size only (repeat 0), then the counted repeats.
    assert [(r.config, r.tasks, r.repeat) for r in runs[:3]] == [
        ("defaults+remote-logs", 200, 0), ("program", 200, 0), ("defaults", 200, 0),
    ]  # fmt: skip
    assert "defaults+remote-logs 200 tasks, warm-up, not counted:" in said[0]
    assert [(r.config, r.tasks) for r in runs[3:]] == [
        ("program", 200), ("defaults", 200), ("defaults+remote-logs", 200),
        ("defaults", 200), ("defaults+remote-logs", 200), ("program", 200),
        ("defaults+remote-logs", 200), ("program", 200), ("defaults", 200),
        ("program", 2000),
    ]  # fmt: skip
    assert idled[3] == ["defaults", "defaults+remote-logs"] and idled[-1] == []
    assert [line.split("]")[0] for line in said] == [f"[run {i} of 13" for i in range(1, 14)]


def test_a_scale_configuration_must_have_a_platform_from_the_first_size() -> None:
    """Otherwise the benchmark would fail after its whole first size, at the resize."""
    with pytest.raises(ValueError, match=r"scale configurations \['defaults'\] are not among"):
        runner.interleaved(["program", "defaults+remote-logs"], {200: 3, 2000: 3}, ["defaults"])


class _Api:
    def __init__(self, events: list[str]) -> None:
        self.events = events

    def trigger(self, dag_id: str) -> dict[str, str]:
        self.events.append(f"trigger {dag_id}")
        return {"dag_run_id": "r1"}

    def wait(self, dag_id: str, run_id: str, timeout: float) -> str:
        return "success"

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, str]]:
        day = "2026-12-07T16:00:"
        return [{"state": "success", "queued_when": day + "00Z", "start_date": day + "01Z",
                 "end_date": day + "30Z"}]  # fmt: skip


def test_a_run_is_alone_caught_up_then_counted_then_idles_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The others are stopped before this platform continues; its counters start once its
    put-off parses are done; after the run it idles alone, its idle rate under its name."""
    events: list[str] = []
    ticks = iter(range(100))

    def bench(config: str) -> runner.Bench:
        p = SimpleNamespace(state=tmp_path / config, config=SimpleNamespace(options={}))
        return runner.Bench(config, p, tmp_path, _Api(events), ["bench_00"])  # type: ignore[arg-type]

    def counters(b: runner.Bench) -> runner.Counters:
        events.append(f"counters {b.config}")
        n = next(ticks)
        return runner.Counters(float(n), {"scheduler-1": float(n)}, {"statements": n})

    def freeze(platforms: list[Any]) -> None:
        events.append(f"freeze {' '.join(p.state.name for p in platforms)}")

    monkeypatch.setattr(runner.freeze, "freeze", freeze)
    monkeypatch.setattr(runner.freeze, "thaw", lambda p: events.append(f"thaw {p.state.name}"))
    monkeypatch.setattr(runner, "caught_up", lambda b: events.append(f"caught up {b.config}"))
    monkeypatch.setattr(runner, "counters", counters)
    monkeypatch.setattr(runner.probes, "start_recording", lambda p: None)
    monkeypatch.setattr(runner.probes, "aws_calls", lambda p: {"s3.PUT": 1})
    monkeypatch.setattr(runner.time, "sleep", lambda s: events.append(f"sleep {s:g}"))
    result = runner.run(bench("program"), 1, 1, [bench("defaults")], idle_window_s=120)
    assert events == [
        "freeze defaults", "thaw program", f"sleep {runner.THAW_SETTLE_S:g}",
        "caught up program", "counters defaults", "counters program", "trigger bench_00",
        "counters program", "counters defaults", "sleep 120", "counters program",
    ]  # fmt: skip
    assert result.others_cpu_s == 3.0  # the stopped platform's counters, 0 -> 3
    assert result.cpu_s == {"scheduler-1": 1.0} and result.window_s == 1.0
    assert result.idle == {"program": {"window_s": 2.0, "cpu_s": {"scheduler-1": 2.0},
                                       "db": {"statements": 2}}}  # fmt: skip


def test_a_dag_is_overdue_when_last_parsed_longer_ago_than_its_interval() -> None:
    now = datetime(2026, 12, 7, 16, 0, 0, tzinfo=UTC)
    listed = [
        {"dag_id": "bench_00", "last_parsed_time": "2026-12-07T15:59:00Z"},
        {"dag_id": "bench_01", "last_parsed_time": "2026-12-07T15:58:00+00:00"},
        {"dag_id": "bench_02", "last_parsed_time": None},
    ]
    ids = ["bench_00", "bench_01", "bench_02", "bench_03"]
    assert runner.overdue(listed, ids, 120, now) == ["bench_02", "bench_03"]
    assert runner.overdue(listed, ids, 30, now) == ids


def test_candidates_and_features_combine_by_name() -> None:
    """`program+no-remote-logs+parse-30s` measures two changes together: how one choice's
    cost is told from another's, and what is left without both."""
    both = runner.config_kwargs("program+no-remote-logs+parse-30s")
    assert both == {
        "airflow_defaults": False,
        "features": (),
        "tuning": {
            **runner.CANDIDATES["program+no-remote-logs"],
            **runner.CANDIDATES["program+parse-30s"],
        },
    }
    assert runner.config_kwargs("defaults+remote-logs+secrets-backend") == {
        "airflow_defaults": True,
        "features": ("remote-logs", "secrets-backend"),
    }
    assert runner.config_kwargs("program") == runner.CONFIGS["program"]


def test_two_candidates_changing_one_option_do_not_combine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(runner.CANDIDATES, "program+parse-60s", {runner.PARSE_INTERVAL: "60"})
    with pytest.raises(ValueError, match="no two changing the same option"):
        runner.config_kwargs("program+parse-30s+parse-60s")


@pytest.mark.parametrize(
    "name", ["program+parse-31s", "defaults+parse-30s", "program+parse-30s+parse-30s", "prog"]
)
def test_a_configuration_name_neither_builds_is_one_line(name: str) -> None:
    with pytest.raises(ValueError, match=rf"^configuration '{re.escape(name)}' unknown: one of"):
        runner.config_kwargs(name)
