"""statsd metrics arrive under the names the Prometheus rules and dashboards query.

Runs last (after the runs and the faults), so the counters those produce have been sent.
What the platform sends becomes Prometheus series through the pinned chart's statsd-exporter
mappings (tests/monitoring/statsd_capture.py); every Airflow metric in monitoring/metrics.yaml
must be among them, except the ones monitoring/statsd-capture.yaml excuses as never sent in
such a run (with the reason), and none of those may arrive. Task-level metrics (ti_successes,
task duration) come from the workers since Airflow 3.1.

With STATSD_CAPTURE_WRITE=1 the run records what it received as monitoring/statsd-capture.yaml,
the capture the promtool tests' series are held to (tests/monitoring/test_monitoring_capture.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import yaml

from components.settings import AirflowSettings
from tests.local.e2e.conftest import StatsdListener
from tests.monitoring import statsd_capture

METRICS = Path(__file__).resolve().parents[3] / "monitoring" / "metrics.yaml"


def test_statsd_metrics_arrive_under_the_names_the_rules_use(statsd: StatsdListener) -> None:
    capture = statsd_capture.load()
    listed = set(yaml.safe_load(METRICS.read_text())["airflow"])
    excused = statsd_capture.series_names(statsd_capture.series_of(capture.not_sent))
    expected = listed - excused
    deadline = time.monotonic() + 60
    while True:
        received = statsd_capture.series_names(statsd_capture.series_of(set(statsd.typed)))
        missing = expected - received
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(2)
    if os.environ.get("STATSD_CAPTURE_WRITE") == "1":
        version = AirflowSettings.model_fields["version"].default
        statsd_capture.write(set(statsd.typed), version)

    sample = sorted(statsd.typed)[:40]
    assert not missing, f"no statsd metric arrived for {sorted(missing)}; received e.g. {sample}"
    arrived = excused & received
    assert not arrived, f"{sorted(arrived)} arrived: move them from not_sent to captured"
