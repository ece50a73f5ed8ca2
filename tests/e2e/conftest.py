"""The state-migration end-to-end test: the dev-like and the prod-like local platforms, one
after the other (2 cores). `make e2e-state` sets STATE_E2E=1; a bare `pytest tests` skips it."""

import os
from collections.abc import Iterator

import pytest

import tools.airflow_state  # noqa: F401  (puts dags/ on sys.path for common.airflow_state)
from tests.local.guard import nothing_survives_the_platforms, sigterm_stops_the_session

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
