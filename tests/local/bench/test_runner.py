"""local.bench.runner: what is kept when a run fails."""

from __future__ import annotations

from pathlib import Path

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
    assert [(r.config, r.tasks) for r in runs] == [
        ("program", 200), ("defaults", 200), ("defaults+remote-logs", 200),
        ("defaults", 200), ("defaults+remote-logs", 200), ("program", 200),
        ("defaults+remote-logs", 200), ("program", 200), ("defaults", 200),
        ("program", 2000),
    ]  # fmt: skip
    assert idled[0] == ["defaults", "defaults+remote-logs"] and idled[-1] == []
    assert [line.split("]")[0] for line in said] == [f"[run {i} of 10" for i in range(1, 11)]


def test_a_scale_configuration_must_have_a_platform_from_the_first_size() -> None:
    """Otherwise the benchmark would fail after its whole first size, at the resize."""
    with pytest.raises(ValueError, match=r"scale configurations \['defaults'\] are not among"):
        runner.interleaved(["program", "defaults+remote-logs"], {200: 3, 2000: 3}, ["defaults"])
