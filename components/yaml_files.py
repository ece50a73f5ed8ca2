"""Reading the repository's YAML files (stack config, rule files, data tables) with libyaml's
C parser when PyYAML was built with it: about ten times faster than the pure-Python parser,
which counts where every plan reads Pulumi.yaml (docs/tests.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """The one document in `path`, loaded safely (no Python objects, as `yaml.safe_load`)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
