"""Every Airflow version the eks settings accept (CHART_AIRFLOW_VERSIONS: the pinned one and
the one README's rollback returns to) renders with the pinned chart: Airflow 3's components,
the migration job, and every Airflow image at that version."""

from __future__ import annotations

import pytest

from components.settings import CHART_AIRFLOW_VERSIONS
from tools import plan as planner
from tools.charts.helm import render_all
from tools.charts.images import images
from tools.charts.releases import planned_releases

AIRFLOW_3 = {"api-server", "dag-processor", "scheduler", "triggerer", "worker"}


@pytest.mark.parametrize("version", CHART_AIRFLOW_VERSIONS)
def test_each_version_the_settings_accept_renders_airflow_3(version: str) -> None:
    plan = planner.run("prod", overrides={"airflow:airflowVersion": version})
    kube = plan.settings.eks.kubernetes_version
    [release] = [
        r for r in planned_releases(plan.resources(), kube) if r.request.pin.chart == "airflow"
    ]
    [objects] = render_all([release.request])
    workloads = {
        o["metadata"]["name"]
        for o in objects
        if o and o.get("kind") in {"Deployment", "StatefulSet", "Job"}
    }
    missing = {c for c in AIRFLOW_3 if not any(w.endswith(f"-{c}") for w in workloads)}
    assert missing == set(), f"{version}: the chart renders no {sorted(missing)}"
    assert any(w.endswith("-run-airflow-migrations") for w in workloads)
    # apache/airflow also hosts the chart's helpers (tags airflow-pgbouncer-..., ...).
    tags = {i.rsplit(":", 1)[1] for o in objects if o for _, i in images(o) if "/airflow:" in i}
    assert {t for t in tags if not t.startswith("airflow-")} == {version}
