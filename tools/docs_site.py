"""MkDocs hooks of the documentation site (mkdocs.yml `hooks:`): pictures the program makes.

The cost curve on the Cost page is drawn by `tools.cost_curve` from the stacks as planned,
at build time, into the site only (never committed), so it cannot drift from the plan. It is
drawn once per process: `make docs-serve` rebuilds on every edit without planning again.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
COST_CURVE = "img/cost-curve.png"

_drawn: dict[str, bytes] = {}


def cost_curve_png() -> bytes:
    """The cost curve as PNG bytes, drawn by `python -m tools.cost_curve` (its own process:
    the offline plan installs process-wide Pulumi mocks)."""
    if COST_CURVE not in _drawn:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "cost-curve.png"
            subprocess.run(
                [sys.executable, "-m", "tools.cost_curve", "--out", str(out)],
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            _drawn[COST_CURVE] = out.read_bytes()
    return _drawn[COST_CURVE]


def on_files(files: Files, config: Any) -> Files:
    """Add the generated pictures to the site's files, so pages link them like any other."""
    files.append(File.generated(config, COST_CURVE, content=cost_curve_png()))
    return files
