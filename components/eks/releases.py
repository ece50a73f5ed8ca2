"""The one way the program installs a Helm chart: the lock's pin, mirrored images, awaited.

All five releases (Cluster Autoscaler, AWS Load Balancer Controller, KEDA, Airflow,
kube-prometheus-stack) take their chart, version and repository from `charts.lock.yaml`,
pull their images through the stack's registry when one is set, and wait for their
resources (`skip_await` stays false) so what depends on them starts after them.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.charts import PinnedChart
from components.eks.images import mirrored


def pinned_release(
    resource_name: str,
    chart: PinnedChart,
    *,
    release_name: str,
    namespace: pulumi.Input[str],
    values: dict[str, Any] | pulumi.Output[dict[str, Any]],
    registry: str,
    docker_hub: pulumi.Input[str],
    timeout: int,
    opts: pulumi.ResourceOptions,
    create_namespace: bool | None = None,
    max_history: int | None = None,
    wait_for_jobs: bool = False,
) -> k8s.helm.v3.Release:
    """A release of the pinned `chart` with `values` mirrored through `registry`, or with
    its Docker Hub images through the `docker_hub` pull-through cache (images.pull_source).

    Every release is atomic: a failed install or upgrade is rolled back instead of leaving
    the release `failed`, which the next `pulumi up` could not upgrade without a manual
    `helm rollback`. `timeout` (seconds) bounds the wait for the chart's resources, and
    with `wait_for_jobs` for its Jobs to complete (a failed Job fails the release).
    """

    def mirror(resolved: list[Any]) -> dict[str, Any]:
        return mirrored(chart.chart, resolved[0], registry, str(resolved[1]))

    return k8s.helm.v3.Release(
        resource_name,
        name=release_name,
        chart=chart.chart,
        version=chart.version,
        repository_opts=chart.repository_opts(),
        namespace=namespace,
        create_namespace=create_namespace,
        values=pulumi.Output.all(values, docker_hub).apply(mirror),
        atomic=True,
        timeout=timeout,
        max_history=max_history,
        skip_await=False,
        wait_for_jobs=wait_for_jobs,
        opts=opts,
    )
