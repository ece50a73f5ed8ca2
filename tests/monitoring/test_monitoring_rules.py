"""The Prometheus alert rules: valid for promtool, unit-tested, labelled for routing."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from monitoring_checks import (
    README,
    RULE_FILES,
    UNIT_TEST_FILES,
    alert_rules,
    all_alert_cases,
    all_alerts,
    load_yaml,
    promtool,
    seconds,
)

SEVERITIES = {"critical", "warning"}
ANNOTATIONS = {"summary", "description", "runbook"}


def test_there_are_rule_and_unit_test_files() -> None:
    assert RULE_FILES, "no monitoring/rules/*.yaml"
    assert UNIT_TEST_FILES, "no monitoring/tests/*.yaml"


@pytest.mark.integration
@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_promtool_check_rules(path: Path) -> None:
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.integration
@pytest.mark.parametrize("path", UNIT_TEST_FILES, ids=lambda p: p.name)
def test_promtool_unit_tests_pass(path: Path) -> None:
    result = promtool("test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_file_is_a_plain_groups_document(path: Path) -> None:
    # The lead's component copies `groups` verbatim into PrometheusRule.spec.groups.
    document = load_yaml(path)
    assert set(document) == {"groups"}, f"{path.name}: only a top-level `groups` key"
    assert all(group["name"] and group["rules"] for group in document["groups"])


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_alerts_carry_routing_labels_and_annotations(path: Path) -> None:
    for rule in alert_rules(path):
        name = rule["alert"]
        assert rule["labels"].get("severity") in SEVERITIES, name
        assert rule["labels"].get("service") == "airflow", name
        assert set(rule.get("annotations", {})) >= ANNOTATIONS, name
        assert "for" in rule, f"{name}: state a `for:` duration, even 0m"


def test_alert_names_are_unique() -> None:
    names = Counter(rule["alert"] for path in RULE_FILES for rule in alert_rules(path))
    assert [name for name, count in names.items() if count > 1] == []


def test_runbooks_point_at_readme_sections() -> None:
    headings = set(re.findall(r"^### (\w+)$", README.read_text(), flags=re.MULTILINE))
    for name, rule in all_alerts().items():
        assert rule["annotations"]["runbook"] == f"monitoring/README.md#{name.lower()}", name
        assert name in headings, f"monitoring/README.md has no '### {name}' section"


def test_every_rule_file_is_loaded_by_a_unit_test_file() -> None:
    loaded = {
        (path.parent / rule_file).resolve()
        for path in UNIT_TEST_FILES
        for rule_file in load_yaml(path)["rule_files"]
    }
    assert {path.resolve() for path in RULE_FILES} <= loaded


def test_unit_tests_only_name_existing_alerts() -> None:
    # promtool passes a silent case for an alert that does not exist at all.
    unknown = {case.alertname for case in all_alert_cases()} - set(all_alerts())
    assert unknown == set()


def test_every_alert_has_a_firing_case() -> None:
    firing = {case.alertname for case in all_alert_cases() if case.fires}
    assert sorted(set(all_alerts()) - firing) == []


def test_every_critical_alert_has_a_silent_case_past_its_for_duration() -> None:
    # Silent before `for:` has elapsed proves nothing: the alert could still be pending.
    alerts = all_alerts()
    silent = {
        case.alertname
        for case in all_alert_cases()
        if not case.fires and case.eval_seconds >= seconds(alerts[case.alertname]["for"])
    }
    critical = {name for name, rule in alerts.items() if rule["labels"]["severity"] == "critical"}
    assert sorted(critical - silent) == []
