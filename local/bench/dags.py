"""The benchmark's DAGs: 20 files of short independent tasks, written into a folder the
platform loads as a DAG bundle. Rewritten to change the size; the bench waits until the
DAG processor has parsed the new size before it triggers a run."""

from __future__ import annotations

from pathlib import Path

DAGS = 20
PREFIX = "bench_"

TEMPLATE = '''"""
### {dag_id}

{tasks} short independent tasks of `make bench-local` (local/bench), one of {dags} DAGs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import dag, task

TASKS = {tasks}


@dag(
    dag_id="{dag_id}",
    schedule=None,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={{"owner": "platform", "retries": 0}},
    tags=["benchmark"],
    doc_md=__doc__,
)
def bench():
    for i in range(TASKS):

        @task(task_id=f"t{{i:03d}}")
        def noop() -> None:
            return None

        noop()


bench()
'''


def dag_ids(dags: int = DAGS) -> list[str]:
    return [f"{PREFIX}{i:02d}" for i in range(dags)]


def tasks_per_dag(tasks: int, dags: int = DAGS) -> int:
    """`tasks` split evenly over the DAGs; refuses a total that does not split."""
    if tasks <= 0 or tasks % dags:
        raise ValueError(f"tasks: {tasks} must be a positive multiple of {dags} (the DAGs)")
    return tasks // dags


def write(folder: Path, tasks: int, dags: int = DAGS) -> list[str]:
    """Write (or rewrite) the DAG files for `tasks` tasks in total; returns the DAG ids."""
    per_dag = tasks_per_dag(tasks, dags)
    folder.mkdir(parents=True, exist_ok=True)
    ids = dag_ids(dags)
    for dag_id in ids:
        text = TEMPLATE.format(dag_id=dag_id, tasks=per_dag, dags=dags)
        (folder / f"{dag_id}.py").write_text(text)
    return ids
