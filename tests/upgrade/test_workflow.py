"""The pull-request workflow rehearses a change to the Airflow version or its pins: its
path check (run here, in a scratch git repository) says when and from which version to
which; the rehearsal runs then, and its report goes to the job summary even when it fails."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from local.config import REPO

WORKFLOW = REPO / ".github/workflows/pull-request.yml"


def job() -> dict:  # type: ignore[type-arg]
    spec: dict = yaml.safe_load(WORKFLOW.read_text())  # type: ignore[type-arg]
    return dict(spec["jobs"]["upgrade-test"])


def step(name: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in job()["steps"] if s.get("name") == name)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def scratch_repo(tmp_path: Path, files: dict[str, str]) -> tuple[Path, str]:
    """A git repository with `files` and a README committed as the base, then a commit that
    changes only the README; the repository and the base commit."""
    repo = tmp_path / "repo"
    for name, text in {**files, "README.md": "hi\n"}.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    commit(repo, "base", "-qm")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "README.md").write_text("hello\n")
    commit(repo, "docs")
    return repo, base


def commit(repo: Path, message: str, flags: str = "-qam") -> None:
    git(repo, "-c", "user.email=a@b", "-c", "user.name=t", "commit", flags, message)


def paths_check(repo: Path, base: str) -> dict[str, str]:
    output = repo / "github-output"
    output.write_text("")
    script = step("Does this change touch the Airflow version or its pins?")["run"]
    env = {"BASE_SHA": base, "GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"}
    subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, check=True)
    return dict(line.split("=", 1) for line in output.read_text().splitlines())


def test_a_version_bump_is_rehearsed_from_the_base_version_and_a_readme_change_is_not(
    tmp_path: Path,
) -> None:
    pins_file = "tests/dags/requirements-airflow.txt"
    repo, base = scratch_repo(tmp_path, {pins_file: "apache-airflow==3.0.6\n"})
    pins = repo / pins_file
    assert paths_check(repo, base)["changed"] == "false"
    pins.write_text("apache-airflow==3.3.1\n")
    commit(repo, "bump")
    assert paths_check(repo, base) == {
        "changed": "true",
        "from": "3.0.6",
        "to": "3.3.1",
        "rehearsal": "false",
    }


def test_the_rehearsal_runs_then_and_its_report_reaches_the_summary_even_on_failure() -> None:
    rehearse = step("Rehearse the upgrade and its rollback")
    assert rehearse["if"] == "steps.paths.outputs.changed == 'true'"
    assert rehearse["run"] == 'make upgrade-test TO="$TO_VERSION" FROM="$FROM_VERSION"'
    summary = step("Report in the job summary")
    assert summary["if"].startswith("always()")
    assert summary["run"] == 'cat build/upgrade/*/report.md >> "$GITHUB_STEP_SUMMARY"'


def test_a_change_to_the_rehearsal_itself_runs_its_planted_migration_failure(
    tmp_path: Path,
) -> None:
    # make upgrade-test-migration is too slow for make test: it runs when its code changes.
    repo, base = scratch_repo(tmp_path, {"tools/upgrade/rehearsal.py": "x = 1\n"})
    assert paths_check(repo, base)["rehearsal"] == "false"
    (repo / "tools/upgrade/rehearsal.py").write_text("x = 2\n")
    commit(repo, "code")
    assert paths_check(repo, base)["rehearsal"] == "true"
    planted = step("The rehearsal stops at a planted migration failure (its own code changed)")
    assert planted["if"] == "steps.paths.outputs.rehearsal == 'true'"
    assert planted["run"] == "make upgrade-test-migration"
