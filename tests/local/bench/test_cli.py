"""`python -m local.bench`: sizes and repeats as asked, the runs kept as JSON, the tables
rebuilt from that JSON without running anything."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import pytest

from local.bench import __main__ as cli
from local.bench import runner
from local.bench.figures import Run


def _run(
    config: str, tasks: int, repeat: int, statements: int, calls: dict[str, int] | None = None
) -> Run:
    calls = {"secretsmanager.GetSecretValue": tasks} if calls is None else calls
    db = {"statements": statements, "transactions": 1}
    load = [1.5, 2.0 * repeat]
    cpu = {"scheduler-1": tasks / 10}
    return Run(config, tasks, repeat, 60.0, [1.0] * tasks, cpu, db, calls, load,
               window_s=100.0, others_cpu_s=float(repeat))  # fmt: skip


def test_interleaved_sizes_and_a_report_from_the_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[tuple[Sequence[str], Mapping[int, int], Sequence[str] | None]] = []

    def fake(configs: Sequence[str], sizes: Mapping[int, int],
             scale: Sequence[str] | None = None,
             *, on_run: Callable[[list[Run]], None] | None = None,
             idle_window_s: float = 0.0, warmup: int = 0) -> list[Run]:  # fmt: skip
        asked.append((configs, sizes, scale))
        assert idle_window_s == runner.IDLE_WINDOW_S and warmup == runner.WARMUP_ROUNDS == 1
        # A warm-up round first (repeat 0), far dearer: it must not move any figure.
        runs = [_run(c, 200, 0, 10**6, {"s3.PutObject": 200})
                for c in ("program", "defaults")]  # fmt: skip
        runs += [_run(c, t, r, s) for t in sizes for r in range(1, sizes[t] + 1)
                 for c, s in (("program", 100 * r), ("defaults", 1000 * r))]  # fmt: skip
        assert on_run is not None
        on_run(runs[:1])  # a run is kept as soon as it is measured
        assert len(json.loads(out.read_text())) == 1
        assert not out.with_suffix(".json.partial").exists()  # replaced whole, not rewritten
        return runs

    monkeypatch.setattr(runner, "interleaved", fake)
    out = tmp_path / "bench.json"
    assert cli.main(["--configs", "program", "defaults", "--out", str(out)]) == 0
    # Every configuration three times at both sizes (the "at least three").
    assert asked == [(["program", "defaults"], {200: 3, 2000: 3}, ["program", "defaults"])]
    first = capsys.readouterr().out
    assert "| DB statements/task | 1.00 (0.50 to 1.50) | 10.00 (5.00 to 15.00) | 0.10x |" in first
    assert "#### 200 tasks (20 DAGs; runs: program x3 after 1 warm-up, defaults x3 after 1" in first
    assert "#### 2000 tasks (20 DAGs; runs: program x3, defaults x3)" in first
    # Its calls were made, though: they count in the calls per task over all runs.
    assert "- program, 200 tasks: s3.PutObject 0.250 (runs: 200, 0, 0, 0)," in first
    assert "Growth from 200 to 2000 tasks" in first
    # Growth is the ratio of medians; ranges apart it grew or fell, overlapping it is flat.
    assert "| DB statements/task | 1.00 (0.50 to 1.50) → 0.10 (0.05 to 0.15) (0.10x) |" in first
    assert "| CPU ms/task: scheduler | 100 → 100 (1.00x, ranges overlap) |" in first
    # Each size says how busy the machine was (CPU-seconds hold; wall times do not).
    assert "Load average (1 min) at the runs' starts and ends: 1.5 to 6.0." in first
    assert "Cores the other platforms took during the runs: program 0.01 to 0.03;" in first
    assert len(json.loads(out.read_text())) == 14
    # The tables again from the JSON alone: nothing runs.
    assert cli.main(["--from", str(out), "--out", str(tmp_path / "again.json")]) == 0
    assert capsys.readouterr().out == first and len(asked) == 1


def test_one_repeat_count_per_size() -> None:
    with pytest.raises(SystemExit):
        cli.main(["--sizes", "200", "2000", "--repeats", "3"])


def test_a_candidate_is_judged_against_the_program_and_files_are_read_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tuning candidate's verdict is against the program it would change; runs kept in
    two files (a size measured on another day) make one report."""
    runs = [_run(c, 200, r, s) for r in (1, 2, 3)
            for c, s in (("program", 100 * r), ("program+prefetch-4", 1000 * r))]  # fmt: skip
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps([asdict(r) for r in runs[:4]]))
    second.write_text(json.dumps([asdict(r) for r in runs[4:]]))
    assert cli.main(["--from", str(first), str(second), "--out", str(tmp_path / "c.json")]) == 0
    out = capsys.readouterr().out
    assert "runs: program x3, program+prefetch-4 x3" in out
    assert "| DB statements/task | 1.00 (0.50 to 1.50) | 10.00 (5.00 to 15.00) | 10.00x |" in out
    assert "program+prefetch-4 vs program" in out


def test_a_scale_configuration_without_a_platform_is_one_line_before_anything_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--configs", "program", "defaults+remote-logs", "--scale-configs", "defaults"])
    assert "--scale-configs: scale configurations ['defaults'] are not among" in (
        capsys.readouterr().err
    )


def test_an_unknown_configuration_is_one_line_before_anything_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--configs", "program", "program+parse-31s"])
    assert "--configs: configuration 'program+parse-31s' unknown" in capsys.readouterr().err
