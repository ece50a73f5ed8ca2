"""The dev-like (MWAA-like) local platform for its own end-to-end test, started once.

`make e2e-dev` sets LOCAL_E2E=1; the unit suite skips this folder. Ports and state as in
tests/local/e2e (E2E_PORT_BASE, E2E_STATE, else the first free block from 18100 and a
temporary directory); the platform runs the dev stack's configuration with
FAST_TEST_TUNING and E2E_INSPECTION (local/config.py), and only the repository's dags/.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.settings import Settings
from local import platform as local_platform
from local.platform import Platform
from tests.local.e2e.conftest import api, aws, e2e_ports
from tests.local.guard import (
    assert_listens_on_loopback_only,
    assert_nothing_survives,
    platform_processes,
    sigterm_stops_the_session,
)

__all__ = ["api", "aws", "e2e_ports"]  # the prod e2e's fixtures, on this platform

if os.environ.get("LOCAL_E2E") != "1":
    collect_ignore_glob = ["*"]


@pytest.fixture(scope="session")
def platform(e2e_ports: tuple[int, int]) -> Iterator[Platform]:
    state = Path(os.environ.get("E2E_STATE") or tempfile.mkdtemp(prefix="airflow-e2e-dev-"))
    port, base = e2e_ports
    with sigterm_stops_the_session():
        try:
            started = local_platform.start("dev", port=port, state=state, port_base=base, fast=True)
            assert_listens_on_loopback_only(state)
            yield started
        finally:
            processes = platform_processes(state)
            # Also when the start failed: nothing left behind. Unpausing made scheduled runs
            # whose tasks may still run; the worker's warm shutdown need not wait for them.
            local_platform.stop(state, grace=5)
        assert_nothing_survives(processes)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return local_platform.stack_settings("dev")
