"""The registry (policy/rules/registry.py) holds every rule of every concern module, once, and
applies a stack's exceptions; the package stays loadable by the CrossGuard pack (which has
neither the project nor its dependencies on its path)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import pytest
from policy_cases import TAGS, PolicyTable, database

import policy.rules
from policy.rules import registry
from tests.conftest import absolute_imports

RULES_DIR = Path(policy.rules.__file__).parent
NOT_CONCERNS = {"base", "companions", "registry"}


def concern_modules() -> list[str]:
    names = (info.name for info in pkgutil.iter_modules([str(RULES_DIR)]))
    return sorted(name for name in names if name not in NOT_CONCERNS)


def test_every_concern_module_is_registered_in_full() -> None:
    registered = [p.name for p in registry.POLICIES]
    declared = []
    for name in concern_modules():
        module = importlib.import_module(f"policy.rules.{name}")
        names = [p.name for p in module.POLICIES]
        assert names, f"policy.rules.{name} declares no POLICIES"
        assert names[0] in registered, f"policy.rules.{name} is not in the registry"
        start = registered.index(names[0])  # a module's rules stay together, in its order
        assert registered[start : start + len(names)] == names, f"{name} is registered in part"
        declared += names
    assert sorted(declared) == sorted(registered)
    assert len(set(registered)) == len(registered)


def test_every_concern_module_has_its_table_tests() -> None:
    for name in concern_modules():
        tests = importlib.import_module(f"test_policy_{name}")  # tests/policy/ is on sys.path
        tables = [
            c
            for c in vars(tests).values()
            if isinstance(c, type) and issubclass(c, PolicyTable) and c is not PolicyTable
        ]
        assert [c.module for c in tables] == [importlib.import_module(f"policy.rules.{name}")], (
            f"tests/policy/test_policy_{name}.py has no PolicyTable for policy.rules.{name}"
        )


def test_policy_names_are_unique() -> None:
    assert len(registry.POLICIES) >= 15
    assert len(registry.POLICY_NAMES) == len(registry.POLICIES)


def test_evaluate_applies_exceptions() -> None:
    resources = [database(multiAz=False, storageEncrypted=False, tags=TAGS)]
    exceptions = registry.parse_exceptions(
        ["rds-storage-encrypted: restored from a legacy snapshot"]
    )
    by_policy = {f.policy: f for f in registry.evaluate(resources, exceptions)}
    assert by_policy["rds-storage-encrypted"].excepted == "restored from a legacy snapshot"
    assert not by_policy["rds-storage-encrypted"].blocking
    assert by_policy["rds-multi-az"].excepted is None
    assert [f.policy for f in registry.evaluate(resources) if f.blocking] == [
        "rds-storage-encrypted"
    ]


def test_evaluate_rejects_exceptions_for_unknown_policies() -> None:
    with pytest.raises(ValueError, match="no-such-policy"):
        registry.evaluate([], {"no-such-policy": "typo"})


def test_parse_exceptions_reports_each_mistake_on_its_own_line() -> None:
    entries = [
        "rds-multi-az",
        "nope: why",
        "kms-key-policy:  ",
        "mwaa-logging: a",
        "mwaa-logging: b",
    ]
    with pytest.raises(ValueError) as error:
        registry.parse_exceptions(entries)
    assert str(error.value).splitlines() == [
        "policyExceptions[0]: expected 'policy-name: reason', got 'rds-multi-az'",
        "policyExceptions[1]: unknown policy 'nope'",
        "policyExceptions[2]: kms-key-policy needs a reason after the colon",
        "policyExceptions[4]: mwaa-logging is excepted twice",
    ]
    assert registry.parse_exceptions(None) == {}


def test_rules_import_only_each_other_and_the_standard_library() -> None:
    # Sibling modules come in relatively: that works as `policy.rules` and as the pack's `rules`.
    for path in sorted(RULES_DIR.glob("*.py")):
        for name in absolute_imports(path):
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top == "__future__", (
                f"{path.name} imports {name}: the pack's environment has only pulumi"
            )
