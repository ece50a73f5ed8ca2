"""`make check` is the fast loop and `make test` the whole proof (docs/tests.md): the unit suite
leaves the tests that run other programs to `make integration`, and `make check` renders the
charts without the outside scanner; `make test` runs both halves, so no test is lost."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import as_typed_make_env, make_dry_run

ROOT = Path(__file__).resolve().parent.parent


def _pytest_line(target: str) -> str:
    lines = [line for line in make_dry_run(target).splitlines() if "-m pytest" in line]
    assert len(lines) == 1, lines
    return lines[0]


def test_unit_and_integration_split_the_suite_and_make_test_runs_both() -> None:
    unit, integration = _pytest_line("unit"), _pytest_line("integration")
    assert re.search(r'-m "not integration"$', unit), unit
    assert re.search(r"-m integration$", integration), integration

    # Same tests folder, one marker: together they are the whole suite.
    def selection(line: str) -> str:
        return line.split(" -m pytest ", 1)[1].rsplit(" -m ", 1)[0]

    assert selection(unit) == selection(integration) == "tests -n auto --dist loadfile"
    steps = make_dry_run("test").splitlines()[0].split('"make test"', 1)[1].split()
    assert {"unit", "integration", "test-charts"} <= set(steps), steps


def test_make_check_renders_the_charts_and_make_test_also_scans_them() -> None:
    render, charts = _pytest_line("render"), _pytest_line("test-charts")
    assert "--ignore=tests/charts/test_checkov.py" in render
    assert "tests/charts" in charts and "--ignore" not in charts


def test_what_make_runs_writes_bytecode_even_where_the_environment_turns_it_off() -> None:
    # CI images often set PYTHONDONTWRITEBYTECODE: then nothing writes the caches and every
    # process compiles pulumi_aws, Airflow and each test module again.
    env = as_typed_make_env()
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    probe = 'show-bytecode: ; @python3 -c "import sys; print(sys.dont_write_bytecode)"'
    out = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", probe, "show-bytecode"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert out.strip() == "False"
