"""Stack checks that need a companion: a resource configured by others that point at it.

A bucket is versioned by a `BucketVersioning`, a VPC logged by a `FlowLog`: the companion links
to its target through one input (`bucket`, `vpcId`) holding the target's logical name, `id`,
physical name or ARN, else through that input's property dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .base import UNKNOWN, Resource, StackCheck, Verdict, as_list, dig, inputs_of, is_unknown


def _identifiers(resource: Resource) -> set[str]:
    """The names by which another resource may point at this one."""
    inputs = inputs_of(resource)
    candidates = [resource.get("name"), resource.get("id"), resource.get("urn")]
    candidates += [dig(inputs, key) for key in ("bucket", "arn", "id")]
    return {c for c in candidates if isinstance(c, str) and c and not is_unknown(c)}


def _link(
    companions: Sequence[Resource], targets: Sequence[Resource], key: str
) -> tuple[dict[str, list[Resource]], bool]:
    """Targets' logical names -> companions pointing at them via input `key`.

    The flag is True when some companion points at a target nobody can know yet (an unknown
    value without property dependencies): then a missing companion cannot be proven.
    """
    by_identifier: dict[str, str] = {}
    for target in targets:
        for identifier in _identifiers(target):
            by_identifier.setdefault(identifier, target["name"])
    linked: dict[str, list[Resource]] = {target["name"]: [] for target in targets}
    undecided = False
    for companion in companions:
        value = dig(inputs_of(companion), key)
        hits = set()
        if isinstance(value, str) and value in by_identifier:
            hits.add(by_identifier[value])
        if not hits:
            dependencies = dig(companion.get("propertyDependencies") or {}, key)
            hits = {name for name in as_list(dependencies) if name in linked}
        if not hits and value is UNKNOWN:
            undecided = True
        for name in hits:
            linked[name].append(companion)
    return linked, undecided


def companion_rule(
    target_types: frozenset[str],
    companion_types: frozenset[str],
    key: str,
    missing: str,
    judge: Callable[[Resource], Verdict],
) -> StackCheck:
    """Every target has a companion (via input `key`) that the judge accepts."""

    def check(resources: Sequence[Resource]) -> list[tuple[str, str]]:
        targets = [r for r in resources if r.get("type") in target_types]
        companions = [r for r in resources if r.get("type") in companion_types]
        linked, undecided = _link(companions, targets, key)
        findings: list[tuple[str, str]] = []
        for target in targets:
            found = linked[target["name"]]
            if not found:
                if not undecided:
                    findings.append((target["name"], missing))
                continue
            verdicts = [(companion["name"], judge(companion)) for companion in found]
            if any(v is None or v is UNKNOWN for _, v in verdicts):
                continue
            findings.extend((name, v) for name, v in verdicts if isinstance(v, str))
        return findings

    return check


def with_v2_twins(*names: str) -> frozenset[str]:
    """Type tokens, each with its deprecated `...V2` twin that pulumi-aws 7 still ships."""
    tokens = set(names)
    for name in names:
        module, kind = name.rsplit(":", 1)
        head, member = module.rsplit("/", 1)
        tokens.add(f"{head}/{member}V2:{kind}V2")
    return frozenset(tokens)


def accept(_resource: Resource) -> Verdict:
    """A judge for rules where the companion's presence is all that counts."""
    return None
