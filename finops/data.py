"""Price list and usage assumptions, loaded from the YAML files beside this module.

Prices are facts with a source; usage is a guess with a reason. Both are plain data so
that a reviewer can check them without reading code, and a stack can override usage.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
PRICES_FILE = HERE / "prices.yaml"
USAGE_FILE = HERE / "usage.yaml"

# What the Pulumi engine puts where a value is not known yet (preview, or mocks of outputs).
UNKNOWN = "04da6b54-80a4-46f7-96ec-b56ff0331ba9"


@cache
def _load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected a mapping at the top level")
    return data


def price_book() -> dict[str, Any]:
    """The whole of prices.yaml (a fresh copy: callers may not mutate the cache)."""
    return copy.deepcopy(_load_yaml(PRICES_FILE))


def region_prices(region: str) -> dict[str, Any]:
    """Prices for one region; KeyError naming the regions that are priced."""
    regions = _load_yaml(PRICES_FILE)["regions"]
    if region not in regions:
        raise KeyError(f"no prices for region {region!r}; priced regions: {sorted(regions)}")
    return copy.deepcopy(regions[region])


def hours_per_month() -> float:
    return float(_load_yaml(PRICES_FILE)["hours_per_month"])


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Mapping `override` laid over `base`, recursively; lists and scalars are replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def usage_defaults() -> dict[str, Any]:
    """The documented default usage assumptions (usage.yaml `defaults`)."""
    return copy.deepcopy(_load_yaml(USAGE_FILE)["defaults"])


def stack_usage(stack: str) -> dict[str, Any]:
    """The per-stack overrides in usage.yaml `stacks.<stack>` (empty when none)."""
    stacks = _load_yaml(USAGE_FILE).get("stacks") or {}
    return copy.deepcopy(stacks.get(stack) or {})


def resolve_usage(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults with `overrides` laid over them."""
    return deep_merge(usage_defaults(), overrides or {})


def is_unknown(value: Any) -> bool:
    return value is None or value == UNKNOWN


def dig(data: Any, path: str) -> Any:
    """`data[a][b][c]` for path "a.b.c", or None when any step is missing or unknown.

    Keys that themselves contain dots (Kubernetes annotations) are reached with
    `data.get(...)` directly, not through this helper.
    """
    current = data
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
        if is_unknown(current):
            return None
    return current
