"""Render the settings model as `Pulumi.yaml`'s `config:` block and as the settings page's table.

The settings model is the single source of truth; `make config-docs` rewrites both (`Pulumi.yaml`
and `docs/settings.md`, the documentation site's settings reference) and a test fails when
either drifts from the model.

    python -m tools.config_docs --write
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from components.settings import ARCHITECTURE_DEFAULTS, GROUPS

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PAGE = ROOT / "docs" / "settings.md"
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"


def _type(field: FieldInfo) -> dict[str, Any]:
    annotation = field.annotation
    if get_origin(annotation) is tuple:
        item = get_args(annotation)[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            # Pulumi's project schema types arrays of primitives only, and validates a stack's
            # value only against an explicit type: a list of objects stays untyped there
            # (the settings model checks every entry).
            return {}
        return {"type": "array", "items": {"type": "integer" if item is int else "string"}}
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is int:
        return {"type": "integer"}
    return {"type": "string"}


def _default(field: FieldInfo) -> Any:
    value = field.default
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return list(value) if isinstance(value, tuple) else value


def config_block() -> dict[str, dict[str, Any]]:
    """Every project setting with type, description and default (when it has one)."""
    block: dict[str, dict[str, Any]] = {}
    for group in GROUPS.values():
        for field in group.model_fields.values():
            key = str(field.alias)
            entry = {**_type(field), "description": field.description or ""}
            if key in ARCHITECTURE_DEFAULTS["mwaa"]:
                per_arch = ", ".join(f"{a}: {d[key]}" for a, d in ARCHITECTURE_DEFAULTS.items())
                entry["description"] += f" (Architecture defaults {per_arch}.)"
            if not field.is_required():
                entry["default"] = _default(field)
            block[key] = entry
    return block


def render_pulumi_yaml(current: str) -> str:
    """`Pulumi.yaml` with its config block regenerated, the rest kept."""
    head = current.split("\nconfig:", 1)[0].rstrip() + "\n"
    body = yaml.safe_dump({"config": config_block()}, sort_keys=False, width=100)
    return head + body


def settings_table() -> str:
    rows = ["| setting | type | default | description |", "|---|---|---|---|"]
    for key, entry in config_block().items():
        kind = entry.get("type", "array of object")
        kind += f" of {entry['items']['type']}" if kind == "array" else ""
        default = entry.get("default", "per architecture" if key != "architecture" else "required")
        shown = f"`{default!r}`" if "default" in entry else default
        rows.append(f"| `{key}` | {kind} | {shown} | {entry['description']} |")
    return "\n".join(rows)


def render_settings_page(current: str) -> str:
    """`docs/settings.md` with the table between its markers regenerated, the rest kept."""
    before, rest = current.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    return f"{before}{BEGIN}\n{settings_table()}\n{END}{after}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the files in place")
    args = parser.parse_args()
    stale = []
    for path, render in (
        (ROOT / "Pulumi.yaml", render_pulumi_yaml),
        (SETTINGS_PAGE, render_settings_page),
    ):
        current = path.read_text()
        wanted = render(current)
        if current != wanted:
            stale.append(str(path.relative_to(ROOT)))
            if args.write:
                path.write_text(wanted)
    if stale and not args.write:
        print(f"out of date: {', '.join(stale)} (run make config-docs)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
