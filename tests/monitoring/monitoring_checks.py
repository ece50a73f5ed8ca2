"""Helpers for the tests of monitoring/: file locations, promtool, PromQL metric names."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

MONITORING = Path(__file__).resolve().parents[2] / "monitoring"
RULE_FILES = sorted((MONITORING / "rules").glob("*.yaml"))
UNIT_TEST_FILES = sorted((MONITORING / "tests").glob("*.yaml"))
DASHBOARD_FILES = sorted((MONITORING / "dashboards").glob("*.json"))
README = MONITORING / "README.md"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run promtool; fail (never skip) when it is missing, since CI installs it."""
    exe = shutil.which("promtool")
    if exe is None:
        pytest.fail(
            "promtool is not on PATH: install it (Debian/Ubuntu: apt-get install prometheus) "
            "to check and unit-test the alert rules"
        )
    return subprocess.run([exe, *args], capture_output=True, text=True, check=False, timeout=60)


# --- Durations ----------------------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def seconds(duration: str) -> float:
    """Seconds in a Prometheus duration such as "5m" or "1h30m"."""
    parts = _DURATION_PART.findall(duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"not a Prometheus duration: {duration!r}")
    return sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)


# --- Rules and their unit tests -----------------------------------------------------------


def alert_rules(path: Path) -> list[dict[str, Any]]:
    """The alerting rules (not recording rules) of a Prometheus rule file."""
    return [
        rule for group in load_yaml(path)["groups"] for rule in group["rules"] if "alert" in rule
    ]


def all_alerts() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for path in RULE_FILES for rule in alert_rules(path)}


@dataclass(frozen=True)
class AlertCase:
    """One `alert_rule_test` entry of a promtool unit-test file."""

    test_name: str
    alertname: str
    eval_seconds: float
    fires: bool


def alert_cases(path: Path) -> list[AlertCase]:
    return [
        AlertCase(
            test_name=test["name"],
            alertname=case["alertname"],
            eval_seconds=seconds(case["eval_time"]),
            fires=bool(case.get("exp_alerts")),
        )
        for test in load_yaml(path)["tests"]
        for case in test.get("alert_rule_test", [])
    ]


def all_alert_cases() -> list[AlertCase]:
    return [case for path in UNIT_TEST_FILES for case in alert_cases(path)]


# --- Dashboards ---------------------------------------------------------------------------


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those nested in collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


_LABEL_VALUES = re.compile(r"label_values\(\s*([^,]+?)\s*,")


def dashboard_queries(dashboard: dict[str, Any]) -> list[str]:
    """PromQL of every panel target, plus the series selector of label_values() variables."""
    queries = [target["expr"] for panel in panels(dashboard) for target in panel.get("targets", [])]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            queries += _LABEL_VALUES.findall(str(variable.get("query", "")))
    return queries


def datasource_refs(node: Any) -> Iterator[Any]:
    """Every value of a "datasource" key anywhere in a dashboard."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasource":
                yield value
            yield from datasource_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from datasource_refs(item)


_GRAFANA_INTERVAL = re.compile(r"\$\{?__(?:rate_interval|interval|range)\}?")
_GRAFANA_VARIABLE = re.compile(r"\$\{?\w+\}?")


def as_plain_promql(query: str) -> str:
    """Replace Grafana variables so that promtool can parse a dashboard query."""
    return _GRAFANA_VARIABLE.sub("x", _GRAFANA_INTERVAL.sub("5m", query))


# --- Metric names in PromQL ---------------------------------------------------------------
# A regex approach, no parser: (1) blank out string literals (label values, regexes);
# (2) blank out label matchers {...} and range or subquery brackets [...]; (3) blank out the
# label lists of by/without/on/ignoring/group_left/group_right (...); (4) what remains that
# looks like an identifier is a metric name, unless "(" follows it (a function or an
# aggregation) or it is a keyword. Numbers and durations ("5m") never start an identifier:
# the look-behind skips letters glued to a digit.

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BRACKETS = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]")
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.$])([A-Za-z_:][\w:]*)(\s*\()?")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "group_left", "group_right", "inf", "nan"}
)


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects."""
    text = _LABEL_LISTS.sub(" ", _BRACKETS.sub(" ", _STRINGS.sub(" ", expr)))
    return {
        match.group(1)
        for match in _IDENTIFIER.finditer(text)
        if match.group(2) is None and match.group(1).lower() not in _KEYWORDS
    }


def known_metrics() -> set[str]:
    """Every name listed in monitoring/metrics.yaml, whatever its source."""
    return {name for names in load_yaml(MONITORING / "metrics.yaml").values() for name in names}
