"""dags/metadata_backup.py read as source (Airflow is not in this venv; tests/dags runs it in
real Airflow): settings the platform depends on."""

from __future__ import annotations

import ast
from pathlib import Path

DAG_FILE = Path(__file__).parents[2] / "dags" / "metadata_backup.py"


def _dag_keywords() -> dict[str, ast.expr]:
    tree = ast.parse(DAG_FILE.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "dag":
                    return {k.arg: k.value for k in deco.keywords if k.arg}
    raise AssertionError("no @dag(...) in metadata_backup.py")


def test_the_backup_dag_is_not_paused_at_creation() -> None:
    """MWAA and the chart create new DAGs paused; the backup must start by itself."""
    value = _dag_keywords().get("is_paused_upon_creation")
    assert isinstance(value, ast.Constant), "is_paused_upon_creation not set"
    assert value.value is False
