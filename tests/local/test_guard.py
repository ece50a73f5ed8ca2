"""tests/local/guard.py, the end-to-end fixtures' checks, against tiny processes: each
catches what it is there to catch."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from local.platform import Supervisor
from tests.local.guard import (
    assert_listens_on_loopback_only,
    assert_nothing_survives,
    nothing_survives_the_platforms,
    platform_processes,
    sigterm_stops_the_session,
)

SERVE = (
    "import socket, sys, time; s = socket.socket(); "
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], 0)); "
    "s.listen(); open(sys.argv[2], 'w').write('up'); time.sleep(60)"
)


def _serve(sup: Supervisor, name: str, host: str, ready: Path) -> None:
    sup.start(name, ["python3", "-c", SERVE, host, str(ready)])
    deadline = time.monotonic() + 30  # a loaded machine is slow to fork
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), "the server did not start"


@pytest.mark.integration
def test_a_server_on_every_interface_is_caught(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path)
    try:
        _serve(sup, "local", "127.0.0.1", tmp_path / "local.up")
        assert_listens_on_loopback_only(tmp_path)
        _serve(sup, "open", "0.0.0.0", tmp_path / "open.up")
        with pytest.raises(AssertionError, match=r"beyond 127\.0\.0\.1"):
            assert_listens_on_loopback_only(tmp_path)
    finally:
        sup.stop_all(timeout=5)


@pytest.mark.integration
def test_a_survivor_of_stop_is_caught(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path)
    sup.start("shell", ["bash", "-c", "sleep 60 & wait"])
    time.sleep(0.5)
    processes = platform_processes(tmp_path)
    assert len(processes) >= 1
    with pytest.raises(AssertionError, match="still running after stop"):
        assert_nothing_survives(processes, timeout=0.5)
    sup.stop_all(timeout=5)
    assert_nothing_survives(processes)


def test_sigterm_interrupts_so_the_fixtures_teardown_runs() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), sigterm_stops_the_session():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert signal.getsignal(signal.SIGTERM) == previous


@pytest.mark.integration
def test_a_process_left_running_by_a_test_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sup = Supervisor(tmp_path)
    with (
        pytest.raises(AssertionError, match="still running after stop"),
        nothing_survives_the_platforms(monkeypatch, timeout=0.5),
    ):
        sup.start("left", ["bash", "-c", "sleep 60 & wait"])
        time.sleep(0.3)
    sup.stop_all(timeout=5)
    with nothing_survives_the_platforms(monkeypatch):
        Supervisor(tmp_path / "b").start("stopped", ["sleep", "60"])
        Supervisor(tmp_path / "b").stop_all(timeout=5)
