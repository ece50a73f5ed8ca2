"""The wake gate of a stack that sleeps (monitoring/sleep/wake.yaml, docs/sleep.md): valid for
promtool, its unit tests pass (the Airflow alerts that fire while the platform wakes fire
under the gate; by day and after an hour it never holds anything), and it queries only
metrics that exist."""

from __future__ import annotations

import re

import pytest
from monitoring_checks import MONITORING, known_metrics, load_yaml, metric_names, promtool

WAKE = MONITORING / "sleep"
DOCS = MONITORING.parent / "docs" / "sleep.md"


@pytest.mark.integration
def test_promtool_checks_the_wake_rules() -> None:
    result = promtool("check", "rules", str(WAKE / "wake.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.integration
def test_promtool_unit_tests_of_the_wake_gate_pass() -> None:
    result = promtool("test", "rules", str(WAKE / "wake_test.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_gate_reads_only_metrics_that_exist() -> None:
    rules = [rule for group in load_yaml(WAKE / "wake.yaml")["groups"] for rule in group["rules"]]
    recorded = {rule["record"] for rule in rules if "record" in rule}
    used = set().union(*(metric_names(rule["expr"]) for rule in rules))
    assert sorted(used - recorded - known_metrics()) == []


def test_the_gates_runbook_is_a_section_of_the_sleep_page() -> None:
    (gate,) = [
        rule
        for group in load_yaml(WAKE / "wake.yaml")["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]
    headings = re.findall(r"^## (.+)$", DOCS.read_text(), flags=re.MULTILINE)
    slugs = {re.sub(r"[^a-z0-9]+", "-", h.lower()).strip("-") for h in headings}
    page, anchor = gate["annotations"]["runbook"].split("#")
    assert page == "docs/sleep.md" and anchor in slugs
