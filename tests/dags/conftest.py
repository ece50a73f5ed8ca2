"""Fixtures for the DAG tests, which run in real Airflow inside .venv-airflow.

The main suite (`pytest tests` in .venv, without Airflow) must not collect this folder,
so it is ignored there. scripts/test-dags.sh sets AIRFLOW_DAG_TESTS=1: then a missing
Airflow is an error, never a silent skip.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"

if importlib.util.find_spec("airflow") is None:
    if os.environ.get("AIRFLOW_DAG_TESTS") == "1":
        raise ImportError(
            "AIRFLOW_DAG_TESTS=1 but Airflow is not importable: run scripts/test-dags.sh, "
            "which builds .venv-airflow"
        )
    collect_ignore_glob = ["*"]
else:
    # Defaults for a bare `pytest tests/dags` in .venv-airflow; the script sets them too.
    # They must be in place before anything imports airflow, which reads them once.
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_FOLDER))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
    # Airflow 3's DAG processor and task runner append the DAG bundle root (the DAGs
    # folder, on MWAA and EKS alike) to sys.path, which is how `common` is found.
    sys.path.append(str(DAGS_FOLDER))


@pytest.fixture(scope="session")
def dagbag():
    """All DAGs in dags/, parsed once, as the DAG processor parses them."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


@pytest.fixture
def load_dag():
    """Parse one DAG file afresh, for dag.test().

    Fresh, because dag.test() runs in this process and may leave state (rendered params,
    for one) on the DAG object, which a worker would never reuse. Retries off, so a
    broken task fails the test at once instead of waiting out its retry_delay.
    """
    from airflow.dag_processing.dagbag import DagBag

    def load(dag_id: str):
        dagbag = DagBag(dag_folder=str(DAGS_FOLDER / f"{dag_id}.py"))
        assert dagbag.import_errors == {}
        dag = dagbag.dags[dag_id]
        for task in dag.tasks:
            task.retries = 0
        return dag

    return load


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A migrated sqlite metadata DB, created once and only for tests that run DAGs."""
    migrate = [sys.executable, "-m", "airflow", "db", "migrate"]
    result = subprocess.run(migrate, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
