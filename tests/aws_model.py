"""Check arguments the program sends against AWS's own API model (botocore), so a value
AWS would reject (a missing member, an enum, a pattern, a range) fails here first."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape

# Inputs that belong to the Pulumi provider, not to the AWS API call.
PROVIDER_ONLY = {"region", "tagsAll"}


def operation_input(service: str, operation: str) -> StructureShape:
    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape
    assert isinstance(shape, StructureShape)
    return shape


def to_api(shape: Shape, value: Any) -> Any:
    """Pulumi's camelCase inputs renamed to the API's member names, recursively."""
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        members = {m.lower(): m for m in shape.members}
        out = {}
        for key, item in value.items():
            if key in PROVIDER_ONLY:
                continue
            member = members.get(key.lower())
            if member is None:
                raise AssertionError(f"{key} is not a member of {shape.name}")
            out[member] = to_api(shape.members[member], item)
        return out
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [to_api(shape.member, v) for v in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {k: to_api(shape.value, v) for k, v in value.items()}
    if shape.type_name in {"integer", "long"} and isinstance(value, float) and value.is_integer():
        return int(value)  # numbers cross Pulumi's wire as doubles; the provider converts
    return value


def problems(shape: Shape, value: Any, where: str = "") -> list[str]:
    """Every way `value` breaks `shape` (empty when AWS would accept it)."""
    check = _CHECKS.get(type(shape)) or _SCALARS.get(shape.type_name)
    return check(shape, value, where) if check else []


def _structure(shape: Any, value: Any, where: str) -> list[str]:
    if shape.metadata.get("document"):
        # A document member (e.g. InvokeRestApi's Body) is any JSON value.
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            return [f"{where}: not a JSON document"]
        return []
    if not isinstance(value, dict):
        return [f"{where or shape.name}: expected a structure"]
    found = [f"{where}.{n}: required" for n in shape.required_members if n not in value]
    for name, item in value.items():
        found += problems(shape.members[name], item, f"{where}.{name}")
    return found


def _list(shape: Any, value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        return [f"{where}: expected a list"]
    found = _bounds(len(value), shape.metadata, where, "items")
    for i, item in enumerate(value):
        found += problems(shape.member, item, f"{where}[{i}]")
    return found


def _map(shape: Any, value: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected a map"]
    found = _bounds(len(value), shape.metadata, where, "entries")
    for key, item in value.items():
        found += problems(shape.key, key, f"{where}.<key {key}>")
        found += problems(shape.value, item, f"{where}[{key}]")
    return found


def _string(shape: Any, value: Any, where: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{where}: expected a string, got {value!r}"]
    meta = shape.metadata
    found = _bounds(len(value), meta, where, "characters")
    if shape.enum and value not in shape.enum:
        found.append(f"{where}: {value!r} is not one of {shape.enum}")
    if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
        found.append(f"{where}: {value!r} does not match {meta['pattern']}")
    return found


def _integer(shape: Any, value: Any, where: str) -> list[str]:
    if not isinstance(value, int) or isinstance(value, bool):
        return [f"{where}: expected an integer, got {value!r}"]
    return _bounds(value, shape.metadata, where, "")


def _number(shape: Any, value: Any, where: str) -> list[str]:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return [f"{where}: expected a number, got {value!r}"]
    return _bounds(value, shape.metadata, where, "")


def _boolean(shape: Any, value: Any, where: str) -> list[str]:
    return [] if isinstance(value, bool) else [f"{where}: expected true/false, got {value!r}"]


_CHECKS: dict[type, Callable[[Any, Any, str], list[str]]] = {
    StructureShape: _structure,
    ListShape: _list,
    MapShape: _map,
}
_SCALARS: dict[str, Callable[[Any, Any, str], list[str]]] = {
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "double": _number,
    "float": _number,
    "boolean": _boolean,
}


def _bounds(n: float, meta: dict[str, Any], where: str, unit: str) -> list[str]:
    out = []
    if "min" in meta and n < meta["min"]:
        out.append(f"{where}: {n} {unit} is below the minimum {meta['min']}".replace("  ", " "))
    if "max" in meta and n > meta["max"]:
        out.append(f"{where}: {n} {unit} is above the maximum {meta['max']}".replace("  ", " "))
    return out
