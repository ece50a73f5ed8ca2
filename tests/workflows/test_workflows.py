"""The GitHub workflows are valid, pass zizmor, and keep their security properties."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")
# Inputs of pulumi/actions v7.0.0 (its action.yml at 8e5e406f4007fca908480587cb9893c07090f58d).
PULUMI_ACTION_INPUTS = {
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir",
    "comment-on-pr", "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url",
    "secrets-provider", "parallel", "message", "config-map", "expect-no-changes", "diff",
    "replace", "exclude", "exclude-dependents", "target", "target-dependents", "policyPacks",
    "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment", "color",
    "exclude-protected", "plan", "suppress-outputs", "suppress-progress",
    "always-include-summary", "continue-on-error", "log-verbosity", "log-flow", "debug",
}  # fmt: skip


def run(tool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / tool), *map(str, args)], capture_output=True, text=True, check=False
    )


def load(path: Path) -> dict[Any, Any]:
    workflow: dict[Any, Any] = yaml.safe_load(path.read_text())
    return workflow


def steps(workflow: dict[Any, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job, step) for job, spec in workflow["jobs"].items() for step in spec["steps"]]


def action_steps(workflow: dict[Any, Any], action: str) -> list[tuple[str, dict[str, Any]]]:
    return [(j, s) for j, s in steps(workflow) if s.get("uses", "").startswith(f"{action}@")]


def zizmor_findings(*paths: Path) -> tuple[int, list[str]]:
    result = run("zizmor", "--offline", "--format", "json", *paths)
    return result.returncode, [finding["ident"] for finding in json.loads(result.stdout or "[]")]


def test_the_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "pull-request.yml", "sleep.yml"]


@pytest.mark.integration
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_github_schema(workflow: Path) -> None:
    result = run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", workflow)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.integration
def test_zizmor_finds_nothing() -> None:
    code, findings = zizmor_findings(*WORKFLOWS)
    assert (code, findings) == (0, [])


@pytest.mark.integration
def test_schema_check_bites(tmp_path: Path) -> None:
    text = (WORKFLOW_DIR / "pull-request.yml").read_text()
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("    runs-on: ubuntu-24.04\n", "", 1))
    result = run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", broken)
    assert result.returncode == 1
    assert "'runs-on' is a required property" in result.stdout


@pytest.mark.integration
def test_zizmor_bites(tmp_path: Path) -> None:
    text = (WORKFLOW_DIR / "pull-request.yml").read_text()
    checkout = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
    assert checkout in text
    injected = "      - run: echo '${{ github.event.pull_request.title }}'\n"
    unsafe = text.replace(checkout, "actions/checkout@v4", 1) + injected
    broken = tmp_path / "broken.yml"
    broken.write_text(unsafe)
    code, findings = zizmor_findings(broken)
    assert code == 14  # zizmor's exit code for high-severity findings
    assert {"unpinned-uses", "template-injection"} <= set(findings)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(workflow: Path) -> None:
    uses = [m for line in workflow.read_text().splitlines() if (m := USES_LINE.match(line))]
    assert uses
    for match in uses:
        reference, comment = match.groups()
        assert PINNED.match(reference), reference
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), f"{reference}: {comment!r}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_least_per_job(workflow: Path) -> None:
    spec = load(workflow)
    assert spec["permissions"] == {}
    for name, job in spec["jobs"].items():
        permissions = job["permissions"]
        uses = [step.get("uses", "") for step in job["steps"]]
        oidc = any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses)
        comments = any(step.get("with", {}).get("comment-on-pr") for step in job["steps"])
        expected = {"contents": "read"}
        if oidc:
            expected["id-token"] = "write"
        if comments:
            expected["pull-requests"] = "write"
        assert permissions == expected, name


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_checkout_never_persists_credentials(workflow: Path) -> None:
    checkouts = action_steps(load(workflow), "actions/checkout")
    assert checkouts
    assert all(step["with"]["persist-credentials"] is False for _, step in checkouts)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_pulumi_action_gets_known_inputs_and_the_policy_pack(workflow: Path) -> None:
    spec = load(workflow)
    for _, step in action_steps(spec, "pulumi/actions"):
        assert set(step["with"]) <= PULUMI_ACTION_INPUTS
        assert step["with"]["policyPacks"] == "policy"
        assert step["with"]["stack-name"].startswith("${{ vars.PULUMI_ORG }}/")
        assert step["env"] == {"PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}"}


def test_pull_request_previews_both_stacks_with_a_comment() -> None:
    spec = load(WORKFLOW_DIR / "pull-request.yml")
    assert spec[True] == {"pull_request": {"branches": ["main"]}}  # YAML 1.1 reads `on` as True
    assert "make test" in [s.get("run") for s in spec["jobs"]["test"]["steps"]]
    preview = spec["jobs"]["preview"]
    assert preview["needs"] == "test"
    assert [entry["stack"] for entry in preview["strategy"]["matrix"]["include"]] == ["dev", "prod"]
    runs = [s.get("run", "") for s in preview["steps"]]
    assert 'make plan STACK="$STACK" FORMAT=markdown >> "$GITHUB_STEP_SUMMARY"' in runs
    [(_, pulumi)] = action_steps(spec, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["stack-name"] == "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}"


def test_each_stack_previews_with_its_own_accounts_role_and_region() -> None:
    # dev and prod live in separate AWS accounts (they share secret names by design).
    spec = load(WORKFLOW_DIR / "pull-request.yml")
    matrix = spec["jobs"]["preview"]["strategy"]["matrix"]
    assert set(matrix) == {"include"}
    assert matrix["include"] == [
        {"stack": stack, "role_var": f"AWS_PREVIEW_ROLE_ARN_{up}", "region_var": f"AWS_REGION_{up}"}
        for stack, up in (("dev", "DEV"), ("prod", "PROD"))
    ]
    [(_, aws)] = action_steps(spec, "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == "${{ vars[matrix.role_var] }}"
    assert aws["with"]["aws-region"] == "${{ vars[matrix.region_var] }}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_no_job_reads_a_role_or_region_shared_by_both_stacks(workflow: Path) -> None:
    assert re.findall(r"vars\.AWS_(?:REGION|PREVIEW_ROLE_ARN)\b", workflow.read_text()) == []


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_make_test_reuses_cached_venvs(workflow: Path) -> None:
    testing = {
        name: job
        for name, job in load(workflow)["jobs"].items()
        if any("make test" in step.get("run", "") for step in job["steps"])
    }
    for name, job in testing.items():
        uses = [step.get("uses", "").split("@")[0] for step in job["steps"]]
        runs = [step.get("run", "") for step in job["steps"]]
        python, cache = (
            job["steps"][uses.index(a)] for a in ("actions/setup-python", "actions/cache")
        )
        assert uses.index("actions/setup-python") < uses.index("actions/cache"), name
        assert uses.index("actions/cache") < runs.index("make test"), name
        assert cache["with"]["path"].split() == [".venv", ".venv-airflow"]
        key = cache["with"]["key"]
        assert "${{ runner.os }}" in key
        assert f"${{{{ steps.{python['id']}.outputs.python-version }}}}" in key
        assert key.endswith(
            "${{ hashFiles('requirements*.txt', 'tests/dags/requirements-airflow.txt', "
            "'tests/dags/constraints-airflow.txt', 'dags/requirements.txt') }}"
        )
    if workflow.name == "pull-request.yml":
        assert list(testing) == ["test"]


def test_deploy_goes_to_dev_then_prod_behind_the_environment() -> None:
    spec = load(WORKFLOW_DIR / "deploy.yml")
    assert spec[True] == {"push": {"branches": ["main"]}}
    dev, prod = spec["jobs"]["dev"], spec["jobs"]["prod"]
    assert "environment" not in dev  # the dev role trusts refs/heads/main, not an environment
    assert prod["needs"] == "dev"
    assert prod["environment"] == "prod"
    for stack, job in (("dev", dev), ("prod", prod)):
        assert job["concurrency"] == {"group": f"deploy-{stack}", "cancel-in-progress": False}
        [aws] = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
        role = f"${{{{ vars.AWS_DEPLOY_ROLE_ARN_{stack.upper()} }}}}"
        assert aws["with"]["role-to-assume"] == role
        assert aws["with"]["aws-region"] == f"${{{{ vars.AWS_REGION_{stack.upper()} }}}}"
        [pulumi] = [s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
        assert pulumi["with"]["stack-name"] == f"${{{{ vars.PULUMI_ORG }}}}/{stack}"
        # prod is always awake: a plain up. dev sleeps: its up goes through the sleep edge
        # (tests/sleep/test_workflow.py), the action only installs the CLI.
        assert pulumi["with"].get("command") == ("up" if stack == "prod" else None)
