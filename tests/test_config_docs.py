"""Pulumi.yaml documents every setting the model knows, and the docs' settings table matches."""

from __future__ import annotations

from pathlib import Path

import yaml

from components.settings import ARCHITECTURE_DEFAULTS, known_keys
from tools import config_docs

ROOT = Path(__file__).resolve().parent.parent


def test_pulumi_yaml_declares_exactly_the_known_settings() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert set(declared) == set(known_keys())
    for key, spec in declared.items():
        # Lists of objects (accessTeams) stay untyped: Pulumi's schema has no object items.
        assert spec.get("type", "object list") in {"string", "integer", "boolean", "array",
                                                   "object list"}  # fmt: skip
        assert spec["description"]
        has_default = "default" in spec
        assert has_default is (key != "architecture")
    # Keys whose default depends on the architecture say so, and default to "the
    # architecture's" (0 / ''), so a stack on an existing VPC can leave them out.
    for key in ARCHITECTURE_DEFAULTS["mwaa"]:
        assert declared[key]["default"] in (0, "") and "mwaa:" in declared[key]["description"]


def test_pulumi_yaml_and_settings_page_are_generated_from_the_model() -> None:
    for name, render in (
        ("Pulumi.yaml", config_docs.render_pulumi_yaml),
        ("docs/settings.md", config_docs.render_settings_page),
    ):
        current = (ROOT / name).read_text()
        assert render(current) == current, f"{name} is stale: run make config-docs"


def test_stack_files_set_every_key_the_cli_requires() -> None:
    required = {"architecture"}
    for stack in ("dev", "prod"):
        config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert {f"airflow:{k}" for k in required} <= set(config)
        assert "aws:region" in config
