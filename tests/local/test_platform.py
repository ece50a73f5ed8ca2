"""local.platform's supervision, with real (tiny) processes: start by pid file, stop by pid."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from local import platform
from local.platform import (
    PlatformError,
    Supervisor,
    _alive,
    _session_members,
    choose_ports,
    ensure_ports_free,
    stop,
    venv_airflow_version,
    worker_ready,
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


@pytest.mark.integration
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


@pytest.mark.integration
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


@pytest.mark.parametrize("recorded", ["{pid} 4242 a-previous-boot", "{pid}"])
def test_a_stale_pid_is_not_ours_and_survives_down(tmp_path: Path, recorded: str) -> None:
    # After a reboot or a crash the pid in the file belongs to an unrelated process (here a
    # session leader of its own, the worst case for a group signal): not running, not killed.
    unrelated = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        (tmp_path / "run").mkdir()
        (tmp_path / "run/scheduler-1.pid").write_text(recorded.format(pid=unrelated.pid))
        (tmp_path / "run/order").write_text("scheduler-1")
        sup = Supervisor(tmp_path)
        assert sup.running() == {"scheduler-1": False}
        assert sup.pid("scheduler-1") is None
        stop(tmp_path, grace=1)
        time.sleep(0.2)
        assert unrelated.poll() is None, "down killed a process the platform never started"
        assert not tmp_path.exists()
    finally:
        unrelated.kill()
        unrelated.wait()


def test_the_pid_file_holds_the_processes_identity(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path)
    pid = sup.start("sleeper", ["sleep", "60"])
    try:
        assert sup.pid("sleeper") == pid and sup.running() == {"sleeper": True}
        ticks, boot = (tmp_path / "run/sleeper.pid").read_text().split()[1:]
        assert (
            ticks.isdigit() and boot == Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        )
    finally:
        sup.stop_all(timeout=5)
    assert not _alive(pid)


def test_a_taken_port_is_refused_naming_the_setting() -> None:
    ports = choose_ports(choose_ports(0, None).postgres, None)  # the API on a free port too
    ensure_ports_free(ports)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports.api))
        taken.listen()
        with pytest.raises(PlatformError, match=rf"^port {ports.api} \(api\) .* PORT=$"):
            ensure_ports_free(ports)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports.redis))
        taken.listen()
        with pytest.raises(PlatformError, match="AIRFLOW_LOCAL_PORT_BASE="):
            ensure_ports_free(ports)


def test_worker_ready_counts_only_lines_after_the_restart(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path)
    sup.logs.mkdir()
    log = sup.logs / "worker.log"
    log.write_text("[2026-11-30] celery@host ready.\nexited with -9; restarting in 2 s\n")
    offset = log.stat().st_size
    assert worker_ready(sup) and not worker_ready(sup, offset)
    with log.open("a") as f:
        f.write("[2026-11-30] celery@host ready.\n")
    assert worker_ready(sup, offset)


# ---------------------------------------------------------------- issue 21, item 9

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the servers drop root only as root")


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A folder every user may enter (pytest's own tmp_path is under a 0700 folder of root's)."""
    folder = Path(tempfile.mkdtemp(dir="/var/tmp", prefix="airflow-local-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@needs_root
def test_a_clone_the_servers_user_cannot_enter_is_found(open_tmp: Path) -> None:
    private = open_tmp / "root-home"
    clone = private / "airflow-on-aws"
    clone.mkdir(parents=True)
    private.chmod(0o700)  # like /root
    assert platform.blocked_ancestor(clone / ".airflow-local", platform.SERVICE_USER) == private
    private.chmod(0o711)
    assert platform.blocked_ancestor(clone / ".airflow-local", platform.SERVICE_USER) is None


@needs_root
def test_root_in_a_private_clone_keeps_the_state_where_the_servers_reach_it(
    open_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = open_tmp / "root-home"
    clone = private / "airflow-on-aws"
    clone.mkdir(parents=True)
    private.chmod(0o700)
    monkeypatch.delenv("AIRFLOW_LOCAL_HOME", raising=False)
    monkeypatch.setattr(platform, "REPO", clone)
    monkeypatch.setattr(platform, "DEFAULT_STATE", clone / ".airflow-local")
    state = platform.state_dir()
    assert state.parent == platform.SHARED_STATE
    assert state.name.startswith("airflow-on-aws-")
    assert platform.state_dir() == state  # the same for up, status and down
    assert platform.blocked_ancestor(state, platform.SERVICE_USER) is None
    # An explicit place is kept as given (start refuses it in one line if unreachable).
    assert platform.state_dir(clone / "state") == clone / "state"


@pytest.mark.integration
@needs_root
def test_initdb_runs_as_the_servers_user_in_the_state_it_gets(open_tmp: Path) -> None:
    """The failure of the issue, for real: initdb as the servers' user in a folder under a
    0700 one fails; under the state the platform picks, it succeeds."""
    initdb = platform._pg_bin("initdb")
    private = open_tmp / "root-home"
    private.mkdir()
    private.chmod(0o700)
    for parent, works in ((private, False), (open_tmp / "reachable", True)):
        data = parent / "pg" / "data"
        data.parent.mkdir(parents=True)
        platform._chown(data.parent)
        done = subprocess.run(
            [initdb, "-D", str(data), "-U", "airflow", "--auth=trust"],
            capture_output=True, check=False, **platform._service_user(),
        )  # fmt: skip
        assert (done.returncode == 0) is works, done.stderr[-300:]
        assert (platform.blocked_ancestor(data, platform.SERVICE_USER) is None) is works


def test_a_failing_server_command_is_one_line_naming_it() -> None:
    error = subprocess.CalledProcessError(
        1,
        ["/usr/lib/postgresql/17/bin/initdb", "-D", "/root/x/.airflow-local/postgres/data"],
        stderr=b'initdb: error: could not access directory "/root/x": Permission denied\n'
        b"initdb: removing data directory\n",
    )
    message = platform._failed_command(error)
    assert message == "initdb failed (exit 1): initdb: removing data directory"
    assert "\n" not in message


@needs_root
def test_start_refuses_an_unreachable_explicit_state_in_one_line(
    open_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = open_tmp / "root-home"
    private.mkdir()
    private.chmod(0o700)
    monkeypatch.setattr(platform, "venv_airflow_version", lambda venv=None: "3.3.1")
    with pytest.raises(platform.PlatformError) as err:
        platform.start("prod", port=18080, state=private / "state", install=False)
    assert str(err.value).startswith(f"{private / 'state'}: the servers run as postgres")
    assert f"cannot enter {private} (mode 700)" in str(err.value)
    assert "\n" not in str(err.value)


@needs_root
def test_a_private_state_folder_of_its_own_is_accepted_and_opened(
    open_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The e2e fixtures hand start() a mkdtemp folder (0700, root's): the platform opens that
    # folder itself (0755), so only the folders above it must let the servers' user through.
    state = Path(tempfile.mkdtemp(dir=open_tmp, prefix="airflow-e2e-"))
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    monkeypatch.setattr(platform, "venv_airflow_version", lambda venv=None: "3.3.1")

    class PastTheCheck(Exception):
        pass

    def stop_here(*args: object, **kwargs: object) -> None:
        raise PastTheCheck

    monkeypatch.setattr(platform, "choose_ports", stop_here)
    with pytest.raises(PastTheCheck):
        platform.start("prod", state=state, install=False)
    assert stat.S_IMODE(state.stat().st_mode) == 0o755


def test_ports_recorded_before_the_execution_api_had_its_own_get_one(tmp_path: Path) -> None:
    """A state directory from before 2026-12-07 has no port for the Execution API's process:
    its next start must not fail on the file it wrote itself."""
    recorded = {"api": 8080, "postgres": 1, "pgbouncer": 2, "redis": 3, "moto": 4, "statsd": 5}
    (tmp_path / "ports.json").write_text(json.dumps(recorded))
    ports = platform.read_ports(tmp_path / "ports.json")
    assert asdict(ports) == {**recorded, "execution_api": ports.execution_api}
    assert ports.execution_api not in recorded.values()
    # Every later reader (status, the configuration, PgBouncer's check) gets the same port.
    assert platform.read_ports(tmp_path / "ports.json") == ports
