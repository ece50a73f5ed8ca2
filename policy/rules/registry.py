"""The baseline: every rule in one ordered list, and how a stack is judged against it.

The order (data stores, Kubernetes, MWAA, IAM, network, tagging) is the order of the findings
in the plan and of the policies in the CrossGuard pack.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from . import data_stores, iam, kubernetes, mwaa, network, tagging
from .base import Finding, Policy, Resource

POLICIES: Final[tuple[Policy, ...]] = (
    *data_stores.POLICIES,
    *kubernetes.POLICIES,
    *mwaa.POLICIES,
    *iam.POLICIES,
    *network.POLICIES,
    *tagging.POLICIES,
)

POLICY_NAMES: Final = frozenset(p.name for p in POLICIES)


def parse_exceptions(entries: Iterable[object] | None) -> dict[str, str]:
    """Parse the `policyExceptions` setting: a list of "policy-name: reason" strings."""
    exceptions: dict[str, str] = {}
    errors = []
    for index, entry in enumerate(entries or []):
        where = f"policyExceptions[{index}]"
        if not isinstance(entry, str) or ":" not in entry:
            errors.append(f"{where}: expected 'policy-name: reason', got {entry!r}")
            continue
        name, reason = (part.strip() for part in entry.split(":", 1))
        if name not in POLICY_NAMES:
            errors.append(f"{where}: unknown policy {name!r}")
        elif not reason:
            errors.append(f"{where}: {name} needs a reason after the colon")
        elif name in exceptions:
            errors.append(f"{where}: {name} is excepted twice")
        else:
            exceptions[name] = reason
    if errors:
        raise ValueError("\n".join(errors))
    return exceptions


def _resource_findings(policy: Policy, resources: Sequence[Resource]) -> list[tuple[str, str, str]]:
    if policy.check is not None:
        return [
            (str(r.get("type")), str(r.get("name")), message)
            for r in resources
            if r.get("type") in policy.resource_types
            for message in policy.check(r)
        ]
    assert policy.stack_check is not None
    types = {r.get("name"): str(r.get("type")) for r in resources}
    return [(types.get(name, ""), name, msg) for name, msg in policy.stack_check(resources)]


def evaluate(
    resources: Sequence[Resource], exceptions: Mapping[str, str] | None = None
) -> list[Finding]:
    """Judge planned resources against every policy; excepted findings carry the reason."""
    exceptions = exceptions or {}
    unknown = sorted(set(exceptions) - POLICY_NAMES)
    if unknown:
        raise ValueError(f"policy exceptions name unknown policies: {', '.join(unknown)}")
    return [
        Finding(policy.name, policy.level, kind, name, message, exceptions.get(policy.name))
        for policy in POLICIES
        for kind, name, message in _resource_findings(policy, resources)
    ]
