"""A real Airflow 3 API server for the state-transfer tests: its own home, sqlite DB and port.

`ApiServer.start()` migrates a fresh DB, parses dags/ into it (`airflow dags reserialize`),
and runs `airflow api-server` on 127.0.0.1 with one worker and the simple auth manager (one
admin user whose password the test chooses); `stop()` ends exactly that process.
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

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
USER = "state"


def free_port(low: int = 19000, high: int = 19999) -> int:
    for port in range(low, high):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 19000-19999")


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
        self.port = free_port()
        log = (self.home / "api-server.log").open("wb")
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
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=2):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(
            f"api-server did not start: {(self.home / 'api-server.log').read_text()[-2000:]}"
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)
