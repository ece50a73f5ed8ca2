"""Where the charts' container images come from: an ECR registry whose pull-through cache
rules mirror every public registry (setting `eksImageRegistry`, required when the VPC has no
internet egress); else Docker Hub's images through the stack's own authenticated Docker Hub
pull-through cache (Docker Hub caps anonymous pulls at 10 an hour per address) and the
others from their public registries.

The image paths of every chart are data (`components/data/chart-images.yaml`); the render
suite checks them against what Helm renders (tests/charts/test_images.py).
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pulumi

from components.yaml_files import read_yaml

IMAGES_FILE = Path(__file__).resolve().parent.parent / "data" / "chart-images.yaml"


@cache
def image_data() -> dict[str, Any]:
    """`data/chart-images.yaml`: the upstream registries and each chart's image paths."""
    data: dict[str, Any] = read_yaml(IMAGES_FILE)
    return data


def upstreams() -> dict[str, str]:
    """Public registry host -> ECR repository prefix of the pull-through cache rule."""
    return dict(image_data()["upstreams"])


def chart_images(chart: str) -> dict[str, str]:
    """Every image path of `chart` (values path -> default `<host>/<repository>`)."""
    spec = image_data()["charts"][chart]
    return {**spec.get("repository", {}), **spec.get("registry", {})}


def registries_of(chart: str) -> set[str]:
    """The public registries `chart` pulls from by default."""
    return {image.split("/", 1)[0] for image in chart_images(chart).values()}


def mirrored_image(image: str, registry: str) -> tuple[str, str]:
    """(`<registry>/<prefix>`, repository) for an upstream `<host>/<repository>`."""
    host, repository = image.split("/", 1)
    return f"{registry}/{upstreams()[host]}", repository


DOCKER_HUB = "docker.io"


def pull_source(image: str, registry: str, docker_hub: str) -> tuple[str, str]:
    """(`<registry>/<prefix>`, repository) an upstream `<host>/<repository>` is pulled from:
    every image through `registry` when set; else Docker Hub's through `docker_hub` (the
    stack's authenticated pull-through cache, `<account registry>/<prefix>`); else upstream.
    Docker Hub allows 10 anonymous pulls per hour per IP address: never pulled anonymously."""
    if registry:
        return mirrored_image(image, registry)
    host, repository = image.split("/", 1)
    if host == DOCKER_HUB and docker_hub:
        return docker_hub, repository
    return host, repository


def mirrored(
    chart: str, values: dict[str, Any], registry: str, docker_hub: str = ""
) -> dict[str, Any]:
    """`values` with every image of `chart` pulled from its `pull_source` (unchanged when
    neither `registry` nor `docker_hub` is set)."""
    result = copy.copy(values)
    spec = image_data()["charts"][chart]
    for path, image in spec.get("repository", {}).items():
        prefix, repository = pull_source(image, registry, docker_hub)
        if prefix != image.split("/", 1)[0]:
            _put(result, path.split("."), f"{prefix}/{repository}")
    for path, image in spec.get("registry", {}).items():
        prefix, repository = pull_source(image, registry, docker_hub)
        if prefix != image.split("/", 1)[0]:
            _put(result, [*path.split("."), "registry"], prefix)
            _put(result, [*path.split("."), "repository"], repository)
    return result


def _put(values: dict[str, Any], path: list[str], value: str) -> None:
    """Set `values[path...]`, copying (not mutating) the nested dicts on the way."""
    node = values
    for key in path[:-1]:
        child = node.get(key)
        node[key] = dict(child) if isinstance(child, dict) else {}
        node = node[key]
    node[path[-1]] = value


def docker_hub_cache(
    image_registry: str, prefix: str, account_id: pulumi.Input[str], region: pulumi.Input[str]
) -> pulumi.Input[str]:
    """`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>`, the stack's Docker Hub pull-through
    cache, or "" when `image_registry` (eksImageRegistry) already carries every image."""
    if image_registry:
        return ""
    return pulumi.Output.concat(account_id, ".dkr.ecr.", region, ".amazonaws.com/", prefix)


def pull_through_repository_arns(
    registry: str, partition: pulumi.Input[str]
) -> list[pulumi.Output[str]]:
    """ARN patterns of the ECR repositories the pull-through cache creates in `registry`
    (`<account>.dkr.ecr.<region>.amazonaws.com`), one per upstream prefix."""
    account, _, _, region = registry.split(".")[:4]
    return [
        pulumi.Output.concat("arn:", partition, f":ecr:{region}:{account}:repository/{prefix}/*")
        for prefix in sorted(set(upstreams().values()))
    ]
