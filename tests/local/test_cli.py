"""`python -m local` (make local, local-status, local-down) on a planted platform whose
processes are tiny `sleep`s: what each command says and does, without Airflow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.__main__ import main
from local.config import Ports
from local.platform import Supervisor, _alive, _secrets, free_port


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state directory as `start` leaves it, its processes replaced by sleeps."""
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("AIRFLOW_LOCAL_HOME", str(state))
    ports = Ports(*(free_port() for _ in range(7)))
    (state / "ports.json").write_text(json.dumps(ports.__dict__))
    (state / "platform.json").write_text(
        json.dumps({"stack": "prod", "fast": False, "extra_dags": [], "account": "111122223333"})
    )
    _secrets(state)
    (state / "postgres/data").mkdir(parents=True)
    (state / "postgres/data/PG_VERSION").write_text("17\n")
    sup = Supervisor(state)
    for name in ("postgres", "scheduler-1"):
        sup.start(name, ["sleep", "60"])
    return state


def _snapshot(state: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(state.rglob("*")) if p.is_file()}


def test_a_second_up_says_so_and_changes_nothing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(home)
    pids = {n: Supervisor(home).pid(n) for n in ("postgres", "scheduler-1")}
    try:
        assert main(["up", "--stack", "prod"]) == 0
        out = capsys.readouterr().out
        assert f"The prod platform is already running in {home}; nothing changed." in out
        assert _snapshot(home) == before
        assert {n: Supervisor(home).pid(n) for n in pids} == pids
        assert main(["up", "--stack", "dev"]) == 1
        assert "runs stack prod; `make local-down` first" in capsys.readouterr().err
    finally:
        Supervisor(home).stop_all(timeout=5)


def test_status_reports_each_process_and_fails_when_one_is_dead(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sup = Supervisor(home)
    try:
        assert main(["status"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["processes"]["scheduler-1"] == {"pid": sup.pid("scheduler-1"), "alive": True}
        assert report["health"] is None  # nothing answers on the API port
        sup.stop("scheduler-1", timeout=5)
        assert main(["status"]) == 1
        report = json.loads(capsys.readouterr().out)
        assert report["processes"]["scheduler-1"]["alive"] is False
    finally:
        sup.stop_all(timeout=5)


def test_down_stops_everything_and_removes_the_state(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pids = [Supervisor(home).pid(n) for n in ("postgres", "scheduler-1")]
    assert main(["down"]) == 0
    assert "Stopped; state removed" in capsys.readouterr().out
    assert not home.exists()
    assert not any(_alive(p) for p in pids if p)


def test_down_keep_stops_everything_and_keeps_the_database(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pids = [Supervisor(home).pid(n) for n in ("postgres", "scheduler-1")]
    assert main(["down", "--keep"]) == 0
    assert "Stopped (database kept)" in capsys.readouterr().out
    assert (home / "postgres/data/PG_VERSION").read_text() == "17\n"
    assert (home / "secrets.json").exists() and (home / "ports.json").exists()
    assert not any(_alive(p) for p in pids if p)
    assert Supervisor(home).running() == {}
