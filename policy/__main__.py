"""CrossGuard pack: the baseline in rules/, enforced by `pulumi preview/up --policy-pack policy`.

The Pulumi CLI runs this directory as a script with the directory on sys.path, so the `rules`
package imports at the top level. Building the policies is a function (tests import it); serving
the pack happens only when run as `__main__`, because `PolicyPack(...)` blocks forever.

Stack exceptions come from the project setting `policyExceptions` ("policy-name: reason"),
which the CLI hands to the pack as stack config. CrossGuard cannot downgrade a finding, so an
excepted policy that finds something reports itself not applicable, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
import rules.base
import rules.registry
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyPack,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

PACK_NAME = "airflow-baseline"
LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}


def plain(value: Any) -> Any:
    """CrossGuard's property proxies as plain data; unknown values become Pulumi's sentinels."""
    if isinstance(value, Secret):
        return plain(value.value)
    if isinstance(value, Mapping):
        return {str(key): plain(_item(value, key)) for key in list(value)}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [plain(_item(value, index)) for index in range(len(value))]
    return value


def _item(container: Any, key: Any) -> Any:
    try:
        return container[key]
    except UnknownValueError as error:  # the proxy refuses to hand out unknowns
        return error.unknown_type_sentinel


def _provider(provider: PolicyProviderResource | None) -> dict[str, Any]:
    return {"provider": provider.name} if provider is not None else {}


def resource_from_args(args: ResourceValidationArgs) -> dict[str, Any]:
    """The rules' resource dict for one resource under validation."""
    return {
        "type": args.resource_type,
        "name": args.name,
        "urn": args.urn,
        "inputs": plain(args.props),
        **_provider(args.provider),
    }


def resources_from_stack(args: StackValidationArgs) -> list[dict[str, Any]]:
    """The rules' resource dicts for a whole stack, including the providers they use."""
    resources: list[dict[str, Any]] = []
    for resource in args.resources:
        resources.append(_stack_resource(resource))
    seen = {(r["type"], r["name"]) for r in resources}
    for resource in args.resources:
        provider = resource.provider
        if provider is not None and (provider.resource_type, provider.name) not in seen:
            seen.add((provider.resource_type, provider.name))
            resources.append(
                {
                    "type": provider.resource_type,
                    "name": provider.name,
                    "urn": provider.urn,
                    "inputs": plain(provider.props),
                }
            )
    return resources


def _stack_resource(resource: PolicyResource) -> dict[str, Any]:
    return {
        "type": resource.resource_type,
        "name": resource.name,
        "urn": resource.urn,
        "inputs": plain(resource.props),
        "propertyDependencies": {
            key: [dependency.name for dependency in dependencies]
            for key, dependencies in resource.property_dependencies.items()
        },
        **_provider(resource.provider),
    }


def stack_exceptions() -> dict[str, str]:
    """The stack's `policyExceptions` setting; none outside a Pulumi run."""
    try:
        entries = pulumi.Config().get_object("policyExceptions")
    except Exception:  # no project or stack configured (e.g. under unit tests)
        return {}
    return rules.registry.parse_exceptions(entries) if entries else {}


def _excuse(policy: rules.base.Policy, not_applicable: Callable[[str], None]) -> None:
    reason = stack_exceptions().get(policy.name)
    if reason is not None:
        not_applicable(f"excepted by policyExceptions: {reason}")


def _resource_validation(
    policy: rules.base.Policy,
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    check = policy.check
    assert check is not None

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in policy.resource_types:
            return
        messages = check(resource_from_args(args))
        if messages:
            _excuse(policy, args.not_applicable)
        for message in messages:
            report_violation(message, None)

    return validate


def _stack_validation(
    policy: rules.base.Policy,
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    check = policy.stack_check
    assert check is not None

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = resources_from_stack(args)
        findings = check(resources)
        if findings:
            _excuse(policy, args.not_applicable)
        urns = {r["name"]: r.get("urn") for r in resources}
        for name, message in findings:
            report_violation(f"{name}: {message}", urns.get(name))

    return validate


def build_policies() -> list[Policy]:
    """One CrossGuard policy per rule, at the rule's enforcement level."""
    built: list[Policy] = []
    for policy in rules.registry.POLICIES:
        level = LEVELS[policy.level]
        if policy.check is not None:
            built.append(
                ResourceValidationPolicy(
                    name=policy.name,
                    description=policy.description,
                    validate=_resource_validation(policy),
                    enforcement_level=level,
                )
            )
        else:
            built.append(
                StackValidationPolicy(
                    name=policy.name,
                    description=policy.description,
                    validate=_stack_validation(policy),
                    enforcement_level=level,
                )
            )
    return built


if __name__ == "__main__":
    PolicyPack(
        name=PACK_NAME,
        policies=build_policies(),
        enforcement_level=EnforcementLevel.MANDATORY,
        description="Security baseline for Apache Airflow on AWS (MWAA and EKS).",
    )
