"""The rules, the dashboards and their promtool tests read Airflow series as the local platform's
statsd capture (monitoring/statsd-capture.yaml, from a real `make e2e`) shows them, through
the pinned chart's statsd-exporter mappings."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitoring_checks import (
    DASHBOARD_FILES,
    MONITORING,
    RULE_FILES,
    UNIT_TEST_FILES,
    alert_rules,
    dashboard_queries,
    load_json,
    load_yaml,
    metric_names,
)
from statsd_capture import (
    Series,
    load,
    parse_line,
    parse_selector,
    prometheus_series,
    series_names,
    series_of,
)

from components.settings import AirflowSettings

CAPTURE = load()


def airflow_names(names: set[str]) -> set[str]:
    return {name for name in names if name.startswith("airflow_")}


def captured_names() -> set[str]:
    return series_names(series_of(CAPTURE.captured))


def excused_names() -> set[str]:
    return series_names(series_of(CAPTURE.not_sent))


@pytest.mark.parametrize(
    ("statsd", "series"),
    [
        ("airflow.ti_successes|c", {Series("airflow_ti_successes", frozenset())}),
        (
            "airflow.scheduler_heartbeat|c",
            {Series("airflow_scheduler_heartbeat", frozenset({"type"}))},
        ),
        (
            "airflow.pool.open_slots.default_pool|g",
            {Series("airflow_pool_open_slots", frozenset({"pool"}))},
        ),
        (
            "airflow.dag.canary.check.duration|ms",
            {
                Series("airflow_task_duration", frozenset({"dag_id", "task_id", "quantile"})),
                Series("airflow_task_duration_sum", frozenset({"dag_id", "task_id"})),
                Series("airflow_task_duration_count", frozenset({"dag_id", "task_id"})),
            },
        ),
        (
            "airflow.dagrun.duration.success|ms",
            {
                Series("airflow_dagrun_duration_success", frozenset({"quantile"})),
                Series("airflow_dagrun_duration_success_sum", frozenset()),
                Series("airflow_dagrun_duration_success_count", frozenset()),
            },
        ),
    ],
)
def test_the_chart_mappings_applied_as_statsd_exporter_does(
    statsd: str, series: set[Series]
) -> None:
    name, _, statsd_type = statsd.rpartition("|")
    assert prometheus_series(name, statsd_type) == series


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("airflow.ti_successes:1|c", ("airflow.ti_successes", "c")),
        ("airflow.dag.a.b.duration:12.5|ms|@0.5", ("airflow.dag.a.b.duration", "ms")),
        ("airflow.pool.open_slots:128|g|#pool_name:default_pool", ("airflow.pool.open_slots", "g")),
        ("garbage", None),
        ("name:1|x", None),
    ],
)
def test_statsd_lines_parsed(line: str, parsed: tuple[str, str] | None) -> None:
    assert parse_line(line) == parsed


def test_the_capture_is_of_the_airflow_both_stacks_run() -> None:
    assert CAPTURE.airflow_version == AirflowSettings.model_fields["version"].default, (
        "airflowVersion moved: refresh monitoring/statsd-capture.yaml (its header says how)"
    )
    assert CAPTURE.captured, "an empty capture proves nothing"
    assert all(parse_line(line.replace("|", ":1|", 1)) for line in CAPTURE.captured)


def test_metrics_yaml_lists_only_airflow_series_the_capture_shows() -> None:
    listed = set(load_yaml(MONITORING / "metrics.yaml")["airflow"])
    unknown = listed - captured_names() - excused_names()
    assert unknown == set(), f"no statsd name in the capture becomes {sorted(unknown)}"


@pytest.mark.parametrize("path", RULE_FILES + DASHBOARD_FILES, ids=lambda p: p.name)
def test_rules_and_dashboards_read_captured_series(path: Path) -> None:
    if path.suffix == ".json":
        queries = dashboard_queries(load_json(path))
    else:
        queries = [rule["expr"] for rule in alert_rules(path)]
    read = airflow_names({name for query in queries for name in metric_names(query)})
    assert read - captured_names() - excused_names() == set()


@pytest.mark.parametrize("path", UNIT_TEST_FILES, ids=lambda p: p.name)
def test_promtool_input_series_are_named_and_labelled_as_captured(path: Path) -> None:
    known = series_of(CAPTURE.captured | set(CAPTURE.not_sent))
    inputs = [
        parse_selector(series["series"])
        for test in load_yaml(path)["tests"]
        for series in test.get("input_series", [])
    ]
    wrong = [s for s in inputs if s.name.startswith("airflow_") and s not in known]
    assert wrong == [], f"no captured statsd name becomes these (name, label names): {wrong}"


def test_a_name_excused_as_not_sent_is_not_captured_and_is_needed() -> None:
    captured = {line.rpartition("|")[0] for line in CAPTURE.captured}
    assert {line.rpartition("|")[0] for line in CAPTURE.not_sent} & captured == set()
    listed = set(load_yaml(MONITORING / "metrics.yaml")["airflow"])
    for line in CAPTURE.not_sent:
        assert series_names(series_of([line])) & listed, f"{line} is excused but never read"
