"""`airflow config lint` (Airflow's own check for removed and renamed options) finds nothing
in the options either stack runs with: prod's chart config and env, dev's MWAA options with
MWAA's class defaults, as the local platform applies them (local/config.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from local.config import LocalConfig
from local.platform import VENV
from tests.local.test_config import config_of
from tools.upgrade.dags_on_target import lint_findings as findings


def lint(config: LocalConfig, home: Path, extra: dict[str, str] | None = None) -> str:
    """What `airflow config lint` reports for `config`'s options (its stdout and stderr)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **config.env,
        "AIRFLOW_HOME": str(home),
        **(extra or {}),
    }
    airflow = VENV / "bin" / "airflow"
    result = subprocess.run(
        [str(airflow), "config", "lint"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result.stdout + result.stderr


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_airflow_config_lint_finds_nothing_in_the_options_the_stack_sets(
    stack: str, tmp_path: Path
) -> None:
    report = lint(config_of(stack), tmp_path)
    assert "Found issues" in report or "No issues found" in report, report  # the lint ran
    assert findings(report) == []


def test_the_lint_reports_an_option_airflow_3_removed(tmp_path: Path) -> None:
    # An option Airflow 3 removed ([webserver] web_server_port moved to [api] port).
    report = lint(config_of("dev"), tmp_path, {"AIRFLOW__WEBSERVER__WEB_SERVER_PORT": "8080"})
    assert [f for f in findings(report) if "web_server_port" in f] != []
