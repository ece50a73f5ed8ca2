"""charts.lock.yaml is the one place chart versions are pinned: every Release reads it, and
only packages with the locked digest are ever used."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from components.charts import lock
from tests.conftest import make_dry_run, planned
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


def test_a_package_copy_that_fails_midway_leaves_nothing_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Several runs share the cache: a half-written package must never sit under its name.
    pin = lock()["keda"]
    monkeypatch.setattr(packages, "CACHE", tmp_path / "cache")

    def interrupted(source: Path, target: Path) -> None:
        Path(target).write_bytes(Path(source).read_bytes()[:100])
        raise OSError("disk full")

    monkeypatch.setattr(packages.shutil, "copyfile", interrupted)
    with pytest.raises(OSError, match="disk full"):
        packages.package(pin)
    assert list((tmp_path / "cache" / "charts").iterdir()) == []


def test_a_pull_without_a_recorded_repository_digest_says_how_to_record_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from tools.charts import helm

    pin = dataclasses.replace(lock()["keda"], repository_digest="")
    fake_helm = tmp_path / "helm"  # `helm pull` that writes a package the lock does not know
    fake_helm.write_text(
        '#!/bin/sh\nwhile [ "$1" != --destination ]; do shift; done\n'
        f'printf other > "$2/{pin.package}"\n'
    )
    fake_helm.chmod(0o755)
    monkeypatch.setattr(helm, "helm_binary", lambda: fake_helm)
    with pytest.raises(packages.ChartPackageError, match="record it as repositoryDigest"):
        packages._pull(pin, tmp_path / "cache" / pin.package)
    assert not (tmp_path / "cache" / pin.package).exists()


def test_the_unit_suite_needs_the_packages_not_helm() -> None:
    # Helm's cached binary is Linux x86_64; the unit suite must run wherever Python does.
    assert "ensure-helm.sh" not in make_dry_run("unit")
    assert "-m tools.charts" in make_dry_run("unit")
    assert "ensure-helm.sh" in make_dry_run("test-charts")


def test_every_release_is_awaited_within_a_bounded_time_and_rolls_back_on_failure() -> None:
    releases = [r for r in prod_resources() if r["type"] == RELEASE_TYPE]
    assert len(releases) == len(lock())
    for release in releases:
        inputs = release["inputs"]
        assert inputs.get("skipAwait") is False, f"{release['name']} is not awaited"
        assert 0 < inputs["timeout"] <= 1200, f"{release['name']} has no bounded timeout"
        assert inputs.get("atomic") is True, f"a failed {release['name']} upgrade stays failed"
