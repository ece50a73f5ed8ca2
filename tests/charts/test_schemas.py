"""Every rendered manifest and every object the program declares validates strictly: against
the Kubernetes OpenAPI schemas of the stack's Kubernetes version, custom resources against
the openAPIV3Schema of the CRDs in the chart packages."""

from __future__ import annotations

from tests.charts.conftest import Obj, prod_stack
from tools.charts.schemas import crd_problems, crd_schemas, kube_schema_problems


def schema_problems(objects: list[Obj], crd_sources: list[Obj], kube_version: str) -> list[str]:
    crds = crd_schemas(crd_sources)
    problems: list[str] = []
    for obj in objects:
        found = kube_schema_problems(obj, kube_version)
        problems += crd_problems(obj, crds) if found is None else found
    return problems


def all_rendered() -> list[Obj]:
    return [o for objs in prod_stack().renders.values() for o in objs]


def test_every_rendered_manifest_validates_strictly() -> None:
    stack = prod_stack()
    problems = schema_problems(all_rendered(), all_rendered(), stack.kube_version)
    assert problems == [], "\n".join(problems)


def test_every_object_the_program_declares_validates_strictly() -> None:
    stack = prod_stack()
    problems = schema_problems(stack.declared, all_rendered(), stack.kube_version)
    assert problems == [], "\n".join(problems)


def test_the_crds_the_program_relies_on_come_from_the_pinned_charts() -> None:
    crds = crd_schemas(all_rendered())
    for wanted in [
        ("elbv2.k8s.aws/v1beta1", "TargetGroupBinding"),
        ("monitoring.coreos.com/v1", "ServiceMonitor"),
        ("monitoring.coreos.com/v1", "PrometheusRule"),
        ("keda.sh/v1alpha1", "ScaledObject"),
    ]:
        assert wanted in crds, f"no CRD for {wanted} in the rendered charts"


def test_a_misspelt_field_fails_the_kubernetes_schema() -> None:
    stack = prod_stack()
    deployment = next(o for o in stack.renders["airflow"] if o["kind"] == "Deployment")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    assert schema_problems([broken], [], stack.kube_version)


def test_a_misspelt_field_fails_the_crd_schema() -> None:
    stack = prod_stack()
    binding = next(o for o in stack.declared if o["kind"] == "TargetGroupBinding")
    broken = {**binding, "spec": {**binding["spec"], "serviceRef": {"name": "x", "prot": 80}}}
    assert schema_problems([broken], all_rendered(), stack.kube_version)
