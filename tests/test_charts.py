"""charts.lock.yaml is the one place chart versions are pinned: every Release reads it, and
only packages with the locked digest are ever used."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from components.charts import lock
from tests.conftest import planned
from tools.charts import packages
from tools.charts.releases import RELEASE_TYPE, ReleaseError, planned_releases


def prod_resources() -> list[dict]:
    return planned("prod").resources()


def test_every_release_installs_exactly_what_the_lock_pins() -> None:
    found = planned_releases(prod_resources(), "1.36")
    charts = {r.request.pin.chart for r in found}
    assert charts == set(lock()), "the lock pins a chart no Release installs, or the reverse"
    for release in found:
        assert release.request.pin == lock()[release.request.pin.chart]


def test_a_release_off_the_lock_is_refused() -> None:
    resources = copy.deepcopy(prod_resources())
    release = next(r for r in resources if r["type"] == RELEASE_TYPE)
    release["inputs"]["version"] = "0.0.1"
    with pytest.raises(ReleaseError, match=r"charts\.lock\.yaml pins"):
        planned_releases(resources, "1.36")


def test_a_package_with_another_digest_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin = lock()["keda"]
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / pin.package).write_bytes(b"not the locked package")
    monkeypatch.setattr(packages, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(packages, "REFERENCE", reference)
    with pytest.raises(packages.ChartPackageError, match=r"is not the \w+ charts\.lock\.yaml pins"):
        packages.package(pin)
    assert not packages.cached(pin).exists()


def test_the_pinned_packages_match_the_lock() -> None:
    for name, path in packages.ensure_all(pull=False).items():
        assert packages.sha256(path) == lock()[name].sha256


def test_the_plan_lists_each_chart_with_its_pinned_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from tools import plan as planner
    from tools.charts import helm

    monkeypatch.setattr(helm, "helm_cached", lambda: False)  # the plan never downloads Helm
    charts = planner.to_dict(planned("prod"))["charts"]
    assert {c["chart"]: c["version"] for c in charts} == {n: p.version for n, p in lock().items()}
    assert all(c["manifests"] is None for c in charts)
    assert "not rendered (run `make charts`" in planner.to_text(planned("prod"))
    assert "| kube-prometheus-stack |" in planner.to_markdown(planned("prod"))
    assert planner.to_dict(planned("dev"))["charts"] == []
