"""The README and the documentation pages point at things that exist: every `make` target they
name is a target of the Makefile, and every page and anchor the README links is there.

Links between pages of the site are checked by `make docs` (MkDocs, strict); the README is not
part of the site, so its links are checked here.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))

# `make <target>` in code: after the start of the code or a shell separator, options skipped.
MAKE = re.compile(r"(?:^|[\s;&|(`])make\s+(?:-\S+\s+)*([A-Za-z.][\w./-]*)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")


@cache
def make_targets() -> frozenset[str]:
    """The targets this Makefile defines (its database, no recipe run): a rule with a recipe or
    prerequisites. A name make only knows from `.PHONY` or as a file another rule needs is not
    one: `make <name>` would do nothing and succeed."""
    database = subprocess.run(
        ["make", "-pRrq", "-f", "Makefile", ":"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found: set[str] = set()
    for block in database.split("\n\n"):
        lines = block.strip("\n").splitlines()
        if not lines or lines[0] == "# Not a target:":
            continue
        rule = re.match(r"([^\s#%=:][^=:]*?):(?![=:])\s*(.*)$", lines[0])
        if rule and (rule.group(2) or any("#  recipe to execute" in line for line in lines)):
            found.update(rule.group(1).split())
    return frozenset(found)


def code_of(markdown: str) -> list[str]:
    """The code a page shows: fenced blocks and inline code spans."""
    blocks = FENCE.findall(markdown)
    prose = FENCE.sub("", markdown)
    return blocks + INLINE.findall(prose)


def targets_named(markdown: str) -> set[str]:
    return {m for code in code_of(markdown) for m in MAKE.findall(code)}


def anchors_of(page: Path) -> set[str]:
    """The ids MkDocs gives the page's headings (toc's slugify), code blocks left out."""
    headings = re.findall(r"^#{1,6} (.+?)\s*$", FENCE.sub("", page.read_text()), re.MULTILINE)
    return {slugify(heading, "-") for heading in headings}


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_make_target_named_exists(page: Path) -> None:
    named = targets_named(page.read_text())
    missing = sorted(named - make_targets())
    assert not missing, f"{page.relative_to(ROOT)} names make targets the Makefile lacks: {missing}"


def test_the_target_check_sees_every_make_command() -> None:
    # The parser itself: commands in blocks, spans, after options and separators; prose ignored.
    text = "Run `make plan STACK=prod`; to make it work\n```sh\ncd x && make -s docs-serve\n```\n"
    assert targets_named(text) == {"plan", "docs-serve"}
    assert {"plan", "test", "check", "docs", "docs-serve"} <= make_targets()
    assert "no-such-target" not in make_targets()


def test_every_page_and_anchor_the_readme_links_exists() -> None:
    links = [link for link in LINK.findall(README.read_text()) if "://" not in link]
    assert links, "the README links no documentation page"
    for link in links:
        path, _, anchor = link.partition("#")
        target = (ROOT / path).resolve() if path else README
        assert target.is_file(), f"README links {link}: {path} does not exist"
        if anchor:
            assert anchor in anchors_of(target), f"README links {link}: no such heading"


def test_the_readme_links_every_page_of_the_site() -> None:
    linked = {
        (ROOT / link.partition("#")[0]).resolve() for link in LINK.findall(README.read_text())
    }
    # Pages of other issues join the site's nav and this list when the lead merges them.
    unlinked = [p.name for p in PAGES if p.name != "index.md" and p.resolve() not in linked]
    assert not unlinked, f"README's Documentation table lacks {unlinked}"


def test_the_readme_is_a_front_door() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move a section into docs/"
    assert "```mermaid" in lines  # the architecture picture stays on the front page
    assert any("make plan STACK=prod" in line for line in lines)
    assert any(line.startswith("make test") for line in lines)


def test_make_test_builds_the_docs_and_make_check_is_the_fast_loop() -> None:
    makefile = (ROOT / "Makefile").read_text()
    lines = {line.split(":", 1)[0].strip(): line for line in makefile.splitlines() if ":" in line}
    assert "docs" in lines["TEST_STEPS"].split("=", 1)[1].split()
    assert lines["test"].strip() == "test:"  # every step runs through $(TEST_STEPS)
    assert lines["check"].split(":", 1)[1].split() == ["lint", "typecheck", "unit", "render"]
