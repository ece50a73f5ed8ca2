"""Grafana dashboards: loadable by the sidecar, datasource-agnostic, valid PromQL."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from monitoring_checks import (
    DASHBOARD_FILES,
    as_plain_promql,
    dashboard_queries,
    datasource_refs,
    load_json,
    panels,
    promtool,
)

DATASOURCE_VARIABLE = "${datasource}"


def dashboard(path: Path) -> dict[str, Any]:
    board = load_json(path)
    assert isinstance(board, dict), f"{path.name}: a dashboard is one JSON object"
    return board


def test_there_are_dashboards() -> None:
    assert any(path.name == "airflow-golden-signals.json" for path in DASHBOARD_FILES)


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_dashboard_identity(path: Path) -> None:
    board = dashboard(path)
    assert board.get("uid") == path.stem, "uid equals the file name, so links stay stable"
    assert board.get("title")
    assert isinstance(board.get("schemaVersion"), int) and board["schemaVersion"] >= 36
    assert board.get("id") is None, "a provisioned dashboard must not carry a database id"


def test_dashboard_uids_are_unique() -> None:
    uids = Counter(dashboard(path)["uid"] for path in DASHBOARD_FILES)
    assert [uid for uid, count in uids.items() if count > 1] == []


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_panel_ids_are_unique(path: Path) -> None:
    ids = Counter(panel.get("id") for panel in panels(dashboard(path)))
    assert None not in ids, "every panel needs an id"
    assert [panel_id for panel_id, count in ids.items() if count > 1] == []


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_datasource_is_a_variable(path: Path) -> None:
    board = dashboard(path)
    variables = board["templating"]["list"]
    assert {"name": "datasource", "type": "datasource", "query": "prometheus"}.items() <= next(
        (v for v in variables if v.get("name") == "datasource"), {}
    ).items()
    for ref in datasource_refs(board):
        uid = ref.get("uid") if isinstance(ref, dict) else ref
        assert uid == DATASOURCE_VARIABLE, f"{path.name}: hard-coded datasource {ref!r}"
    for panel in panels(board):
        if panel.get("targets"):
            assert panel.get("datasource", {}).get("uid") == DATASOURCE_VARIABLE, panel["title"]


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_panels_have_queries(path: Path) -> None:
    for panel in panels(dashboard(path)):
        if panel["type"] != "row":
            targets = panel.get("targets", [])
            assert targets and all(t.get("expr") for t in targets), panel["title"]
            assert len({t["refId"] for t in targets}) == len(targets), panel["title"]


def test_dashboard_queries_parse(tmp_path: Path) -> None:
    # promtool has no PromQL check of its own: wrap each query in a recording rule.
    queries = [q for path in DASHBOARD_FILES for q in dashboard_queries(dashboard(path))]
    rules = [
        {"record": f"dashboard:query_{i}", "expr": as_plain_promql(q)}
        for i, q in enumerate(queries)
    ]
    rule_file = tmp_path / "dashboard_queries.yaml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = promtool("check", "rules", str(rule_file))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_panels_say_nothing_about_airflow_versions_the_stacks_no_longer_run(path: Path) -> None:
    # Notes such as "empty on 3.0.x" outlive the upgrade that made them false.
    import re

    from components.settings import AirflowSettings

    pinned = tuple(int(p) for p in AirflowSettings().version.split("."))
    stale = []
    for panel in panels(dashboard(path)):
        text = f"{panel.get('title', '')} {panel.get('description', '')}"
        for match in re.finditer(r"\b(\d)\.(\d+)(?:\.(\d+|x))?\b", text):
            major, minor = int(match[1]), int(match[2])
            if major in (2, 3) and (major, minor) < pinned[:2]:
                stale.append(f"{panel.get('title')}: {match[0]}")
    assert stale == []
