"""local.bench.runner: what is kept when a run fails."""

from __future__ import annotations

from pathlib import Path

from local.bench import runner
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
