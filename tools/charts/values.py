"""Values against the chart: keys the chart does not declare, keys it marks deprecated."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def undeclared_paths(
    values: Mapping[str, Any], defaults: Any, schema: Mapping[str, Any] | None
) -> list[tuple[str, ...]]:
    """Paths the program sets that neither the chart's values.yaml nor its schema declares.
    Below a key whose default is an empty map (annotations, nodeSelector) or whose schema is a
    free-form map (`additionalProperties`), any key is declared."""
    found: list[tuple[str, ...]] = []

    def free(default: Any, node: Mapping[str, Any] | None) -> bool:
        if node is not None and node.get("additionalProperties") not in (None, False):
            return True
        empty_default = not isinstance(default, Mapping) or not default
        return empty_default and (node is None or not node.get("properties"))

    def walk(value: Mapping[str, Any], default: Any, node: Any, path: tuple[str, ...]) -> None:
        node = node if isinstance(node, Mapping) else None
        if free(default, node):
            return
        props = (node or {}).get("properties") or {}
        for key, sub in value.items():
            in_default = isinstance(default, Mapping) and key in default
            if not in_default and key not in props:
                found.append((*path, key))
            elif isinstance(sub, Mapping):
                walk(sub, default[key] if in_default else None, props.get(key), (*path, key))

    walk(values, defaults, schema, ())
    return found


def deprecated_paths(
    values: Mapping[str, Any], schema: Mapping[str, Any] | None
) -> list[tuple[str, str]]:
    """Paths the program sets that the chart's schema marks deprecated (its descriptions say
    "(deprecated, use `...` instead)"), each with that description. A deprecated key is still
    read, so the ignored-key check cannot see it; the next chart release drops it."""
    found: list[tuple[str, str]] = []

    def walk(value: Mapping[str, Any], node: Any, path: tuple[str, ...]) -> None:
        props = node.get("properties") if isinstance(node, Mapping) else None
        for key, sub in value.items():
            child = (props or {}).get(key)
            if not isinstance(child, Mapping):
                continue
            description = str(child.get("description") or "")
            if "deprecated" in description.lower():
                found.append((".".join((*path, key)), description))
            elif isinstance(sub, Mapping):
                walk(sub, child, (*path, key))

    walk(values, schema, ())
    return found


def without(values: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    out = copy.deepcopy(dict(values))
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out
