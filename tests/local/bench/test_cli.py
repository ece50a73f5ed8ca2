"""`python -m local.bench`: sizes and repeats as asked, the runs kept as JSON, the tables
rebuilt from that JSON without running anything."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from local.bench import __main__ as cli
from local.bench import runner
from local.bench.figures import Run


def _run(config: str, tasks: int, repeat: int, statements: int) -> Run:
    calls = {"secretsmanager.GetSecretValue": tasks}
    db = {"statements": statements, "transactions": 1}
    load = [1.5, 2.0 * repeat]
    cpu = {"scheduler-1": tasks / 10}
    return Run(config, tasks, repeat, 60.0, [1.0] * tasks, cpu, db, calls, load)


def test_interleaved_sizes_and_a_report_from_the_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[tuple[Sequence[str], Mapping[int, int], Sequence[str] | None]] = []

    def fake(configs: Sequence[str], sizes: Mapping[int, int],
             scale: Sequence[str] | None = None,
             on_run: Callable[[list[Run]], None] | None = None) -> list[Run]:  # fmt: skip
        asked.append((configs, sizes, scale))
        runs = [_run(c, t, r, s) for t in sizes for r in range(1, sizes[t] + 1)
                for c, s in (("program", 100 * r), ("defaults", 1000 * r))]  # fmt: skip
        assert on_run is not None
        on_run(runs[:1])  # a run is kept as soon as it is measured
        assert len(json.loads(out.read_text())) == 1
        return runs

    monkeypatch.setattr(runner, "interleaved", fake)
    out = tmp_path / "bench.json"
    assert cli.main(["--configs", "program", "defaults", "--out", str(out)]) == 0
    assert asked == [(["program", "defaults"], {200: 3, 2000: 1}, ["program", "defaults"])]
    first = capsys.readouterr().out
    assert "| DB statements/task | 1.00 (0.50 to 1.50) | 10.00 (5.00 to 15.00) | 0.10x |" in first
    assert "Growth from 200 to 2000 tasks" in first
    # Each size says how busy the machine was (CPU-seconds hold; wall times do not).
    assert "Load average (1 min) at the runs' starts and ends: 1.5 to 6.0." in first
    assert len(json.loads(out.read_text())) == 8
    # The tables again from the JSON alone: nothing runs.
    assert cli.main(["--from", str(out), "--out", str(tmp_path / "again.json")]) == 0
    assert capsys.readouterr().out == first and len(asked) == 1


def test_one_repeat_count_per_size() -> None:
    with pytest.raises(SystemExit):
        cli.main(["--sizes", "200", "2000", "--repeats", "3"])
