"""local.platform's supervision, with real (tiny) processes: start by pid file, stop by pid."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

from local.platform import (
    PlatformError,
    Supervisor,
    _alive,
    _session_members,
    choose_ports,
    venv_airflow_version,
)


def _pids_in_group(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(") ", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def test_stop_ends_the_process_and_its_children(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path)
    pid = sup.start("shell", ["bash", "-c", "sleep 60 & sleep 60 & wait"])
    deadline = time.monotonic() + 30  # a loaded machine is slow to fork
    while len(_pids_in_group(pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_pids_in_group(pid)) == 3, "bash and its two children run in one group"
    assert sup.running() == {"shell": True}
    sup.stop_all()
    assert not _alive(pid)
    assert _pids_in_group(pid) == [], "children are stopped with their parent"
    assert sup.names() == [] and not (tmp_path / "run/shell.pid").exists()


def test_a_signal_reaches_a_child_in_a_process_group_of_its_own(tmp_path: Path) -> None:
    # Airflow 3.1+'s task supervisor setpgid()s each task: a killed worker (a lost pod) must
    # still take its tasks down, or the killed try finishes behind the scheduler's back.
    sup = Supervisor(tmp_path)
    marker = tmp_path / "child.pid"
    child = (
        "import os, time; os.setpgid(0, 0); "
        f"open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    )
    pid = sup.start("worker", ["bash", "-c", f"python3 -c {child!r} & wait"])
    deadline = time.monotonic() + 30  # a loaded machine is slow to fork
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(marker.read_text())
    assert _pids_in_group(pid) and grandchild not in _pids_in_group(pid)
    sup.signal("worker", signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild), "the task in its own group outlived its killed worker"
    sup.stop_all()


def test_a_dead_process_is_reported_as_not_running(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path)
    pid = sup.start("short", ["true"])
    deadline = time.monotonic() + 30  # a loaded machine is slow to fork
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sup.running() == {"short": False}
    with contextlib.suppress(ChildProcessError):  # subprocess may have reaped it already
        os.waitpid(pid, 0)


def test_ports_pinned_from_a_base_stay_in_its_range() -> None:
    ports = choose_ports(18080, 18100)
    assert (ports.api, ports.postgres, ports.statsd) == (18080, 18101, 18105)
    free = choose_ports(18080, None)
    assert len({free.postgres, free.pgbouncer, free.redis, free.moto}) == 4


def test_the_venvs_airflow_version_is_read_without_importing_airflow(tmp_path: Path) -> None:
    site = tmp_path / "lib/python3.11/site-packages"
    (site / "apache_airflow-3.0.6.dist-info").mkdir(parents=True)
    (site / "apache_airflow-3.0.6.dist-info/METADATA").write_text(
        "Metadata-Version: 2.1\nName: apache-airflow\nVersion: 3.0.6\n"
    )
    assert venv_airflow_version(tmp_path) == "3.0.6"
    with pytest.raises(PlatformError, match="has no Airflow"):
        venv_airflow_version(tmp_path / "missing")


def test_stop_all_waits_for_and_kills_what_outlives_the_leader(tmp_path: Path) -> None:
    # The leader (like the restart loop) dies on SIGTERM at once; its child ignores SIGTERM,
    # like an Airflow process still shutting down. Nothing of it may be left running.
    sup = Supervisor(tmp_path)
    inner = "trap '' TERM; while :; do sleep 0.1; done"
    pid = sup.start("loop", ["bash", "-c", f'bash -c "{inner}"; echo never'])
    deadline = time.monotonic() + 30  # a loaded machine is slow to fork
    while not _session_members(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _session_members(pid), "the child did not start"
    sup.stop_all(timeout=1)
    deadline = time.monotonic() + 10  # orphans are reaped by init, not at once
    while any(_alive(p) for p in _session_members(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in _session_members(pid)), "a child outlived stop_all"


def test_servers_are_stopped_after_their_clients(tmp_path: Path) -> None:
    # Each writes a line when it stops; the client takes a moment, as Airflow's do.
    log = tmp_path / "stopped"
    loop = "while :; do sleep 0.1; done"
    sup = Supervisor(tmp_path)
    server = f"trap 'echo server >> {log}; exit' TERM; {loop}"
    client = f"trap 'sleep 0.5; echo client >> {log}; exit' TERM; {loop}"
    sup.start("server", ["bash", "-c", server])
    sup.start("client", ["bash", "-c", client])
    time.sleep(1)  # the traps are set, even on a loaded machine
    sup.stop_all(timeout=10, last=("server",))
    assert log.read_text().split() == ["client", "server"], "the server stopped before its client"
    assert sup.running() == {}
