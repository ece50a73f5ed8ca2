"""Rules and dashboards only query metric names listed in monitoring/metrics.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitoring_checks import (
    DASHBOARD_FILES,
    MONITORING,
    RULE_FILES,
    alert_rules,
    dashboard_queries,
    known_metrics,
    load_json,
    load_yaml,
    metric_names,
)


def rule_expressions() -> list[str]:
    return [rule["expr"] for path in RULE_FILES for rule in alert_rules(path)]


def all_dashboard_queries() -> list[str]:
    return [query for path in DASHBOARD_FILES for query in dashboard_queries(load_json(path))]


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (pod) (rate(x_total{a="b", c=~"d|e"}[5m]))', {"x_total"}),
        ("a / on (pool) group_left b offset 10m", {"a", "b"}),
        ("max(up) == 0 or absent(up{job=~'.*statsd.*'})", {"up"}),
        ('count(ALERTS{alertstate="firing"}) or vector(0)', {"ALERTS"}),
        (
            "histogram_quantile(0.9, sum without (le) (rate(h_bucket[$__rate_interval])))",
            {"h_bucket"},
        ),
        ("m1 > bool 1e3 and m2 < Inf unless m3", {"m1", "m2", "m3"}),
        ('max by (dag_id)(s_sum{dag_id!=""}[30m:1m]) > 300', {"s_sum"}),
    ],
)
def test_metric_name_extraction(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_metrics_list_is_sorted_and_unique() -> None:
    for source, names in load_yaml(MONITORING / "metrics.yaml").items():
        assert names == sorted(set(names)), f"metrics.yaml `{source}`: keep it sorted, unique"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rules_use_known_metrics(path: Path) -> None:
    known = known_metrics()
    for rule in alert_rules(path):
        unknown = metric_names(rule["expr"]) - known
        assert unknown == set(), f"{rule['alert']}: add to metrics.yaml or fix {unknown}"


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_dashboards_use_known_metrics(path: Path) -> None:
    known = known_metrics()
    for query in dashboard_queries(load_json(path)):
        unknown = metric_names(query) - known
        assert unknown == set(), f"{path.name}: {unknown} in {query!r}"


def test_every_listed_metric_is_used() -> None:
    used = {name for q in rule_expressions() + all_dashboard_queries() for name in metric_names(q)}
    assert sorted(known_metrics() - used) == []
