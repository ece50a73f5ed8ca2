"""Pinned chart packages in a local cache, verified against charts.lock.yaml.

Where a package comes from, in order: the cache (if its sha256 matches the lock), the offline
copy in `../shared/reference/charts/` (or $CHARTS_REFERENCE), then `helm pull` from the chart's
repository (checked against the lock's `repositoryDigest`, else its `sha256`). A package whose
digest differs from the lock is never used.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

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
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
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
        if found != expected:
            raise ChartPackageError(
                f"{pin.package} from {pin.repository}: sha256 {found}, charts.lock.yaml "
                f"expects {expected}"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(pulled), target)
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
