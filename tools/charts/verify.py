"""`python -m tools.charts.verify [--record]`: the chart the release installs is the chart the
render tests rendered.

`helm.v3.Release` downloads each chart from its repository under the pinned version at
`pulumi up`. This pulls that package (network needed: the pull-request workflow runs it) and
compares it with the package the tests render (charts.lock.yaml `sha256`), file by file: the
same files with the same bytes, whatever the tar's own metadata. It fails, naming each file
that differs, when the repository serves something else under that version; when the content
is the same it checks the package's digest against `repositoryDigest`, and `--record` writes
the digest there when it is still empty. `make preview` and `make up` run it first.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from components.charts import PinnedChart, lock
from tools.charts.packages import ROOT, ChartPackageError, package, sha256

LOCK = ROOT / "charts.lock.yaml"
Puller = Callable[[PinnedChart, Path], Path]


def contents(path: Path) -> dict[str, str]:
    """Every regular file of a chart package: path -> sha256 of its bytes."""
    found = {}
    with tarfile.open(path) as tgz:
        for member in tgz.getmembers():
            if member.isfile():
                data = tgz.extractfile(member)
                assert data is not None
                found[member.name] = hashlib.sha256(data.read()).hexdigest()
    return found


def differences(tested: Path, candidate: Path) -> list[str]:
    """What `candidate` holds that `tested` does not, file by file (empty: the same chart)."""
    ours, theirs = contents(tested), contents(candidate)
    return [
        *(
            f"changed: {name}"
            for name in sorted(ours.keys() & theirs.keys())
            if ours[name] != theirs[name]
        ),
        *(
            f"only in the repository's package: {name}"
            for name in sorted(theirs.keys() - ours.keys())
        ),
        *(
            f"missing from the repository's package: {name}"
            for name in sorted(ours.keys() - theirs.keys())
        ),
    ]


def helm_pull(pin: PinnedChart, folder: Path) -> Path:
    from tools.charts.helm import helm_binary

    pull = [str(helm_binary()), "pull", pin.chart, "--repo", pin.repository]
    subprocess.run([*pull, "--version", pin.version, "--destination", str(folder)], check=True)
    return folder / pin.package


def verify(pin: PinnedChart, pull: Puller = helm_pull) -> str:
    """The repository package's sha256, once its files equal the tested package's; otherwise
    ChartPackageError naming what differs."""
    with tempfile.TemporaryDirectory() as work:
        pulled = pull(pin, Path(work))
        diff = differences(package(pin), pulled)
        if diff:
            raise ChartPackageError(
                f"{pin.package} from {pin.repository} is not the chart the tests rendered: "
                + "; ".join(diff[:10])
                + (f" (and {len(diff) - 10} more)" if len(diff) > 10 else "")
            )
        digest = sha256(pulled)
    if pin.repository_digest and digest != pin.repository_digest:
        raise ChartPackageError(
            f"{pin.package} from {pin.repository}: sha256 {digest}, charts.lock.yaml records "
            f"repositoryDigest {pin.repository_digest} (same files, another package: re-check "
            "and record the new digest)"
        )
    return digest


def record(text: str, chart: str, digest: str) -> str:
    """charts.lock.yaml's text with `chart`'s empty repositoryDigest set to `digest`."""
    pattern = re.compile(
        rf"(^  {re.escape(chart)}:\n(?:    .*\n)*?    repositoryDigest: )\"\"", re.MULTILINE
    )
    changed, count = pattern.subn(rf'\g<1>"{digest}"', text, count=1)
    if count != 1:
        raise ChartPackageError(f"charts.lock.yaml: no empty repositoryDigest for {chart}")
    return changed


def main(argv: list[str] | None = None, pull: Puller = helm_pull) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write empty repositoryDigests")
    args = parser.parse_args(argv)
    failed = False
    for name, pin in lock().items():
        try:
            digest = verify(pin, pull)
        except (ChartPackageError, subprocess.CalledProcessError) as exc:
            print(f"error: {name}: {exc}", file=sys.stderr)
            failed = True
            continue
        print(f"{name:<30} {pin.version:<10} same files as tested, sha256 {digest}")
        if args.record and not pin.repository_digest:
            LOCK.write_text(record(LOCK.read_text(encoding="utf-8"), name, digest))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
