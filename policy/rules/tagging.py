"""The tagging rule: every taggable AWS resource carries the required tags, itself or through its
provider's default tags."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from .base import (
    UNKNOWN,
    Policy,
    Resource,
    Unknown,
    as_list,
    dig,
    inputs_of,
    is_set,
    is_unknown,
    stack_rule,
)

REQUIRED_TAGS: Final = ("Project", "Environment", "ManagedBy", "Owner", "CostCenter")
AWS_PROVIDER: Final = "pulumi:providers:aws"
# The AWS provider does not apply default tags to Auto Scaling groups.
NO_DEFAULT_TAGS: Final = frozenset({"aws:autoscaling/group:Group"})


def _load_taggable_types() -> frozenset[str]:
    path = Path(__file__).with_name("taggable_types.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# Every pulumi-aws resource type whose inputs include `tags` (generated from the installed SDK
# by policy/gen_taggable_types.py; a test keeps the list current).
TAGGABLE_TYPES: Final = _load_taggable_types()


def _tag_keys(tags: object) -> set[str] | Unknown:
    """Keys with a value, from a tag map or an Auto Scaling style list of {key, value}."""
    if is_unknown(tags):
        return UNKNOWN
    if isinstance(tags, Mapping):
        return {k for k, v in tags.items() if is_set(v)}
    keys = set()
    for item in as_list(tags):
        if isinstance(item, Mapping) and is_set(dig(item, "value")):
            key = dig(item, "key")
            if isinstance(key, str) and not is_unknown(key):
                keys.add(key)
    return keys


def _provider_name(reference: object) -> str | None:
    """A provider's logical name from a name or a `urn:pulumi:...::name::id` reference."""
    if not isinstance(reference, str) or not reference:
        return None
    if reference.startswith("urn:pulumi:"):
        parts = reference.split("::")
        return parts[3] if len(parts) > 3 else None
    return reference


def _default_tags(provider: Resource) -> set[str] | Unknown:
    value = dig(inputs_of(provider), "defaultTags")
    if isinstance(value, str) and not is_unknown(value):
        try:  # provider inputs travel as JSON strings
            value = json.loads(value)
        except ValueError:
            return UNKNOWN
    return _tag_keys(dig(value, "tags"))


def check_required_tags(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    """Each taggable AWS resource carries the required tags, itself or via its provider."""
    providers = {r["name"]: r for r in resources if r.get("type") == AWS_PROVIDER}
    findings = []
    for resource in resources:
        kind = resource.get("type")
        if kind not in TAGGABLE_TYPES:
            continue
        keys = _tag_keys(dig(inputs_of(resource), "tags"))
        if "tagsAll" in inputs_of(resource):  # a refreshed state already merges provider tags
            keys = _union(keys, _tag_keys(dig(inputs_of(resource), "tagsAll")))
        provider = _provider_name(resource.get("provider"))
        if provider is not None and kind not in NO_DEFAULT_TAGS:
            if provider not in providers:
                continue  # its default tags are out of sight: cannot tell
            keys = _union(keys, _default_tags(providers[provider]))
        if isinstance(keys, Unknown):
            continue
        missing = [tag for tag in REQUIRED_TAGS if tag not in keys]
        if missing:
            where = "itself or in its provider's defaultTags"
            findings.append((resource["name"], f"missing tags {', '.join(missing)} ({where})"))
    return findings


def _union(a: set[str] | Unknown, b: set[str] | Unknown) -> set[str] | Unknown:
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return UNKNOWN
    return a | b


POLICIES: Final[tuple[Policy, ...]] = (
    stack_rule(
        "required-tags",
        "mandatory",
        check_required_tags,
        f"Every taggable AWS resource carries {', '.join(REQUIRED_TAGS)} "
        "(its own tags plus its provider's defaultTags).",
    ),
)
