"""The `helm.v3.Release` resources of an offline plan, as render requests.

The plan records every resource's inputs as the engine receives them (tools/mocks.py), so the
values rendered here are the ones `pulumi up` would send to Helm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.charts import lock
from tools.charts.helm import RenderRequest
from tools.charts.objects import plain

RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
# The custom resources the program relies on, announced to Helm as installed (the charts
# that gate templates on `.Capabilities.APIVersions` then render them, as on the cluster).
API_VERSIONS = (
    "elbv2.k8s.aws/v1beta1",
    "elbv2.k8s.aws/v1beta1/TargetGroupBinding",
    "monitoring.coreos.com/v1",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "monitoring.coreos.com/v1/PrometheusRule",
    "keda.sh/v1alpha1",
    "keda.sh/v1alpha1/ScaledObject",
)


class ReleaseError(Exception):
    """A Release the program declares cannot be rendered as declared."""


@dataclass(frozen=True)
class PlannedRelease:
    """One Release of the plan and what rendering it needs."""

    resource: str
    """The Pulumi resource name."""
    request: RenderRequest


def planned_releases(resources: list[dict[str, Any]], kube_version: str) -> list[PlannedRelease]:
    """Every Release in `resources` (Plan.resources()), pinned chart checked against the lock."""
    pins = lock()
    found = []
    for r in resources:
        if r["type"] != RELEASE_TYPE:
            continue
        inputs = r["inputs"]
        chart, version = inputs["chart"], inputs["version"]
        pin = pins.get(chart)
        if pin is None:
            raise ReleaseError(f"{r['name']}: chart {chart!r} is not in charts.lock.yaml")
        if (version, inputs.get("repositoryOpts", {}).get("repo")) != (
            pin.version,
            pin.repository,
        ):
            raise ReleaseError(
                f"{r['name']}: installs {chart} {version} from "
                f"{inputs.get('repositoryOpts')}, charts.lock.yaml pins {pin.version} "
                f"from {pin.repository}"
            )
        found.append(
            PlannedRelease(
                resource=r["name"],
                request=RenderRequest(
                    pin=pin,
                    release=inputs["name"],
                    namespace=inputs.get("namespace") or "default",
                    values=plain(inputs.get("values") or {}),
                    kube_version=f"{kube_version}.0",
                    api_versions=API_VERSIONS,
                ),
            )
        )
    return found
