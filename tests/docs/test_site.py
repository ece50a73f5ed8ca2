"""`make docs` fails the way its help says: a broken link, a broken anchor or a page left out
of the nav stops the build (tests/docs/test_links.py checks the README, which is not part of
the site)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import make_dry_run

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def docs_command() -> str:
    """The command `make docs` runs, as make prints it."""
    lines = make_dry_run("docs").splitlines()
    built = [line for line in lines if "mkdocs build" in line]
    assert len(built) == 1, lines
    return built[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files in a copy (the build's hook plans both stacks for the cost curve),
    with the project's venv."""
    copy = tmp_path_factory.mktemp("site")
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for name in files:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def test_make_docs_fails_on_a_broken_link_or_anchor(site: Path) -> None:
    page = site / "docs" / "tests.md"
    original = page.read_text()
    page.write_text(
        original
        + "\nSee [a page that is gone](no-such-page.md)"
        + " and [a section that is gone](sleep.md#no-such-section).\n"
    )
    try:
        result = subprocess.run(
            ["bash", "-c", docs_command()], cwd=site, capture_output=True, text=True, check=False
        )
    finally:
        page.write_text(original)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "no-such-page.md" in output and "no-such-section" in output, output
