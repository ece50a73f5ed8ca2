"""Strict schema validation: Kubernetes OpenAPI schemas (kubernetes-validate) for built-in
kinds, each CRD's openAPIV3Schema for custom resources."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema
from jsonschema.validators import Draft202012Validator

from tools.charts.objects import Obj, name_of


@functools.cache
def _kube_validator(kube_version: str, api_version: str, kind: str) -> Draft202012Validator | None:
    import importlib.resources

    from referencing import Registry, Resource

    group = (
        api_version.split("/", maxsplit=1)[0].split(".", maxsplit=1)[0]
        if "/" in api_version
        else ""
    )
    version = api_version.rsplit("/", maxsplit=1)[-1]
    file = f"{kind.lower()}-{group + '-' if group else ''}{version}.json"
    base = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    folder = base / f"v{kube_version}.0-local-strict"
    if not folder.is_dir():
        raise ValueError(
            f"kubernetes-validate has no schemas for Kubernetes {kube_version}: "
            "raise its pin in requirements-dev.txt"
        )
    schema_file = folder / file
    if not schema_file.is_file():
        return None
    schema = json.loads(schema_file.read_text())
    definitions = json.loads((folder / "_definitions.json").read_text())
    registry: Registry[Any] = Resource.from_contents(schema) @ Registry()
    registry = Resource.from_contents(definitions) @ registry
    return Draft202012Validator(schema, registry=registry)


def kube_schema_problems(obj: Obj, kube_version: str) -> list[str] | None:
    """Strict Kubernetes OpenAPI validation; None when Kubernetes has no schema for the kind
    (a custom resource)."""
    validator = _kube_validator(kube_version, obj.get("apiVersion", ""), obj.get("kind", ""))
    if validator is None:
        return None
    return [_error_line(obj, e) for e in validator.iter_errors(obj)]


def crd_schemas(objects: Iterable[Obj]) -> dict[tuple[str, str], Obj]:
    """(apiVersion, kind) -> openAPIV3Schema of every CustomResourceDefinition version."""
    found = {}
    for crd in objects:
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for v in spec.get("versions", []):
            schema = (v.get("schema") or {}).get("openAPIV3Schema")
            if schema:
                found[(f"{spec['group']}/{v['name']}", spec["names"]["kind"])] = schema
    return found


def _strict(schema: Any) -> Any:
    """A CRD's structural schema as the API server applies it with strict field validation:
    unknown fields are errors unless the schema preserves them."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if out.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    return out


@functools.cache
def _crd_validator(schema_json: str) -> jsonschema.Draft7Validator:
    schema = _strict(json.loads(schema_json))
    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
    for key in ("apiVersion", "kind"):
        schema["properties"].setdefault(key, {"type": "string"})
    return jsonschema.Draft7Validator(schema)


def crd_problems(obj: Obj, schemas: Mapping[tuple[str, str], Obj]) -> list[str]:
    schema = schemas.get((obj.get("apiVersion", ""), obj.get("kind", "")))
    if schema is None:
        return [f"{name_of(obj)}: no schema (Kubernetes or CRD) for {obj.get('apiVersion')}"]
    validator = _crd_validator(json.dumps(schema, sort_keys=True))
    return [_error_line(obj, e) for e in validator.iter_errors(obj)]


def _error_line(obj: Obj, error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{name_of(obj)}: {path}: {error.message[:300]}"
