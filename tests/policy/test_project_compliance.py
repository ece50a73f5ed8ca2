"""The planned `dev` and `prod` stacks meet the baseline, apart from reviewed exceptions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from policy.rules import registry
from tests.conftest import planned

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = {"dev": "aws:mwaa/environment:Environment", "prod": "eks:index:Cluster"}


def stack_exceptions(stack: str) -> dict[str, str]:
    """The stack's `policyExceptions` setting, read from its Pulumi.<stack>.yaml."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]
    path = ROOT / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text()) if path.exists() else None
    config: dict[str, Any] = (document or {}).get("config") or {}
    return registry.parse_exceptions(config.get(f"{project}:policyExceptions"))


@pytest.mark.parametrize("stack", sorted(PLATFORM))
def test_stack_has_no_blocking_findings(stack: str) -> None:
    resources = planned(stack).resources()
    assert {r["type"] for r in resources} >= {PLATFORM[stack], "aws:s3/bucket:Bucket"}
    assert all({"type", "name", "inputs"} <= set(r) for r in resources)
    findings = registry.evaluate(resources, stack_exceptions(stack))
    blocking = [
        f"{f.policy} {f.resource_type} {f.resource_name}: {f.message}"
        for f in findings
        if f.blocking
    ]
    assert blocking == [], "\n".join(blocking)
