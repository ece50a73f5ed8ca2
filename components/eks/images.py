"""Where the charts' container images come from: their public registries by default, or an
ECR registry whose pull-through cache rules mirror them (setting `eksImageRegistry`, required
when the VPC has no internet egress).

The image paths of every chart are data (`components/data/chart-images.yaml`); the render
suite checks them against what Helm renders (tests/charts/test_images.py).
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
import yaml

IMAGES_FILE = Path(__file__).resolve().parent.parent / "data" / "chart-images.yaml"


@cache
def image_data() -> dict[str, Any]:
    """`data/chart-images.yaml`: the upstream registries and each chart's image paths."""
    data: dict[str, Any] = yaml.safe_load(IMAGES_FILE.read_text())
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


def mirrored(chart: str, values: dict[str, Any], registry: str) -> dict[str, Any]:
    """`values` with every image of `chart` pulled through `registry` (unchanged when empty)."""
    if not registry:
        return values
    result = copy.copy(values)
    spec = image_data()["charts"][chart]
    for path, image in spec.get("repository", {}).items():
        prefix, repository = mirrored_image(image, registry)
        _put(result, path.split("."), f"{prefix}/{repository}")
    for path, image in spec.get("registry", {}).items():
        prefix, repository = mirrored_image(image, registry)
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
