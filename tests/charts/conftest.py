"""The render suite: every Helm release of the prod stack rendered by a real Helm with the
exact values of the offline plan, plus the Kubernetes objects the program declares itself.

Run by `make test-charts` (part of `make test`), which sets CHART_RENDER_TESTS=1 after
`make charts` has cached Helm and the pinned packages; a bare `pytest tests` skips it, so the
unit suite stays fast. Renders are cached by chart digest and values (tools/charts/helm.py).
"""

from __future__ import annotations

import configparser
import copy
import dataclasses
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.conftest import planned
from tools.charts.helm import template
from tools.charts.objects import Cluster, Obj, operator_pods, placed, program_objects
from tools.charts.releases import PlannedRelease, planned_releases

if not os.environ.get("CHART_RENDER_TESTS"):
    collect_ignore_glob = ["*"]


@dataclass
class Stack:
    """The prod stack as the cluster would receive it."""

    resources: list[dict[str, Any]]
    kube_version: str
    releases: dict[str, PlannedRelease]
    """By chart name."""
    renders: dict[str, list[Obj]]
    """By chart name: what Helm renders."""
    declared: list[Obj]
    """What the program declares without Helm."""
    settings: Any
    registrations: list[Any]
    """The plan's resources with their mocked outputs (ARNs)."""

    def release(self, chart: str) -> PlannedRelease:
        return self.releases[chart]

    def cluster(
        self, renders: dict[str, list[Obj]] | None = None, declared: list[Obj] | None = None
    ) -> Cluster:
        renders = self.renders if renders is None else renders
        declared = self.declared if declared is None else declared
        objects = [o for chart in renders.values() for o in chart] + declared
        namespaces: dict[str, dict[str, str]] = {
            r.request.namespace: {} for r in self.releases.values()
        }
        for o in objects:
            if o.get("kind") == "Namespace":
                namespaces[o["metadata"]["name"]] = dict(o["metadata"].get("labels") or {})
        return Cluster(objects=objects, namespaces=namespaces, extra_pods=operator_pods(objects))

    def rerender(
        self, chart: str, change: Callable[[dict[str, Any]], None]
    ) -> dict[str, list[Obj]]:
        """All renders, with `chart` rendered again (without CRDs) from values `change` edits."""
        request = self.releases[chart].request
        values = copy.deepcopy(request.values)
        change(values)
        changed = dataclasses.replace(request, values=values, include_crds=False)
        return {**self.renders, chart: placed(template(changed), request.namespace)}

    def values(self, chart: str) -> dict[str, Any]:
        return copy.deepcopy(self.releases[chart].request.values)


@functools.cache
def prod_stack() -> Stack:
    plan = planned("prod")
    resources = plan.resources()
    kube_version = plan.settings.eks.kubernetes_version
    releases = {r.request.pin.chart: r for r in planned_releases(resources, kube_version)}
    from tools.charts.helm import render_all

    rendered = render_all([r.request for r in releases.values()])
    return Stack(
        resources=resources,
        kube_version=kube_version,
        releases=releases,
        renders={
            chart: placed(objects, releases[chart].request.namespace)
            for chart, objects in zip(releases, rendered, strict=True)
        },
        declared=program_objects(resources),
        settings=plan.settings,
        registrations=plan.registrations,
    )


def airflow_cfg(cluster: Cluster) -> dict[str, dict[str, str]]:
    """The airflow.cfg the Airflow chart renders into its ConfigMap, by section."""
    config_map = next(c for c in cluster.of_kind("ConfigMap") if "airflow.cfg" in c.get("data", {}))
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(config_map["data"]["airflow.cfg"])
    return {s: dict(parser[s]) for s in parser.sections()}
