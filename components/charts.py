"""The Helm charts the program installs, pinned in one place: `charts.lock.yaml`.

Every `helm.v3.Release` takes its chart, version and repository from here, and the render
tests (tests/charts/) render the package whose sha256 the lock records, so what is tested is
what `pulumi up` installs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pulumi_kubernetes as k8s
import yaml

LOCK_FILE = Path(__file__).resolve().parent.parent / "charts.lock.yaml"


@dataclass(frozen=True)
class PinnedChart:
    """One chart of the lock."""

    chart: str
    """Chart name in its repository."""
    repository: str
    """Chart repository URL (`helm repo add` address)."""
    version: str
    """The only version the program installs."""
    sha256: str
    """Digest of the package the render tests use."""
    repository_digest: str = ""
    """Digest in the repository's index.yaml, when a networked machine recorded it."""

    @property
    def package(self) -> str:
        """The package's file name, as `helm pull` writes it."""
        return f"{self.chart}-{self.version}.tgz"

    def repository_opts(self) -> k8s.helm.v3.RepositoryOptsArgs:
        return k8s.helm.v3.RepositoryOptsArgs(repo=self.repository)


@functools.cache
def lock(path: Path = LOCK_FILE) -> dict[str, PinnedChart]:
    """Every pinned chart by name."""
    charts = yaml.safe_load(path.read_text())["charts"]
    return {
        name: PinnedChart(
            chart=name,
            repository=str(spec["repository"]),
            version=str(spec["version"]),
            sha256=str(spec["sha256"]),
            repository_digest=str(spec.get("repositoryDigest") or ""),
        )
        for name, spec in charts.items()
    }


def pinned(chart: str) -> PinnedChart:
    """The pin of `chart`; a chart missing from the lock is a programming error."""
    try:
        return lock()[chart]
    except KeyError:
        raise KeyError(f"chart {chart!r} is not pinned in {LOCK_FILE.name}") from None
