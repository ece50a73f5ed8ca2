"""local.bench.freeze: the platforms that do not run are stopped, but never inside a
database transaction (PgBouncer would end it while they are stopped)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from local.bench import freeze
from local.bench.probes import process_cpu
from local.platform import Supervisor

BUSY = "import time\nwhile True: sum(range(10000))"


@contextlib.contextmanager
def _platform(state: Path) -> Iterator[Any]:
    """A platform whose one Airflow process ('scheduler-1') burns CPU, and a server that
    is not Airflow's ('postgres'), as the supervisor starts them."""
    state.mkdir(exist_ok=True)
    sup = Supervisor(state)
    sup.start("scheduler-1", ["python3", "-c", BUSY])
    sup.start("postgres", ["python3", "-c", BUSY])
    config = SimpleNamespace(processes=[SimpleNamespace(name="scheduler-1")])
    platform: Any = SimpleNamespace(state=state, config=config)
    try:
        yield platform
    finally:
        freeze.thaw(platform)
        sup.stop_all(timeout=5)


@pytest.fixture
def busy_platform(tmp_path: Path) -> Iterator[Any]:
    with _platform(tmp_path) as platform:
        yield platform


def _cpu(platform: Any, name: str) -> float:
    return sum(process_cpu(p) for p in Supervisor(platform.state).processes(name))


def _running(platform: Any, name: str) -> bool:
    return not all(freeze.stopped(p) for p in Supervisor(platform.state).processes(name))


@pytest.mark.integration
def test_a_platform_is_stopped_outside_a_transaction_and_its_servers_run_on(
    busy_platform: Any,
) -> None:
    answers = iter(["1 PgBouncer connection(s)", "1 DAG file parse(s)", ""])
    seen: list[tuple[float, bool]] = []

    def sleep(seconds: float) -> None:
        seen.append((seconds, _running(busy_platform, "scheduler-1")))
        time.sleep(min(seconds, 0.05))

    attempts = freeze.freeze([busy_platform], busy=lambda p: next(answers), sleep=sleep)
    assert attempts == 3
    # Between attempts (RETRY_S) the processes went on; when they were looked at, stopped.
    assert [running for s, running in seen if s == freeze.RETRY_S] == [True, True]
    assert [running for s, running in seen if s == freeze.SETTLE_S] == [False, False, False]
    stopped_at = _cpu(busy_platform, "scheduler-1")
    server_at = _cpu(busy_platform, "postgres")
    time.sleep(0.5)
    assert _cpu(busy_platform, "scheduler-1") == stopped_at, "a stopped process spent CPU"
    assert _cpu(busy_platform, "postgres") > server_at, "the servers keep running"
    freeze.thaw(busy_platform)
    time.sleep(0.5)
    assert _cpu(busy_platform, "scheduler-1") > stopped_at, "it did not continue"


@pytest.mark.integration
def test_a_transaction_that_stays_open_leaves_the_platform_running(busy_platform: Any) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    with pytest.raises(RuntimeError, match=r"not stopped, busy for 10 s: 1 DAG file parse"):
        freeze.freeze([busy_platform], busy=lambda p: "1 DAG file parse(s)", sleep=sleep,
                      clock=clock, timeout=10)  # fmt: skip
    time.sleep(0.2)
    assert _running(busy_platform, "scheduler-1")


