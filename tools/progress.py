"""Run make targets one after the other and say where a long command is: which step, how
long that step usually takes, and one summary line at the end.

    python3 -m tools.progress "make test" lint typecheck unit ...   (the Makefile calls it)

"Usually" is what the step took the last time it passed on this machine (kept in
build/progress.json), else the typical figure of TYPICAL_SECONDS (measured on the two-core
development machine; docs/tests.md). A step's own output streams through unchanged. Inside
another progress run (make e2e as a step of make test) the steps run without lines of their
own, so the outer command's lines stay the only ones. Standard library only: it runs before
the project's venv exists.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "build" / "progress.json"
NESTED = "PROGRESS_PARENT"

# Typical seconds of the slow steps on two cores, for a machine with no history yet: the
# merged suite's own step times (2026-12-07 08:30, `.ci/run` in a fresh clone, quiet).
TYPICAL_SECONDS = {
    "typecheck": 90,
    "unit": 38,
    "integration": 50,
    "test-charts": 60,
    "render": 25,
    "test-dags": 220,
    "e2e": 185,
    "e2e-run": 175,
    "e2e-dev": 55,
    "e2e-state": 230,
    "e2e-sign-in": 70,
    "bench-guard": 310,  # 100 tasks x3, each run alone: 5 min 07 s (2026-12-07 18:17)
    "upgrade-test-fast": 35,
    "upgrade-test-migration": 300,  # measured at load 10-30 (2026-12-07): an upper bound
    "upgrade-run": 800,  # TO=3.3.1 FROM=3.0.6: 13 min 24 s at load 14-55 (2026-12-07)
    "local-install": 20,
    "local-up": 60,
    # The default: 4 configurations x 200 tasks x3, then 2 x 2,000 x3: each 2,000-task run
    # 14 min on an otherwise idle machine (2026-12-07), about 2 hours in all.
    "bench-run": 7200,
}

Runner = Callable[[str], int]


def duration(seconds: float) -> str:
    """`42 s`, `3 min 05 s`."""
    whole = round(seconds)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60:02d} s"


def load_history(path: Path = HISTORY) -> dict[str, float]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def save_history(history: dict[str, float], path: Path = HISTORY) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(history, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass  # a read-only checkout still runs its steps


def usually(step: str, history: dict[str, float]) -> str:
    if step in history:
        return f" (last time {duration(history[step])})"
    if step in TYPICAL_SECONDS:
        return f" (usually about {duration(TYPICAL_SECONDS[step])})"
    return ""


def make_runner(step: str) -> int:
    """`make <step>`; a SIGTERM to this process goes on to it (make passes it to the
    command it runs: `kill` of `make bench-local` stops the benchmark's platforms), and its
    exit code is the shell's: 128 + the signal's number when a signal ended it."""
    make = os.environ.get("MAKE", "make")
    env = {**os.environ, NESTED: "1"}
    started: list[subprocess.Popen[bytes]] = []
    pending: list[int] = []

    def forward(signum: int, _: object) -> None:
        if started:
            started[0].send_signal(signum)
        else:
            pending.append(signum)

    # Installed before the child starts: a SIGTERM in between would end this process alone;
    # one that comes before the child is there is passed on once it is.
    previous = signal.signal(signal.SIGTERM, forward)
    try:
        started.append(subprocess.Popen([make, "--no-print-directory", step], cwd=ROOT, env=env))
        for signum in pending:
            started[0].send_signal(signum)
        try:
            code = started[0].wait()
        except KeyboardInterrupt:
            # Ctrl-C reached make too (the terminal's whole group): let it finish stopping.
            code = started[0].wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 128 - code if code < 0 else code


def run_steps(
    command: str,
    steps: Sequence[str],
    *,
    run: Runner = make_runner,
    history_path: Path = HISTORY,
    clock: Callable[[], float] = time.monotonic,
    say: Callable[[str], None] = lambda line: print(line, flush=True),
) -> int:
    """Run `steps` in order, stop at the first that fails; the exit code of the whole."""
    history = load_history(history_path)
    took: list[tuple[str, float]] = []
    start = clock()
    for number, step in enumerate(steps, 1):
        say(f"==> {command} [{number}/{len(steps)}] {step}{usually(step, history)}")
        began = clock()
        code = run(step)
        seconds = clock() - began
        if code != 0:
            passed = ", ".join(name for name, _ in took) or "none"
            say(
                f"{command}: FAILED at {step} (step {number} of {len(steps)}, exit {code}) "
                f"after {duration(clock() - start)}; passed before it: {passed}"
            )
            return code
        took.append((step, seconds))
        history[step] = seconds
        save_history(history, history_path)
    slowest = sorted(took, key=lambda item: item[1], reverse=True)[:3]
    say(
        f"{command}: passed, {len(steps)} steps in {duration(clock() - start)} "
        f"(slowest: {', '.join(f'{name} {duration(s)}' for name, s in slowest)})"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print('usage: python3 -m tools.progress "make test" STEP...', file=sys.stderr)
        return 2
    command, steps = args[0], args[1:]
    if os.environ.get(NESTED):  # a step of an outer run: its lines are enough
        for step in steps:
            if code := make_runner(step):
                return code
        return 0
    return run_steps(command, steps)


if __name__ == "__main__":
    sys.exit(main())
