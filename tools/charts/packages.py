"""Pinned chart packages in a local cache, verified against charts.lock.yaml.

Where a package comes from, in order: the cache (if its sha256 matches the lock), the offline
copy in `../shared/reference/charts/` (or $CHARTS_REFERENCE), then `helm pull` from the chart's
repository (checked against the lock's `repositoryDigest`, else its `sha256`). A package whose
digest differs from the lock is never used.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import yaml

from components.charts import PinnedChart, lock

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(
    os.environ.get("CHARTS_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "airflow-on-aws"
)
REFERENCE = Path(os.environ.get("CHARTS_REFERENCE") or ROOT.parent / "shared/reference/charts")


class ChartPackageError(Exception):
    """A pinned package is missing or does not match the lock."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cached(pin: PinnedChart) -> Path:
    return CACHE / "charts" / pin.package


def package(pin: PinnedChart, *, pull: bool = False) -> Path:
    """The verified package of `pin`, put into the cache first if needed."""
    target = cached(pin)
    if target.exists() and sha256(target) == pin.sha256:
        return target
    source = REFERENCE / pin.package
    if source.exists():
        found = sha256(source)
        if found != pin.sha256:
            raise ChartPackageError(
                f"{source}: sha256 {found} is not the {pin.sha256} charts.lock.yaml pins"
            )
        # Copied beside, then renamed: a concurrent run never reads half a package.
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        try:
            shutil.copyfile(source, partial)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return target
    if pull:
        return _pull(pin, target)
    raise ChartPackageError(
        f"{pin.package} is not cached and {REFERENCE} has no copy: run `make charts`"
    )


def _pull(pin: PinnedChart, target: Path) -> Path:
    from tools.charts.helm import helm_binary

    with tempfile.TemporaryDirectory() as work:
        pull = [str(helm_binary()), "pull", pin.chart, "--repo", pin.repository]
        subprocess.run([*pull, "--version", pin.version, "--destination", work], check=True)
        pulled = Path(work) / pin.package
        found = sha256(pulled)
        expected = pin.repository_digest or pin.sha256
        if found != expected and not pin.repository_digest:
            raise ChartPackageError(
                f"{pin.package} from {pin.repository}: sha256 {found}, and charts.lock.yaml "
                "has no repositoryDigest for it; check that digest against the repository's "
                "index.yaml (entries.<chart>[version].digest) and record it as repositoryDigest"
            )
        if found != expected:
            raise ChartPackageError(
                f"{pin.package} from {pin.repository}: sha256 {found}, charts.lock.yaml "
                f"expects {expected}"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(pulled), target)
    return target


def unpacked(pin: PinnedChart) -> Path:
    """The verified package unpacked, for Helm to load as a directory: Helm then applies the
    chart's .helmignore as `helm package` does (the offline copies of some charts are tars of
    the source tree, which still hold the files .helmignore leaves out of published packages)."""
    target = CACHE / "unpacked" / pin.sha256 / pin.chart
    if not (target / "Chart.yaml").exists():
        # Unpacked beside, then renamed: a concurrent run never sees half a chart.
        target.parent.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=target.parent.parent))
        with tarfile.open(package(pin)) as tgz:
            tgz.extractall(work, filter="data")
        try:
            work.rename(target.parent)
        except OSError:  # another run got there first
            shutil.rmtree(work, ignore_errors=True)
    return target


def read_member(pin: PinnedChart, member: str) -> bytes:
    """A file of the pinned package, path relative to the chart directory."""
    with tarfile.open(package(pin)) as tgz:
        found = tgz.extractfile(f"{pin.chart}/{member}")
        if found is None:
            raise ChartPackageError(f"{pin.package} has no {member}")
        return found.read()


def yaml_documents(pin: PinnedChart) -> list[tuple[str, object]]:
    """Every YAML document of the package's plain files (no templates): (path, document)."""
    docs: list[tuple[str, object]] = []
    with tarfile.open(package(pin)) as tgz:
        for member in tgz.getmembers():
            if not member.isfile() or not member.name.endswith((".yaml", ".yml")):
                continue
            if "/templates/" in member.name:
                continue
            data = tgz.extractfile(member)
            assert data is not None
            try:
                loaded = list(yaml.safe_load_all(io.BytesIO(data.read())))
            except yaml.YAMLError:
                continue
            docs += [(member.name, d) for d in loaded if d is not None]
    return docs


def ensure_all(*, pull: bool = True) -> dict[str, Path]:
    """Every pinned package, verified (what `make charts` runs)."""
    return {name: package(pin, pull=pull) for name, pin in lock().items()}


def main() -> int:
    try:
        found = ensure_all()
    except (ChartPackageError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}")
        return 1
    for name, path in found.items():
        print(f"{name:<30} {lock()[name].version:<10} {path}")
    return 0


def _deep_merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: _deep_merge(base.get(k), v) for k, v in override.items()}}
    return override if override is not None else base


def declared_values(pin: PinnedChart) -> tuple[dict[str, Any], dict[str, Any]]:
    """The chart's default values and values schema, with every dependency chart's under its
    name or alias (as Helm coalesces them)."""
    files: dict[str, bytes] = {}
    with tarfile.open(package(pin)) as tgz:
        for m in tgz.getmembers():
            if m.isfile() and m.name.endswith(("Chart.yaml", "values.yaml", "values.schema.json")):
                data = tgz.extractfile(m)
                assert data is not None
                files[m.name] = data.read()

    def load(chart_dir: str) -> tuple[dict[str, Any], dict[str, Any]]:
        values = yaml.safe_load(files.get(f"{chart_dir}/values.yaml", b"") or b"{}") or {}
        schema = json.loads(files.get(f"{chart_dir}/values.schema.json", b"{}"))
        meta = yaml.safe_load(files[f"{chart_dir}/Chart.yaml"])
        for dep in meta.get("dependencies") or []:
            key = dep.get("alias") or dep["name"]
            sub_dir = f"{chart_dir}/charts/{dep['name']}"
            if f"{sub_dir}/Chart.yaml" not in files:
                continue
            sub_values, sub_schema = load(sub_dir)
            values[key] = _deep_merge(sub_values, values.get(key) or {})
            if schema.get("properties") is not None or sub_schema:
                schema.setdefault("properties", {}).setdefault(
                    key, sub_schema or {"type": "object"}
                )
        return values, schema

    return load(pin.chart)
