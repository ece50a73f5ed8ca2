"""The IRSA roles trust exactly the rendered service account names."""

from __future__ import annotations

import json
from typing import Any

from tests.charts.conftest import prod_stack
from tools.charts.objects import Cluster


def _trusted_subjects(registrations: list[Any]) -> dict[str, set[str]]:
    """Role ARN -> the `system:serviceaccount:<ns>:<name>` subjects its trust admits."""
    trusts = {}
    for r in registrations:
        if r.type != "aws:iam/role:Role" or "arn" not in r.outputs:
            continue
        doc = r.inputs.get("assumeRolePolicy")
        doc = json.loads(doc) if isinstance(doc, str) else doc or {}
        subjects: set[str] = set()
        for st in doc.get("Statement", []):
            for test in (st.get("Condition") or {}).values():
                for key, value in test.items():
                    if key.endswith(":sub"):
                        subjects |= set(value if isinstance(value, list) else [value])
        if subjects:
            trusts[r.outputs["arn"]] = subjects
    return trusts


def irsa_problems(cluster: Cluster, registrations: list[Any]) -> list[str]:
    trusts = _trusted_subjects(registrations)
    accounts = {
        f"system:serviceaccount:{sa['metadata'].get('namespace')}:{sa['metadata']['name']}": sa
        for sa in cluster.of_kind("ServiceAccount")
    }
    problems = []
    used: dict[str, set[str]] = {}
    for subject, sa in accounts.items():
        arn = (sa["metadata"].get("annotations") or {}).get("eks.amazonaws.com/role-arn")
        if arn is None:
            continue
        used.setdefault(arn, set()).add(subject)
        if subject not in trusts.get(arn, set()):
            problems.append(f"{subject} is annotated with {arn}, whose trust does not admit it")
    for arn in used:
        for extra in sorted(trusts.get(arn, set()) - set(accounts)):
            problems.append(f"{arn} trusts {extra}, which no rendered service account is")
    return problems


def test_irsa_roles_trust_exactly_the_rendered_service_accounts() -> None:
    stack = prod_stack()
    annotated = [
        sa
        for sa in stack.cluster().of_kind("ServiceAccount")
        if "eks.amazonaws.com/role-arn" in (sa["metadata"].get("annotations") or {})
    ]
    # Airflow's five, Alertmanager, Grafana, the autoscaler and the ALB controller.
    assert len(annotated) >= 9, [sa["metadata"]["name"] for sa in annotated]
    problems = irsa_problems(stack.cluster(), stack.registrations)
    assert problems == [], "\n".join(problems)


def test_a_renamed_service_account_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender(
        "kube-prometheus-stack",
        lambda v: v["alertmanager"]["serviceAccount"].update(name="alertmanager"),
    )
    assert irsa_problems(stack.cluster(renders), stack.registrations)
