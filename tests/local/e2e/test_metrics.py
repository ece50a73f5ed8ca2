"""statsd metrics arrive under the names the Prometheus rules and dashboards query.

Runs last (after the runs and the faults), so the counters those produce have been sent.
Each statsd name is turned into the Prometheus name the chart's statsd-exporter would give
it (monitoring/METRICS.md: the chart's mappings, otherwise dots become underscores); every
Airflow metric in monitoring/metrics.yaml must be produced, except the ones this run gives
no occasion to send (named below, with the reason). Task-level metrics (ti_successes, task
duration) come from the workers since Airflow 3.1.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import yaml

from tests.local.e2e.conftest import StatsdListener

METRICS = Path(__file__).resolve().parents[3] / "monitoring" / "metrics.yaml"
# The chart's statsd-mappings.yml entries the rules rely on (monitoring/METRICS.md).
CHART_MAPPINGS = [
    (r"airflow\.dagrun\.duration\.success\.[^.]+", "airflow_dagrun_duration"),
    (r"airflow\.dagrun\.duration\.failed\.[^.]+", "airflow_dagrun_failed"),
    (r"airflow\.dagrun\.schedule_delay\.[^.]+", "airflow_dagrun_schedule_delay"),
    (r"airflow\.dag\.[^.]+\.[^.]+\.duration", "airflow_task_duration"),
    (r"airflow\.pool\.open_slots\.[^.]+", "airflow_pool_open_slots"),
    (r"airflow\.pool\.starving_tasks\.[^.]+", "airflow_pool_starving_tasks"),
]
NOT_SENT_HERE = {
    # Only written while a pool starves, which these runs never make it do.
    "airflow_pool_starving_tasks": "no pool starves in this run",
    # Only for scheduled runs; every run here is triggered.
    "airflow_dagrun_schedule_delay": "no scheduled run completes in this run",
}


def prometheus_name(statsd_name: str) -> str:
    for pattern, name in CHART_MAPPINGS:
        if re.fullmatch(pattern, statsd_name):
            return name
    return statsd_name.replace(".", "_")


def expected_names() -> set[str]:
    listed = yaml.safe_load(METRICS.read_text())["airflow"]
    return {re.sub(r"_(count|sum)$", "", name) for name in listed}


def test_statsd_metrics_arrive_under_the_names_the_rules_use(statsd: StatsdListener) -> None:
    expected = expected_names() - set(NOT_SENT_HERE)
    deadline = time.monotonic() + 60
    missing: set[str] = expected
    while time.monotonic() < deadline:
        received = {prometheus_name(n) for n in statsd.names}
        # Summaries (timers) are stored as name, name_count and name_sum.
        missing = {n for n in expected if n not in received}
        if not missing:
            return
        time.sleep(2)
    sample = sorted(statsd.names)[:40]
    raise AssertionError(f"no statsd metric arrived for {sorted(missing)}; received e.g. {sample}")
