"""A real Airflow 3 API server for the state-transfer tests: its own home, sqlite DB and port.

`ApiServer.start()` migrates a fresh DB, parses dags/ into it (`airflow dags reserialize`),
and runs `airflow api-server` on 127.0.0.1 with one worker and the simple auth manager (one
admin user whose password the test chooses); `stop()` ends exactly that process.

`start()` returns only once its own process listens on the port. Another test session, or
a local platform, may take the port between choosing it and the server's bind; the health
check alone would then answer from that stranger, and the tests would silently write into
its database (seen as `409 UNIQUE constraint failed: slot_pool.pool` from a 3.0.6 server in
another worktree, which another session had filled with the same pools).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
USER = "state"


START_ATTEMPTS = 3


def free_port() -> int:
    """A port the kernel reports unused now, from its ephemeral range (away from the fixed
    port bases of the local platforms); someone may still take it before the server binds."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listens(pid: int, port: int) -> bool:
    """Whether process `pid`, or one of its children, holds a listening TCP socket on `port`."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for process in processes:
        try:
            sockets = process.net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in sockets):
            return True
    return False


@dataclass
class ApiServer:
    password: str
    home: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="state-airflow-")))
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update(
            AIRFLOW_HOME=str(self.home),
            AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_FOLDER),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{self.home}/airflow.db",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=f"{USER}:admin",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(self.home / "passwords.json"),
            PYTHONPATH=str(DAGS_FOLDER),
        )
        return env

    def airflow(self, *args: str) -> None:
        result = subprocess.run(
            [AIRFLOW, *args], env=self.env(), capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]

    def start(self) -> ApiServer:
        (self.home / "passwords.json").write_text(json.dumps({USER: self.password}))
        self.airflow("db", "migrate")
        self.airflow("dags", "reserialize")
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            if self._serve():
                return self
            # Only a lost port gets another try; any other exit is a real failure.
            if "address already in use" not in self._log().lower():
                break
        self.stop()
        raise RuntimeError(f"api-server did not start: {self._log()[-2000:]}")

    def _log(self) -> str:
        return (self.home / "api-server.log").read_text(errors="replace")

    def _serve(self) -> bool:
        """Run the server on self.port; True once this process serves there, False if it
        exits first (the port was taken, or it failed: the log says which) or never serves."""
        with (self.home / "api-server.log").open("wb") as log:
            self.process = subprocess.Popen(
                [
                    AIRFLOW,
                    "api-server",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    "1",
                ],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.process.poll() is None:
            # Whoever answers on the port must be this process, never a stranger.
            if listens(self.process.pid, self.port):
                try:
                    with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=2):
                        return True
                except OSError:
                    pass
            time.sleep(0.5)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)
