"""The state-migration end-to-end test: the dev-like and the prod-like local platforms, one
after the other (2 cores). `make e2e-state` sets STATE_E2E=1; a bare `pytest tests` skips it."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import tools.airflow_state  # noqa: F401  (puts dags/ on sys.path for common.airflow_state)
from tests.local.guard import nothing_survives_the_platforms, sigterm_stops_the_session

HOURS_BACK = 2  # dev's scheduler makes runs for now-2h, now-1h and this hour: three

if not os.environ.get("STATE_E2E"):
    collect_ignore_glob = ["*"]


@pytest.fixture(scope="session", autouse=True)
def _sigterm_stops_the_platforms() -> Iterator[None]:
    """A SIGTERM to pytest runs the test's `finally: stop(...)` instead of leaving both
    platforms' processes running (tests/local/guard.py)."""
    with sigterm_stops_the_session():
        yield


@pytest.fixture(autouse=True)
def _nothing_survives(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """After each test, no process the platforms started still runs (each test stops its
    platforms itself: a missed stop() fails here)."""
    with nothing_survives_the_platforms(monkeypatch):
        yield


@pytest.fixture
def home() -> Iterator[Path]:
    """State directories the platform's postgres user can reach (pytest's tmp is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="state-e2e-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def hourly_start(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The hourly DAG's start_date, for both platforms' processes (they inherit it)."""
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first = hour - timedelta(hours=HOURS_BACK)
    monkeypatch.setenv("STATE_E2E_START", first.isoformat())
    return first
