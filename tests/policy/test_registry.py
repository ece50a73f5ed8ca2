"""The registry holds every rule of every concern module, once, and the package stays loadable
by the CrossGuard pack (which has neither the project nor its dependencies on its path)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

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


def test_rules_import_only_each_other_and_the_standard_library() -> None:
    # Sibling modules come in relatively: that works as `policy.rules` and as the pack's `rules`.
    for path in sorted(RULES_DIR.glob("*.py")):
        for name in absolute_imports(path):
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top == "__future__", (
                f"{path.name} imports {name}: the pack's environment has only pulumi"
            )
