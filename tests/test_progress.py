"""Long make commands say which step they are on, how long it usually takes, and end with one
summary line (tools/progress.py)."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import absolute_imports, make_dry_run
from tools import progress

ROOT = Path(__file__).resolve().parents[1]


def run(steps: list[str], codes: dict[str, int], history: Path) -> tuple[int, list[str], list[str]]:
    said: list[str] = []
    ran: list[str] = []
    ticks = itertools.count(0, 30)  # every clock reading is 30 s after the last

    def runner(step: str) -> int:
        ran.append(step)
        return codes.get(step, 0)

    code = progress.run_steps(
        "make test", steps, run=runner, history_path=history,
        clock=lambda: float(next(ticks)), say=said.append,
    )  # fmt: skip
    return code, said, ran


def test_each_step_is_announced_with_its_usual_time_and_one_line_sums_up(tmp_path: Path) -> None:
    history = tmp_path / "progress.json"
    code, said, ran = run(["lint", "unit", "e2e"], {}, history)
    assert code == 0 and ran == ["lint", "unit", "e2e"]
    assert said[0] == "==> make test [1/3] lint"  # no figure known for lint
    assert said[1] == "==> make test [2/3] unit (usually about 38 s)"
    assert said[-1] == (
        "make test: passed, 3 steps in 3 min 30 s (slowest: lint 30 s, unit 30 s, e2e 30 s)"
    )
    assert len(said) == 4  # three steps and the summary, nothing else
    # The next run says what each step took the last time it passed.
    _, again, _ = run(["lint", "unit"], {}, history)
    assert again[1] == "==> make test [2/2] unit (last time 30 s)"


def test_a_failing_step_stops_the_run_and_the_last_line_names_it(tmp_path: Path) -> None:
    code, said, ran = run(["lint", "unit", "e2e"], {"unit": 2}, tmp_path / "p.json")
    assert code == 2
    assert ran == ["lint", "unit"]  # e2e never starts
    assert said[-1] == (
        "make test: FAILED at unit (step 2 of 3, exit 2) after 2 min 30 s; passed before it: lint"
    )


def test_make_test_runs_its_steps_through_the_progress_lines() -> None:
    # What make would run (dry run), as a user types it: not as a sub-make of make test.
    dry = make_dry_run("test", "local", "e2e").splitlines()
    assert dry[0].endswith('-m tools.progress "make test" lint typecheck unit integration '
                           "test-charts docs test-dags e2e e2e-dev e2e-state e2e-sign-in "
                           "bench-guard upgrade-test-fast")  # fmt: skip
    assert dry[1].endswith('-m tools.progress "make local" local-install local-up')
    assert dry[2].endswith('-m tools.progress "make e2e" charts e2e-run')


def test_the_benchmark_and_the_upgrade_rehearsal_say_their_steps_too() -> None:
    def dry(*args: str) -> str:
        return make_dry_run(*args).splitlines()[-1]

    assert dry("bench-local").endswith('-m tools.progress "make bench-local" venv bench-run')
    assert dry("upgrade-test", "TO=3.3.2").endswith(
        '-m tools.progress "make upgrade-test" venv charts local-install upgrade-run'
    )
    # The slow step of each has a usual time to announce.
    assert {"bench-run", "upgrade-run"} <= set(progress.TYPICAL_SECONDS)


def test_it_needs_the_standard_library_only() -> None:
    # make test calls it with the machine's python3, before .venv exists.
    imported = absolute_imports(ROOT / "tools" / "progress.py")
    assert imported and all(name.split(".")[0] in sys.stdlib_module_names for name in imported)


def test_a_kill_of_the_long_command_reaches_the_step_it_is_running(tmp_path: Path) -> None:
    # `kill <pid of make bench-local>` lands on tools.progress: the step's make (here a
    # stand-in that records the signal) must get it, or the benchmark's platforms run on.
    started, got = tmp_path / "started", tmp_path / "got-term"
    fake_make = tmp_path / "make"
    fake_make.write_text(
        "#!/bin/bash\n"
        f"trap 'touch {got}; exit 143' TERM\n"
        f"touch {started}\n"
        "while :; do sleep 0.05; done\n"
    )
    fake_make.chmod(0o755)
    env = {**os.environ, "MAKE": str(fake_make)}
    env.pop(progress.NESTED, None)
    command = [sys.executable, "-m", "tools.progress", "make bench-local", "bench-run"]
    log = tmp_path / "out"
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out)
    try:
        deadline = time.monotonic() + 30
        while not started.exists():
            assert time.monotonic() < deadline, "the step never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        subprocess.run(["pkill", "-f", str(fake_make)], check=False)
    assert got.exists(), "the step's make never got the SIGTERM"
    assert proc.returncode == 143
    last = log.read_text().splitlines()[-1]
    assert last.startswith("make bench-local: FAILED at bench-run (step 1 of 1, exit 143)")
