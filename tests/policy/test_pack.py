"""The CrossGuard pack wraps every rule at its level and feeds the rules plain data."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi.config
import pulumi.runtime.config
import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import unknown_checking_proxy

from policy import gen_taggable_types
from policy.rules import registry, tagging

PACK_DIR = Path(__file__).resolve().parents[2] / "policy"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
Violations = list[tuple[str, str | None]]
OPTIONS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


@pytest.fixture(scope="module")
def pack() -> ModuleType:
    """policy/__main__.py loaded the way the CLI runs it: its directory on sys.path."""
    sys.path.insert(0, str(PACK_DIR))
    try:
        spec = importlib.util.spec_from_file_location("policy_pack_main", PACK_DIR / "__main__.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # __name__ is not "__main__": no PolicyPack is served
    finally:
        sys.path.remove(str(PACK_DIR))
    return module


def by_name(pack: ModuleType) -> dict[str, Any]:
    return {p.name: p for p in pack.build_policies()}


def test_every_rule_is_wrapped_at_its_level(pack: ModuleType) -> None:
    built = by_name(pack)
    assert len(built) == len(registry.POLICIES)
    for rule in registry.POLICIES:
        policy = built[rule.name]
        kind = ResourceValidationPolicy if rule.check else StackValidationPolicy
        assert isinstance(policy, kind), rule.name
        expected = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}
        assert policy.enforcement_level == expected[rule.level], rule.name
        assert policy.description == rule.description


def resource_args(kind: str, props: dict[str, Any]) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        kind,
        unknown_checking_proxy(props),
        f"urn:pulumi:dev::airflow::{kind}::r",
        "r",
        OPTIONS,
        None,
    )


def validate(policy: Any, args: Any) -> Violations:
    violations: Violations = []
    policy.validate(args, lambda message, urn=None: violations.append((message, urn)))
    return violations


INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def test_resource_policy_reports_through_crossguard(pack: ModuleType) -> None:
    policy = by_name(pack)["sg-no-public-admin-ports"]
    props = {"ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrIpv4": "0.0.0.0/0"}
    assert validate(policy, resource_args(INGRESS, props)) == [
        ("ingress from 0.0.0.0/0 opens admin port(s) 22", None)
    ]
    assert validate(policy, resource_args("aws:s3/bucket:Bucket", props)) == []


def test_unknown_props_reach_the_rules_as_sentinels(pack: ModuleType) -> None:
    policy = by_name(pack)["sg-no-public-admin-ports"]
    props = {"ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrIpv4": UNKNOWN}
    # The proxy would raise UnknownValueError on access; the pack must read around it.
    assert validate(policy, resource_args(INGRESS, props)) == []
    nested = {"ingress": [{"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0,
                           "cidrBlocks": [UNKNOWN, "0.0.0.0/0"]}]}  # fmt: skip
    assert pack.plain(unknown_checking_proxy(nested)) == nested
    assert len(validate(policy, resource_args("aws:ec2/securityGroup:SecurityGroup", nested))) == 1


def stack_resource(
    kind: str, name: str, props: dict[str, Any], provider: PolicyProviderResource | None = None
) -> PolicyResource:
    urn = f"urn:pulumi:dev::airflow::{kind}::{name}"
    props = unknown_checking_proxy(props)
    return PolicyResource(kind, props, urn, name, OPTIONS, provider, None, [], {})


def test_stack_policy_follows_property_dependencies(pack: ModuleType) -> None:
    policy = by_name(pack)["vpc-flow-logs"]
    logged = stack_resource("aws:ec2/vpc:Vpc", "logged", {"cidrBlock": "10.0.0.0/16"})
    unlogged = stack_resource("aws:ec2/vpc:Vpc", "unlogged", {"cidrBlock": "10.1.0.0/16"})
    flow_log = stack_resource("aws:ec2/flowLog:FlowLog", "flow", {"vpcId": UNKNOWN})
    # During a first preview the VPC id is unknown: only the dependency tells which VPC it is.
    flow_log.property_dependencies["vpcId"] = [logged]
    assert validate(policy, StackValidationArgs([logged, unlogged, flow_log])) == [
        ("unlogged: no FlowLog for this VPC", "urn:pulumi:dev::airflow::aws:ec2/vpc:Vpc::unlogged")
    ]


def test_stack_policy_reads_default_tags_of_the_resources_provider(pack: ModuleType) -> None:
    policy = by_name(pack)["required-tags"]
    tags = dict.fromkeys(tagging.REQUIRED_TAGS, "x")
    provider = PolicyProviderResource(
        "pulumi:providers:aws",
        {"defaultTags": json.dumps({"tags": tags})},
        "urn:pulumi:dev::airflow::pulumi:providers:aws::default_7_51_1",
        "default_7_51_1",
    )
    topic = stack_resource("aws:sns/topic:Topic", "alerts", {}, provider)
    assert validate(policy, StackValidationArgs([topic])) == []
    provider.props = {"defaultTags": json.dumps({"tags": {"Project": "airflow"}})}
    [(message, _)] = validate(policy, StackValidationArgs([topic]))
    assert message.startswith("alerts: missing tags Environment, ManagedBy, Owner, CostCenter")


def test_excepted_policy_reports_not_applicable_with_reason(
    pack: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pulumi.config, "get_project", lambda: "airflow")
    stack_config = pulumi.runtime.config.CONFIG.get()
    monkeypatch.setitem(stack_config, "airflow:policyExceptions", '["rds-multi-az: single AZ"]')
    assert pack.stack_exceptions() == {"rds-multi-az": "single AZ"}
    policy = by_name(pack)["rds-multi-az"]
    args = resource_args("aws:rds/instance:Instance", {"multiAz": False})
    with pytest.raises(_NotApplicableError) as excused:
        validate(policy, args)
    assert excused.value.reason == "excepted by policyExceptions: single AZ"
    # A compliant resource is simply compliant, excepted or not.
    assert validate(policy, resource_args("aws:rds/instance:Instance", {"multiAz": True})) == []


def test_pack_manifest_runs_python_in_its_own_virtualenv() -> None:
    manifest = (PACK_DIR / "PulumiPolicy.yaml").read_text()
    assert re.search(
        r"^runtime:\n  name: python\n  options:\n.*virtualenv: \.venv", manifest, re.M | re.S
    )
    requirements = (PACK_DIR / "requirements.txt").read_text()
    assert re.search(r"^pulumi-policy>=1\.\d+,<2$", requirements, re.M)


def test_taggable_types_match_the_installed_sdk() -> None:
    pytest.importorskip("pulumi_aws")
    current = gen_taggable_types.taggable_types(gen_taggable_types.sdk_root())
    assert set(current) == tagging.TAGGABLE_TYPES, "run: python policy/gen_taggable_types.py"
    assert {"aws:s3/bucket:Bucket", "aws:ec2/vpc:Vpc"} <= tagging.TAGGABLE_TYPES
    assert "aws:s3/bucketPolicy:BucketPolicy" not in tagging.TAGGABLE_TYPES


def test_readme_documents_every_policy_at_its_level() -> None:
    readme = (PACK_DIR / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (mandatory|advisory) \|", readme, re.M)
    assert sorted(rows) == sorted((p.name, p.level) for p in registry.POLICIES)
