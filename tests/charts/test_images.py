"""Where every container image comes from: without NAT (egress endpoints), every image of
every rendered manifest is on the ECR registry eksImageRegistry names, and the image paths
the program rewrites (components/data/chart-images.yaml) are the charts' own."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest

from components.eks.images import chart_images, mirrored_image, upstreams
from tests.charts.conftest import prod_stack
from tools import plan as planner
from tools.charts.helm import render_all
from tools.charts.objects import Obj
from tools.charts.packages import declared_values
from tools.charts.releases import planned_releases
from tools.mocks import EXAMPLE_IMAGE_REGISTRY, EXAMPLE_VPC_GIT

NO_NAT = {
    "airflow:egress": "endpoints",
    "airflow:natStrategy": "",
    "airflow:eksImageRegistry": EXAMPLE_IMAGE_REGISTRY,
    # Without NAT, git-sync needs a Git host inside the VPC (issue 21, item 1).
    **{f"airflow:{key}": value for key, value in EXAMPLE_VPC_GIT.items()},
}
# Operator flags that name the images the Prometheus operator runs itself.
IMAGE_FLAGS = ("--prometheus-config-reloader=", "--thanos-default-base-image=")


@functools.cache
def no_nat_renders() -> dict[str, list[Obj]]:
    plan = planner.run("prod", overrides=NO_NAT)
    releases = planned_releases(plan.resources(), plan.settings.eks.kubernetes_version)
    rendered = render_all([r.request for r in releases])
    return {r.request.pin.chart: objects for r, objects in zip(releases, rendered, strict=True)}


def images(obj: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(where, image) for every image an object makes a node pull: containers of any pod
    spec (workloads, hooks, CronJobs), the Prometheus operator's custom resources, and the
    images the operator is told to inject."""
    if isinstance(obj, dict):
        if obj.get("kind") == "CustomResourceDefinition":  # schemas, not pods
            return
        where = where or f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
        for key in ("containers", "initContainers"):
            for container in obj.get(key) or []:
                yield where, container["image"]
                for arg in container.get("args") or []:
                    for flag in IMAGE_FLAGS:
                        if str(arg).startswith(flag):
                            yield where, str(arg).removeprefix(flag)
        spec = obj.get("spec")
        operated = str(obj.get("apiVersion", "")).startswith("monitoring.coreos.com/")
        if operated and isinstance(spec, dict) and spec.get("image"):
            yield where, spec["image"]
        for value in obj.values():
            yield from images(value, where)
    elif isinstance(obj, list):
        for item in obj:
            yield from images(item, where)


def host(image: str) -> str:
    """The registry of an image reference (Docker Hub when the first part is no host)."""
    first = image.split("/", 1)[0]
    return first if "/" in image and ("." in first or ":" in first) else "docker.io"


def test_every_image_of_every_chart_comes_through_the_configured_registry() -> None:
    found = {chart: sorted(set(images(objects))) for chart, objects in no_nat_renders().items()}
    assert set(found) == set(prod_stack().renders)  # every release rendered
    prefixes = set(upstreams().values())
    elsewhere = []
    for chart, refs in found.items():
        assert refs, f"{chart}: no image found, the walk is broken"
        for where, image in refs:
            path = image.removeprefix(f"{EXAMPLE_IMAGE_REGISTRY}/")
            if host(image) != EXAMPLE_IMAGE_REGISTRY or path.split("/", 1)[0] not in prefixes:
                elsewhere.append(f"{chart} {where}: {image}")
    assert elsewhere == []


def test_nothing_rendered_names_a_public_registry() -> None:
    # Broader than the image walk: no string of any manifest points at a public registry
    # (CRDs left out: their schemas' descriptions cite default images as documentation).
    def strings(obj: Any) -> Iterator[str]:
        if isinstance(obj, dict):
            for value in obj.values():
                yield from strings(value)
        elif isinstance(obj, list):
            for item in obj:
                yield from strings(item)
        elif isinstance(obj, str):
            yield obj

    hits = {
        (chart, text[:120])
        for chart, objects in no_nat_renders().items()
        for text in strings([o for o in objects if o.get("kind") != "CustomResourceDefinition"])
        for upstream in upstreams()
        if f"{upstream}/" in text
    }
    assert hits == set()


def test_the_upstreams_are_exactly_the_registries_of_the_default_renders() -> None:
    # The registry list the plan note and the README name is derived, not typed: it is the
    # set of hosts the charts pull from with NAT (their defaults).
    hosts = {
        host(image) for objects in prod_stack().renders.values() for _, image in images(objects)
    }
    assert hosts == set(upstreams())


@pytest.mark.parametrize("chart", [
    "airflow", "keda", "cluster-autoscaler", "aws-load-balancer-controller",
    "kube-prometheus-stack",
])  # fmt: skip
def test_every_rewritten_path_holds_the_charts_default_image(chart: str) -> None:
    defaults, _ = declared_values(prod_stack().release(chart).request.pin)
    for path, image in chart_images(chart).items():
        node: Any = defaults
        for key in path.split("."):
            node = node[key]
        if isinstance(node, dict):  # a registry + repository object
            node = f"{node['registry']}/{node['repository']}"
        upstream_host, repository = image.split("/", 1)
        # Docker Hub's official images: the chart says `redis`, ECR needs `library/redis`.
        bare = repository.removeprefix("library/") if upstream_host == "docker.io" else None
        assert node in {image, repository, bare, f"{upstream_host}/{bare}"}, (
            f"{chart} {path}: {node} is not {image}"
        )
        assert mirrored_image(image, EXAMPLE_IMAGE_REGISTRY)[1] == repository
