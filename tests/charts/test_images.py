"""Where every container image comes from: with NAT (prod's default) no image is pulled
anonymously from Docker Hub (10 pulls per hour per IP address) but through the stack's
authenticated ECR pull-through cache; without NAT (egress endpoints), every image of every
rendered manifest is on the ECR registry eksImageRegistry names; and the image paths the
program rewrites (components/data/chart-images.yaml) are the charts' own."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest

from components.eks.images import chart_images, mirrored_image, upstreams
from tests.charts.conftest import prod_stack
from tools import plan as planner
from tools.charts.helm import render_all
from tools.charts.images import host, images
from tools.charts.objects import Obj
from tools.charts.packages import declared_values
from tools.charts.releases import planned_releases
from tools.mocks import ACCOUNT_ID, EXAMPLE_IMAGE_REGISTRY, EXAMPLE_VPC_GIT

NO_NAT = {
    "airflow:egress": "endpoints",
    "airflow:natStrategy": "",
    "airflow:eksImageRegistry": EXAMPLE_IMAGE_REGISTRY,
    # Without NAT, git-sync needs a Git host inside the VPC (issue 21, item 1).
    **{f"airflow:{key}": value for key, value in EXAMPLE_VPC_GIT.items()},
}


@functools.cache
def no_nat_renders() -> dict[str, list[Obj]]:
    plan = planner.run("prod", overrides=NO_NAT)
    releases = planned_releases(plan.resources(), plan.settings.eks.kubernetes_version)
    rendered = render_all([r.request for r in releases])
    return {r.request.pin.chart: objects for r, objects in zip(releases, rendered, strict=True)}


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


def docker_hub_cache() -> str:
    """The stack's Docker Hub pull-through cache, `<account registry>/<prefix>`."""
    region = prod_stack().settings.region
    prefix = prod_stack().settings.eks.docker_hub_cache_prefix
    return f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{prefix}"


def test_no_prod_image_is_pulled_anonymously_from_docker_hub() -> None:
    # Docker Hub allows 10 anonymous pulls per hour per IP address: three NAT addresses and
    # ten nodes pulling exceed it, pods sit in ImagePullBackOff and the release rolls back.
    anonymous = [
        f"{chart} {where}: {image}"
        for chart, objects in prod_stack().renders.items()
        for where, image in sorted(set(images(objects)))
        if host(image) == "docker.io"
    ]
    assert anonymous == []
    # Docker Hub's images (Airflow, PgBouncer and its exporter, Grafana) are still there,
    # through the cache the program declares with the Docker Hub credential.
    cached = {
        image.removeprefix(f"{docker_hub_cache()}/").split(":")[0]
        for objects in prod_stack().renders.values()
        for _, image in images(objects)
        if image.startswith(f"{docker_hub_cache()}/")
    }
    assert cached == {"apache/airflow", "grafana/grafana"}


def test_the_upstreams_are_exactly_the_registries_of_the_default_renders() -> None:
    # The registry list the plan note and the README name is derived, not typed: it is the
    # set of hosts the charts pull from with NAT (their defaults; Docker Hub through the
    # stack's cache).
    hosts = {
        "docker.io" if image.startswith(f"{docker_hub_cache()}/") else host(image)
        for objects in prod_stack().renders.values()
        for _, image in images(objects)
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
