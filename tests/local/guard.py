"""What every end-to-end fixture checks around a platform it starts: a SIGTERM to pytest
still stops the platform, its servers listen on 127.0.0.1 only, and nothing of it outlives
`stop()`."""

from __future__ import annotations

import contextlib
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import psutil
import pytest

from local.platform import Supervisor, _session_members


@contextlib.contextmanager
def sigterm_stops_the_session() -> Iterator[None]:
    """SIGTERM (CI's timeout, `kill`) raises KeyboardInterrupt: pytest then ends the session
    and runs the fixtures' teardown (`finally: stop()`). Without a handler the process dies
    at once and leaves the platform's processes running in sessions of their own. Not
    SystemExit: pytest counts that as one failed test and goes on with the next."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}: stopping the platform")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def platform_processes(state: Path) -> list[psutil.Process]:
    """Every process the platform in `state` started, with what they started (by session)."""
    sup = Supervisor(state)
    found = []
    for name in sup.names():
        pid = sup.pid(name)
        if pid is None:
            continue
        for member in (pid, *_session_members(pid)):
            with contextlib.suppress(psutil.NoSuchProcess):
                found.append(psutil.Process(member))
    return found


def _ephemeral_ports() -> range:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return range(int(low), int(high) + 1)


def assert_listens_on_loopback_only(state: Path) -> None:
    """Every listening TCP socket and bound UDP socket of the platform is on 127.0.0.1.

    A UDP socket that only sends (the statsd client) is bound by the kernel to the wildcard
    address on an ephemeral port at its first send: that one is a client, not a server."""
    pids = {p.pid for p in platform_processes(state)}
    assert pids, f"no process of the platform in {state}"
    ephemeral = _ephemeral_ports()
    exposed = []
    for c in psutil.net_connections(kind="inet"):
        if c.pid not in pids or not c.laddr or c.laddr.ip == "127.0.0.1":
            continue
        listening = c.type == socket.SOCK_STREAM and c.status == psutil.CONN_LISTEN
        bound = c.type == socket.SOCK_DGRAM and not c.raddr and c.laddr.port not in ephemeral
        if listening or bound:
            exposed.append((c.pid, c.laddr))
    names = {pid: psutil.Process(pid).cmdline()[:4] for pid, _ in exposed}
    assert not exposed, f"listening beyond 127.0.0.1: {[(names[p], a) for p, a in exposed]}"


def assert_nothing_survives(processes: list[psutil.Process], timeout: float = 10.0) -> None:
    """None of `processes` (taken before `stop()`) still runs: psutil compares the start
    time too, so a reused pid is not mistaken for a survivor."""

    def alive() -> list[psutil.Process]:
        left = []
        for p in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    left.append(p)
        return left

    deadline = time.monotonic() + timeout  # orphans are reaped by init, not at once
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = [(p.pid, p.cmdline()[:4]) for p in alive()]
    assert not survivors, f"still running after stop(): {survivors}"


@contextlib.contextmanager
def nothing_survives_the_platforms(
    monkeypatch: pytest.MonkeyPatch, timeout: float = 10.0
) -> Iterator[None]:
    """For tests that start and stop platforms themselves: every process a Supervisor starts
    inside is recorded, and at the end none of them, nor anything in their sessions, may
    still run."""
    started: list[psutil.Process] = []
    start = Supervisor.start

    def recording(self: Supervisor, *args: Any, **kwargs: Any) -> int:
        pid = start(self, *args, **kwargs)
        with contextlib.suppress(psutil.NoSuchProcess):
            started.append(psutil.Process(pid))
        return pid

    monkeypatch.setattr(Supervisor, "start", recording)
    yield
    members = []
    for leader in started:
        for pid in _session_members(leader.pid):
            with contextlib.suppress(psutil.NoSuchProcess):
                members.append(psutil.Process(pid))
    assert_nothing_survives(started + members, timeout)
