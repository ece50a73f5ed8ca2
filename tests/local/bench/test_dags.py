"""local.bench.dags: 20 DAG files that share the tasks, rewritten to change the size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from local.bench import dags


def _task_counts(folder: Path) -> dict[str, int]:
    counts = {}
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text())  # the files are valid Python
        tasks = next(
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and getattr(node.targets[0], "id", "") == "TASKS"
            and isinstance(node.value, ast.Constant)
        )
        counts[path.stem] = int(tasks.value)
    return counts


def test_the_tasks_are_shared_by_twenty_dags_and_a_rewrite_resizes(tmp_path: Path) -> None:
    ids = dags.write(tmp_path, 200)
    assert ids == [f"bench_{i:02d}" for i in range(20)]
    assert _task_counts(tmp_path) == dict.fromkeys(ids, 10)
    dags.write(tmp_path, 2000)
    assert _task_counts(tmp_path) == dict.fromkeys(ids, 100)
    text = (tmp_path / "bench_07.py").read_text()
    assert 'dag_id="bench_07"' in text and "from airflow.sdk import dag, task" in text


@pytest.mark.parametrize("tasks", [0, 210, -20])
def test_a_size_that_does_not_split_is_refused(tmp_path: Path, tasks: int) -> None:
    with pytest.raises(ValueError, match="multiple of 20"):
        dags.write(tmp_path, tasks)