@pytest.mark.integration
def test_platforms_are_stopped_in_turn_and_each_one_stopped_gives_the_others_time(
    tmp_path: Path,
) -> None:
    """Platforms that all just started: one at rest is stopped at once and stays stopped
    while a busy one is tried again; each one stopped restarts the others' time limit."""
    now = [0.0]
    seen: list[bool] = []

    with _platform(tmp_path / "a") as a, _platform(tmp_path / "b") as b:
        # Busy until (fake) second 8 and 15: past a 10 s limit, not past 10 s without one
        # more platform stopped.
        until = {a.state: 15.0, b.state: 8.0}

        def sleep(seconds: float) -> None:
            now[0] += seconds
            if seconds == freeze.RETRY_S:
                seen.append(_running(b, "scheduler-1"))

        asked: list[tuple[Path, float]] = []

        def busy(p: Any) -> str:
            asked.append((p.state, now[0]))
            return "1 DAG file parse(s)" if now[0] < until[p.state] else ""

        freeze.freeze(
            [a, b],
            busy=busy,
            sleep=sleep,
            clock=lambda: now[0],
            timeout=10,
        )
        assert not _running(a, "scheduler-1") and not _running(b, "scheduler-1")
    # b is not asked again once stopped.
    assert [t >= until[b.state] for state, t in asked if state == b.state].count(True) == 1
    # b ran between its attempts, and once stopped (second 8) stayed so while a was tried.
    assert True in seen and seen[seen.index(False) :] == [False] * len(seen[seen.index(False) :])


def test_a_process_state_is_read_from_proc(tmp_path: Path) -> None:
    for pid, state in ((42, "T"), (43, "S"), (44, "R")):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(f"{pid} (airflow scheduler) {state} 1 0 0")
    assert freeze.stopped(42, tmp_path)
    assert not freeze.stopped(43, tmp_path) and not freeze.stopped(44, tmp_path)
    assert freeze.stopped(45, tmp_path), "a process gone is no longer running"


@pytest.mark.integration
def test_a_dag_file_being_parsed_keeps_the_platform_running(tmp_path: Path) -> None:
    """The DAG processor's manager with a parse child (its own process group, as Airflow's
    parse processes are) is busy; the manager alone is not."""
    # Each step waits for the test's word (a file), so a loaded machine cannot reorder them.
    manager = (
        "import pathlib, subprocess, sys, time\n"
        "d = pathlib.Path(sys.argv[1])\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " process_group=0)\n"
        "(d / 'parsing').touch()\n"
        "while not (d / 'done').exists(): time.sleep(0.05)\n"
        "child.kill(); child.wait(); (d / 'parsed').touch(); time.sleep(60)"
    )
    sup = Supervisor(tmp_path)
    sup.start(
        "dag-processor", ["bash", "-c", 'python3 -c "$0" "$1"; sleep 60', manager, str(tmp_path)]
    )
    platform: Any = SimpleNamespace(state=tmp_path, config=SimpleNamespace(processes=[]))
    try:
        _wait_for(tmp_path / "parsing")
        assert freeze.parsing(platform) == 1
        (tmp_path / "done").touch()
        _wait_for(tmp_path / "parsed")
        assert freeze.parsing(platform) == 0
    finally:
        sup.stop_all(timeout=5)


def _wait_for(path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} did not appear in {timeout:g} s"
        time.sleep(0.05)


def test_a_process_that_will_not_stop_costs_its_platform_a_turn_not_the_others_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process in uninterruptible sleep ignores SIGSTOP until it wakes: its platform's
    attempt gives up after STOP_WAIT_S and the next platform is stopped meanwhile."""
    now = [0.0]

    def platform(name: str) -> Any:
        return SimpleNamespace(state=Path(f"/nonexistent/{name}"),
                               config=SimpleNamespace(processes=[]))  # fmt: skip

    stuck, calm = platform("stuck"), platform("calm")
    monkeypatch.setattr(freeze, "_all_stopped", lambda p: p is not stuck)
    asked: list[tuple[str, float]] = []

    def busy(p: Any) -> str:
        asked.append((p.state.name, now[0]))
        return ""

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(RuntimeError, match=r"stuck: not stopped, busy for 60 s: a process that"):
        freeze.freeze([stuck, calm], busy=busy, sleep=sleep, clock=lambda: now[0], timeout=60)
    # The calm one was read (and stopped) right after the stuck one's first attempt.
    assert asked[0][0] == "calm"
    assert asked[0][1] < freeze.STOP_WAIT_S + 1  # not the 60 s timeout
