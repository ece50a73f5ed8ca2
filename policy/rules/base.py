"""What every rule shares: the resource and policy model, and reading values that may be unknown.

A resource is a plain dict, the same whether it comes from the offline plan (the inputs that
`pulumi.runtime.Mocks.new_resource` receives) or from CrossGuard (`args.props`):

    {
        "type": "aws:s3/bucket:Bucket",       # Pulumi type token
        "name": "airflow-dags",               # logical name
        "inputs": {...},                      # input properties, camelCase at every depth
        # optional:
        "provider": "aws-tagged",             # logical name (or reference) of an explicit provider
        "id": "airflow-dags-1a2b",            # physical id, when known (mocks return one)
        "urn": "urn:pulumi:...",
        "propertyDependencies": {"bucket": ["airflow-dags"]},  # input -> logical names
    }

Rules judge only what they can see. A value that is unknown during preview (Pulumi's sentinel
strings, see UNKNOWN_SENTINELS) means "cannot tell" and never produces a finding; an absent
input means the AWS default, which is judged like any other value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

Level = Literal["mandatory", "advisory"]
Resource = Mapping[str, Any]
ResourceCheck = Callable[[Resource], list[str]]
StackCheck = Callable[[Sequence[Resource]], list[tuple[str, str]]]

# Pulumi's sentinels for values not known during preview: pulumi/runtime/rpc.py `UNKNOWN` and
# the typed variants in pulumi_policy/proxy.py.
UNKNOWN_SENTINELS: Final = frozenset(
    {
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (also the SDK's generic UNKNOWN)
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)

OPEN_CIDRS: Final = frozenset({"0.0.0.0/0", "::/0"})

_KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Unknown:
    """Marks a value Pulumi cannot know yet: the rule cannot tell, so it stays silent."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = Unknown()
Verdict = str | Unknown | None  # a problem, cannot tell, or fine


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """One rule of the baseline: a per-resource check or a stack check, never both."""

    name: str
    description: str
    level: Level
    resource_types: frozenset[str] = frozenset()
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None

    def __post_init__(self) -> None:
        if not _KEBAB.match(self.name):
            raise ValueError(f"policy name {self.name!r} is not kebab-case")
        if self.level not in ("mandatory", "advisory"):
            raise ValueError(f"policy {self.name}: level {self.level!r} is not mandatory/advisory")
        if (self.check is None) == (self.stack_check is None):
            raise ValueError(f"policy {self.name}: give exactly one of check and stack_check")
        if self.check is not None and not self.resource_types:
            raise ValueError(f"policy {self.name}: a per-resource check needs resource_types")


@dataclass(frozen=True)
class Finding:
    """A policy violation on one resource; `excepted` holds the reason when the stack excepts it."""

    policy: str
    level: Level
    resource_type: str
    resource_name: str
    message: str
    excepted: str | None = None

    @property
    def blocking(self) -> bool:
        """True when this finding must stop a deployment."""
        return self.level == "mandatory" and self.excepted is None


# ---------------------------------------------------------------------------------------------
# Reading values
# ---------------------------------------------------------------------------------------------


def is_unknown(value: object) -> bool:
    """True for values Pulumi cannot know during preview."""
    return value is UNKNOWN or (isinstance(value, str) and value in UNKNOWN_SENTINELS)


def dig(obj: Any, *path: str | int) -> Any:
    """The value at `path`: None when absent, UNKNOWN when it (or a parent) is unknown."""
    for key in path:
        if is_unknown(obj):
            return UNKNOWN
        if isinstance(key, int):
            if not is_list(obj) or key >= len(obj):
                return None
            obj = obj[key]
        elif isinstance(obj, Mapping):
            obj = obj.get(key)
        else:
            return None
    return UNKNOWN if is_unknown(obj) else obj


def is_list(value: object) -> bool:
    """A list-like value (not a string)."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def as_list(value: object) -> list[Any]:
    """The value as a list: [] for None, [value] for a scalar."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return [value]


def is_set(value: object) -> bool:
    """Set to something: an unknown value will be set too, just not known yet."""
    return value is not None and value not in ("", [], {})


def inputs_of(resource: Resource) -> Mapping[str, Any]:
    """The resource's input properties ({} when absent)."""
    inputs = resource.get("inputs")
    return inputs if isinstance(inputs, Mapping) else {}


def number(value: object) -> float | None:
    """The value as a number, None when it is not one (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def policy_document(value: object) -> Mapping[str, Any] | Unknown | None:
    """An IAM-style policy document given as a dict or a JSON string."""
    if value is None or value == "":
        return None
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, str):
        if any(sentinel in value for sentinel in UNKNOWN_SENTINELS):
            return UNKNOWN
        try:
            value = json.loads(value)
        except ValueError:
            return UNKNOWN  # AWS rejects malformed JSON; nothing for a baseline rule to judge
    return value if isinstance(value, Mapping) else UNKNOWN


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The known statements of a policy document."""
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def principal_is_public(principal: object) -> bool:
    """True for `*` or an AWS principal list containing `*`."""
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return "*" in as_list(principal.get("AWS"))
    return False


def condition_keys(statement: Mapping[str, Any]) -> list[str]:
    """The condition keys of a statement, lower-cased."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return []
    return [
        key.lower()
        for operator in condition.values()
        if isinstance(operator, Mapping)
        for key in operator
    ]


def must_be_true(resource: Resource, path: Sequence[str], message: str) -> list[str]:
    """[message] unless the input at `path` is true (or unknown)."""
    value = dig(inputs_of(resource), *path)
    return [] if value is UNKNOWN or value is True else [message]


def must_be_set(resource: Resource, path: Sequence[str], message: str) -> list[str]:
    """[message] unless the input at `path` is set (or unknown)."""
    return [] if is_set(dig(inputs_of(resource), *path)) else [message]


# ---------------------------------------------------------------------------------------------
# Declaring rules
# ---------------------------------------------------------------------------------------------


def resource_rule(
    name: str, level: Level, types: Iterable[str], check: ResourceCheck, description: str
) -> Policy:
    """A per-resource policy on the given resource types."""
    return Policy(name, description, level, resource_types=frozenset(types), check=check)


def stack_rule(name: str, level: Level, check: StackCheck, description: str) -> Policy:
    """A policy that judges the whole stack at once."""
    return Policy(name, description, level, stack_check=check)
