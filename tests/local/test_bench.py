"""local.bench's arithmetic, on task instances shaped like the REST API's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local import bench
from local.bench import Result, measure, percentile
from local.client import AirflowClient, ApiError


def _ti(queued: str, start: str, end: str, state: str = "success") -> dict[str, str]:
    day = "2026-01-01T00:"
    return {"state": state, "queued_when": day + queued + "Z", "start_date": day + start + "Z",
            "end_date": day + end + "Z"}  # fmt: skip


def test_throughput_and_delays_from_queued_to_running() -> None:
    tis = [_ti("00:00", "00:01", "00:05"), _ti("00:00", "00:03", "00:10"),
           _ti("00:10", "00:20", "00:30")]  # fmt: skip
    result = measure(tis, "program")
    assert result.wall_s == 30 and result.tasks_per_minute == 6.0
    assert result.queued_to_running_p50_s == 3 and result.queued_to_running_p95_s == 10


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95 and percentile(values, 50) == 50
    assert percentile([7.0], 95) == 7.0


def test_a_failed_task_is_not_a_measurement() -> None:
    with pytest.raises(RuntimeError, match="not every task succeeded"):
        measure([_ti("00:00", "00:01", "00:02", state="failed")], "defaults")


class _ParsedLater(AirflowClient):
    """An API whose DAG processor has not parsed the DAG for the first two calls."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:1", "token")
        self.calls = 0

    def get(self, path: str) -> Any:
        self.calls += 1
        if self.calls < 3:
            raise ApiError(404, "Dag with id: bench_tasks was not found", path)
        return {"dag_id": "bench_tasks"}


def test_the_benchmark_waits_until_the_dag_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    # With Airflow's defaults the DAG appears minutes after the platform is healthy.
    monkeypatch.setattr("local.client.time.sleep", lambda _s: None)
    api = _ParsedLater()
    api.wait_for_dag("bench_tasks")
    assert api.calls == 3


def test_waiting_for_a_dag_still_fails_on_other_errors() -> None:
    class Refused(AirflowClient):
        def get(self, path: str) -> Any:
            raise ApiError(401, "unauthorized", path)

    with pytest.raises(ApiError, match="401"):
        Refused("http://127.0.0.1:1", "token").wait_for_dag("bench_tasks")


def test_the_benchmark_runs_on_free_ports_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[int | None, int | None]] = []

    def fake_run(config: str, port: int | None, port_base: int | None) -> Result:
        asked.append((port, port_base))
        return Result(config, 1, 1.0, 0.1, 0.2, 60.0)

    monkeypatch.setattr(bench, "run_one", fake_run)
    assert bench.main(["--out", str(tmp_path / "bench.json")]) == 0
    assert asked == [(None, None), (None, None)], "fixed ports collide with other platforms"
    bench.main(["--out", str(tmp_path / "bench.json"), "--port", "18090", "--port-base", "18300"])
    assert asked[-1] == (18090, 18300)
