"""checkov's Kubernetes checks on the prod manifests as the render tests see them.

Every release is written as rendered (placed in its namespace, as Helm installs it), with the
objects the program declares beside the charts (its NetworkPolicies count for the graph
checks), and checkov (PyPI, `.venv-checkov`, scripts/ensure-checkov.sh) scans the folder. A
finding is either fixed or listed in `checkov-exceptions.yaml` with its reason; anything else
fails tests/charts/test_checkov.py.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

EXCEPTIONS_FILE = Path(__file__).with_name("checkov-exceptions.yaml")
# Checks that fail only because a manifest names no namespace. Every object here is placed in
# its release's namespace first (Helm installs it there), so these never count.
NAMESPACE_CHECKS = ("CKV_K8S_21",)


@dataclass(frozen=True)
class Finding:
    release: str
    check: str
    resource: str
    """checkov's id of the object, `<Kind>.<namespace>.<name>` (Pods of the graph checks carry
    their labels too)."""
    name: str

    def __str__(self) -> str:
        return f"{self.release}: {self.check} {self.resource} ({self.name})"


@dataclass(frozen=True)
class Exception_:
    check: str
    release: str
    resources: tuple[str, ...]
    reason: str

    def covers(self, finding: Finding) -> bool:
        return (
            self.check == finding.check
            and self.release in ("*", finding.release)
            and any(fnmatch.fnmatchcase(finding.resource, p) for p in self.resources)
        )


def load_exceptions(path: Path = EXCEPTIONS_FILE) -> list[Exception_]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["exceptions"]
    loaded = []
    for entry in entries:
        reason = str(entry.get("reason") or "").strip()
        if not reason:
            raise ValueError(f"{path.name}: {entry.get('check')} has no reason")
        loaded.append(
            Exception_(
                check=entry["check"],
                release=entry.get("release", "*"),
                resources=tuple(entry.get("resources") or ["*"]),
                reason=reason,
            )
        )
    return loaded


def write_manifests(
    folder: Path, renders: Mapping[str, Iterable[Mapping[str, Any]]], declared: Iterable[Any]
) -> None:
    """One YAML stream per release, and `program.yaml` for the program's own objects."""
    folder.mkdir(parents=True, exist_ok=True)
    streams = {**{chart: list(objs) for chart, objs in renders.items()}, "program": declared}
    for name, objects in streams.items():
        with (folder / f"{name}.yaml").open("w", encoding="utf-8") as out:
            yaml.safe_dump_all([json.loads(json.dumps(o)) for o in objects], out)


def scan(checkov: str, folder: Path) -> list[Finding]:
    """checkov's failed Kubernetes checks on `folder`, namespace-only checks left out."""
    done = subprocess.run(
        [
            checkov,
            "--directory",
            str(folder),
            "--framework",
            "kubernetes",
            "--skip-check",
            ",".join(NAMESPACE_CHECKS),
            "--output",
            "json",
            "--quiet",
            "--compact",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):  # 1: some check failed
        raise RuntimeError(f"checkov exited {done.returncode}: {done.stderr.strip()[-500:]}")
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    return [
        Finding(
            release=Path(f["file_path"]).stem,
            check=f["check_id"],
            resource=f["resource"],
            name=f["check_name"],
        )
        for report in reports
        for f in report["results"]["failed_checks"]
    ]


def unexcused(
    findings: Sequence[Finding], exceptions: Sequence[Exception_]
) -> tuple[list[Finding], list[Exception_]]:
    """(findings no exception covers, exceptions that cover no finding)."""
    left = [f for f in findings if not any(e.covers(f) for e in exceptions)]
    unused = [e for e in exceptions if not any(e.covers(f) for f in findings)]
    return left, unused
