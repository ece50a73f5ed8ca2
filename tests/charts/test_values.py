"""No values key is silently ignored: every key the program sets is declared by the chart
(its values.yaml or values.schema.json) or changes the rendered output when removed, and none
is one the chart's schema marks deprecated (still read today, gone in a later release)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.charts.conftest import prod_stack
from tools.charts.helm import HelmError, RenderRequest, template
from tools.charts.objects import without_generated
from tools.charts.packages import declared_values
from tools.charts.releases import PlannedRelease
from tools.charts.values import deprecated_paths, undeclared_paths, without


def ignored_keys(release: PlannedRelease, values: dict) -> list[str]:
    request = release.request
    defaults, schema = declared_values(request.pin)
    baseline = without_generated(template(_with_values(request, values)))
    ignored = []
    for path in undeclared_paths(values, defaults, schema or None):
        if without_generated(template(_with_values(request, without(values, path)))) == baseline:
            ignored.append(".".join(path))
    return ignored


def _with_values(request: RenderRequest, values: dict) -> RenderRequest:
    # CRDs do not depend on values; leaving them out keeps each comparison quick.
    return dataclasses.replace(request, values=values, include_crds=False)


def test_no_values_key_is_silently_ignored() -> None:
    for chart, release in prod_stack().releases.items():
        ignored = ignored_keys(release, release.request.values)
        assert ignored == [], f"{chart} ignores these values keys: {ignored}"


def test_renders_are_reproducible_once_generated_certificates_are_masked() -> None:
    # Otherwise a chart that generates its webhook certificates (the load balancer controller)
    # renders differently every time and the ignored-key check above can never fail for it.
    for chart, release in prod_stack().releases.items():
        request = _with_values(release.request, release.request.values)
        first = without_generated(template(request, use_cache=False))
        assert first == without_generated(template(request, use_cache=False)), chart


# Where each chart reads a misspelt key (a top-level one, and one under a key it declares).
PLANTED = {
    "keda": ("operatr", ("resources", "operatr")),
    "cluster-autoscaler": ("autoDiscovry", ("autoDiscovery", "clusterNam")),
    "aws-load-balancer-controller": ("clusterNam", ("serviceAccount", "nam")),
    "kube-prometheus-stack": ("kubeSchedulr", ("alertmanager", "alertmanagerSpec", "replica")),
}


@pytest.mark.parametrize("chart", sorted([*PLANTED, "airflow"]))
def test_a_key_the_chart_does_not_know_is_caught(chart: str) -> None:
    # Charts without a values schema (or whose schema allows any key) render misspelt keys
    # without a word; the Airflow chart's closed schema makes Helm itself refuse them.
    release = prod_stack().release(chart)
    values = prod_stack().values(chart)
    top, nested = PLANTED.get(chart, ("apiServr", ("apiServer", "replica")))
    values[top] = {"enabled": False}
    node = values
    for key in nested[:-1]:
        node = node.setdefault(key, {})
    node[nested[-1]] = 3
    if chart == "airflow":
        with pytest.raises(HelmError, match="additional properties"):
            ignored_keys(release, values)
        return
    assert sorted(ignored_keys(release, values)) == sorted([top, ".".join(nested)])


def test_no_values_key_is_deprecated() -> None:
    for chart, release in prod_stack().releases.items():
        _, schema = declared_values(release.request.pin)
        found = deprecated_paths(release.request.values, schema)
        assert found == [], f"{chart} sets deprecated keys: {found}"


def test_a_flat_chart_1_18_worker_key_is_caught() -> None:
    # Chart 1.18 kept Celery worker settings flat under workers.*; 1.21 reads workers.celery.*
    # first and the flat keys only as deprecated fallbacks (the next release drops them).
    release = prod_stack().release("airflow")
    values = prod_stack().values("airflow")
    values["workers"]["keda"] = {"enabled": True, "minReplicaCount": 1}
    values["webserver"] = {"defaultUser": {"enabled": False}}
    _, schema = declared_values(release.request.pin)
    assert [path for path, _ in deprecated_paths(values, schema)] == [
        "workers.keda",
        "webserver.defaultUser",
    ]


def test_helm_refuses_keys_outside_the_airflow_charts_schema() -> None:
    values = prod_stack().values("airflow")
    values["apiServer"]["replica"] = 3
    with pytest.raises(HelmError, match="additional properties 'replica' not allowed"):
        template(_with_values(prod_stack().release("airflow").request, values))
