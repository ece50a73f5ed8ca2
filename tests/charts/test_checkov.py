"""issue 21, item 10: an outside scanner, checkov's Kubernetes checks, on every prod release as
rendered here. A finding is fixed, or listed in tools/charts/checkov-exceptions.yaml with its
reason; the test fails on anything else, and on an exception that no longer matches anything."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import pytest

from tests.charts.conftest import prod_stack
from tools.charts.checkov import (
    Exception_,
    Finding,
    load_exceptions,
    scan,
    unexcused,
    write_manifests,
)

ROOT = Path(__file__).parents[2]


@functools.cache
def checkov() -> str:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "ensure-checkov.sh")],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    stack = prod_stack()
    folder = tmp_path_factory.mktemp("manifests")
    write_manifests(folder, stack.renders, stack.declared)
    return scan(checkov(), folder)


def test_every_checkov_finding_is_fixed_or_an_accepted_exception(findings: list[Finding]) -> None:
    assert findings, "checkov found nothing: did it scan the manifests?"
    left, unused = unexcused(findings, load_exceptions())
    assert not left, "checkov findings neither fixed nor excepted:\n" + "\n".join(map(str, left))
    assert not unused, "exceptions that match no finding any more (remove them):\n" + "\n".join(
        f"{e.release}: {e.check} {e.resources}" for e in unused
    )


def test_the_real_findings_stay_fixed(findings: list[Finding]) -> None:
    """What the issue named as real: pods no NetworkPolicy selects (the DAG processor, which
    runs DAG code, and the chart's jobs), API tokens in pods that never call the API (the chart
    sets it on their ServiceAccounts, which checkov does not read: hence the render check),
    containers without limits."""
    airflow = {(f.check, f.resource.split(".")[2]) for f in findings if f.release == "airflow"}
    for pod in ("airflow-dag-processor", "airflow-run-airflow-migrations", "airflow-create-user"):
        assert ("CKV2_K8S_6", pod) not in airflow
    assert not {c for c, _ in airflow} & {"CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"}
    assert ("CKV_K8S_22", "airflow-statsd") not in airflow
    accounts = {
        o["metadata"]["name"]: o.get("automountServiceAccountToken")
        for o in prod_stack().renders["airflow"]
        if o.get("kind") == "ServiceAccount"
    }
    for name in ("api-server", "dag-processor", "scheduler", "statsd", "pgbouncer",
                 "migrate-database-job", "create-user-job"):  # fmt: skip
        assert accounts[f"airflow-{name}"] is False, name
    assert accounts["airflow-worker"] is True and accounts["airflow-triggerer"] is True


def test_namespace_only_checks_do_not_count(findings: list[Finding]) -> None:
    assert not [f for f in findings if f.check == "CKV_K8S_21"]


def test_an_exception_needs_a_reason_and_covers_only_its_check() -> None:
    exception = Exception_("CKV_K8S_43", "keda", ("Deployment.keda.*",), "tags are pinned")
    assert exception.covers(Finding("keda", "CKV_K8S_43", "Deployment.keda.keda-operator", "x"))
    assert not exception.covers(Finding("keda", "CKV_K8S_38", "Deployment.keda.keda-operator", "x"))
    assert not exception.covers(Finding("airflow", "CKV_K8S_43", "Deployment.keda.x", "x"))
    assert all(e.reason for e in load_exceptions())
