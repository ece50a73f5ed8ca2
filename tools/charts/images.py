"""Which images a rendered release makes its nodes pull, and from where: the walk the render
tests and the plan share (tests/charts/test_images.py, `make plan`'s image list)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Operator flags that name the images the Prometheus operator runs itself.
IMAGE_FLAGS = ("--prometheus-config-reloader=", "--thanos-default-base-image=")
DOCKER_HUB = "docker.io"
DOCKER_HUB_LIMIT = "10 anonymous pulls per hour per IP address"


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
    return first if "/" in image and ("." in first or ":" in first) else DOCKER_HUB


def how_pulled(image: str, docker_hub_prefix: str) -> str:
    """How a node gets `image`: through the stack's authenticated Docker Hub cache (ECR
    repositories under `docker_hub_prefix`), through eksImageRegistry's pull-through cache
    rules, or anonymously from its public registry (Docker Hub's anonymous pulls are the
    ones with an hourly limit)."""
    registry = host(image)
    if ".dkr.ecr." in registry and registry.endswith(".amazonaws.com"):
        if docker_hub_prefix and image.startswith(f"{registry}/{docker_hub_prefix}/"):
            return "ECR pull-through cache of Docker Hub (authenticated)"
        return "ECR pull-through cache (eksImageRegistry)"
    if registry == DOCKER_HUB:
        return f"Docker Hub, ANONYMOUS ({DOCKER_HUB_LIMIT})"
    return f"{registry}, anonymous"
