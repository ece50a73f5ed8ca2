"""The canary runs green in real Airflow, with no AWS access."""

from __future__ import annotations

import pytest
from airflow.utils.state import DagRunState, TaskInstanceState


@pytest.mark.usefixtures("airflow_db")
def test_canary_runs_green(load_dag) -> None:
    dag_run = load_dag("canary").test()

    assert dag_run.state == DagRunState.SUCCESS
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states == {"heartbeat": TaskInstanceState.SUCCESS, "check": TaskInstanceState.SUCCESS}
