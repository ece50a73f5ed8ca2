"""A planted failure in each of the fast steps stops the rehearsal at that step with its one
line: a target nothing offers (step 1), a provider pin that conflicts (step 2), a DAG that
imports a module the target removed (step 3). Real pip, uv, Helm and Airflow (.venv-airflow):
run by `make upgrade-test-fast` (UPGRADE_TESTS=1)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local.config import DAGS_FOLDER, REPO
from tools.upgrade import venvs
from tools.upgrade.dags_on_target import dags_on_target
from tools.upgrade.dependencies import dependency_diff
from tools.upgrade.offered import index_sources, index_versions

PINNED = venvs.pinned_airflow()


def test_a_target_no_index_offers_stops_at_step_1_and_the_report_is_still_written(
    tmp_path: Path,
) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tools.upgrade", "--fast", "--to", "3.99.0", "--out", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 1, out.stdout + out.stderr
    [line] = out.stderr.strip().splitlines()
    assert line.startswith(
        "upgrade-test: step 1 (Offered where it must run) failed: Airflow 3.99.0 is not on the "
        f"package index this machine reads ({index_sources()}; newest there: "
        f"{index_versions('apache-airflow')[0]}): nothing to install, resolve or migrate with"
    ), line
    assert "pip's index http" in line
    assert line.endswith(f"details: {tmp_path}/report.md")
    report = json.loads((tmp_path / "report.json").read_text())
    assert [(s["number"], s["verdict"]) for s in report["steps"]] == [
        (1, "fail"), (2, "skipped"), (3, "skipped")
    ]  # fmt: skip
    # The steps that could not be rehearsed say why.
    why = f"not run: step 1 failed: {report['steps'][0]['summary']}"
    assert [s["summary"] for s in report["steps"][1:]] == [why, why]
    # The other findings of the step are still reported: MWAA's parity among them.
    assert any(
        d.startswith("prod only: breaks dev/prod parity") for d in report["steps"][0]["details"]
    )


def test_a_provider_pin_that_conflicts_stops_step_2_naming_the_pin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "requirements.txt").write_text("apache-airflow-providers-amazon==8.0.0\n")
    tests = tmp_path / "tests"
    tests.mkdir()
    requirements = venvs.REQUIREMENTS.read_text().replace(
        "-r ../../dags/requirements.txt", f"-r {dags / 'requirements.txt'}"
    )
    (tests / "requirements-airflow.txt").write_text(requirements)
    monkeypatch.setattr(venvs, "REQUIREMENTS", tests / "requirements-airflow.txt")

    result, resolved = dependency_diff(PINNED, PINNED, tmp_path / "work")

    assert resolved is None
    assert result.verdict == "fail"
    assert result.summary == (
        f"our pin apache-airflow-providers-amazon==8.0.0 ({dags / 'requirements.txt'}) "
        f"conflicts with Airflow {PINNED}; unpinned it resolves to 9.34.0"
    )


def test_a_dag_importing_a_module_the_target_removed_stops_step_3(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    shutil.copytree(DAGS_FOLDER, dags)
    # airflow.operators.dummy was removed in Airflow 3 (EmptyOperator replaces it).
    (dags / "legacy.py").write_text(
        '"""An old DAG."""\n\nfrom airflow.operators.dummy import DummyOperator  # noqa: F401\n'
    )
    result = dags_on_target(PINNED, venvs.PINNED_VENV, {}, dags)
    assert result.verdict == "fail"
    assert result.summary == (
        "import error in legacy.py: ModuleNotFoundError: No module named 'airflow.operators.dummy'"
    )
    # Unplanted, the same DAGs pass: tests/upgrade/test_planted_migration_failure.py.
