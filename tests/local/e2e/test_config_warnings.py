"""The local platform starts on the program's configuration without a deprecation warning
about an option the program sets: after an Airflow upgrade, a renamed or moved option shows
here before it shows on either platform."""

from __future__ import annotations

import re
from pathlib import Path

from local.platform import Platform

# How Airflow's configuration parser reports a deprecated option (airflow/configuration.py):
# "The <key> option in [<section>] has been moved to the <key> option in [<section>] ..."
# or "... has been renamed ..."; and options it no longer knows at all.
DEPRECATED = re.compile(
    r"The (?P<key>\w+) option in \[(?P<section>\w+)\] (has been (moved|renamed)|is deprecated)"
)


def deprecated_options(lines: list[str]) -> set[str]:
    """'section.key' of every option a log line reports as deprecated."""
    return {f"{m['section']}.{m['key']}" for line in lines for m in DEPRECATED.finditer(line)}


def test_the_scan_reads_airflows_own_message() -> None:
    # As Airflow 3.3.1 prints it for a 3.0-era [webserver] option.
    line = (
        "DeprecationWarning: The grid_view_sorting_order option in [webserver] has been moved "
        "to the grid_view_sorting_order option in [api] - the old setting has been used, but "
        "please update your config."
    )
    assert deprecated_options([line]) == {"webserver.grid_view_sorting_order"}


def test_no_option_the_platform_runs_with_is_deprecated(platform: Platform) -> None:
    logs = sorted(Path(platform.state, "logs").glob("*.log"))
    assert logs, "the platform wrote no process logs"
    lines = [line for log in logs for line in log.read_text(errors="replace").splitlines()]
    assert deprecated_options(lines) == set()
