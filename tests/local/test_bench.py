"""local.bench's arithmetic, on task instances shaped like the REST API's."""

from __future__ import annotations

import pytest

from local.bench import measure, percentile


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
