"""The fast YAML reader reads every YAML file of the repository exactly as `yaml.safe_load`
does, and stays safe: a document that asks for a Python object is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.yaml_files import read_yaml

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    p
    for p in ROOT.glob("**/*.yaml")
    if not {".venv", ".venv-airflow", ".venv-checkov", "build", "site", "node_modules"}
    & set(p.relative_to(ROOT).parts)
    and not p.name.startswith(".")
)


def test_it_reads_the_repository_yaml_as_safe_load_does() -> None:
    assert len(FILES) > 10
    for path in FILES:
        try:
            expected = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue  # multi-document or templated files are not read this way
        assert read_yaml(path) == expected, path


def test_it_refuses_python_objects(tmp_path: Path) -> None:
    doc = tmp_path / "evil.yaml"
    doc.write_text("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(yaml.YAMLError):
        read_yaml(doc)
