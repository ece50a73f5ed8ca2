"""The bootstrap project trusts exactly the intended workflows and refuses bad settings."""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.sync_await import _sync_await

from bootstrap.bootstrap_settings import SettingsError, load_settings
from bootstrap.github_oidc import GithubOidcArgs
from policy.rules import iam, tagging
from tools.mocks import run_mocked

BOOTSTRAP = Path(__file__).resolve().parents[2] / "bootstrap"
ACCOUNT = "111122223333"
HOST = "token.actions.githubusercontent.com"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}"
REPO = {"githubOwner": "acme", "githubRepo": "airflow-on-aws"}
DEV = {**REPO, "stacks": '["dev"]'}  # Pulumi hands an array setting over as JSON
PROD = {**REPO, "stacks": '["prod"]'}
CONFIG = {**REPO, "stacks": '["dev", "prod"]'}  # one account, each stack in its own region
PULL_REQUEST = "repo:acme/airflow-on-aws:pull_request"


@dataclass
class Declared:
    resources: list[dict[str, Any]]
    outputs: dict[str, Any]

    def of_type(self, token: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == token]

    def named(self, name: str) -> dict[str, Any]:
        [found] = [r for r in self.resources if r["name"] == name]
        return found


class AwsIamMocks(pulumi.runtime.Mocks):
    """Returns what IAM computes: ARNs from names, the caller's account and partition."""

    def __init__(self) -> None:
        self.resources: list[dict[str, Any]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        outputs = dict(inputs)
        if args.typ == "aws:iam/role:Role":
            outputs["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{inputs['name']}"
        elif args.typ == "aws:iam/policy:Policy":
            outputs["arn"] = f"arn:aws:iam::{ACCOUNT}:policy/{inputs['name']}"
        elif args.typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            outputs["arn"] = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{inputs['url'][8:]}"
        resource_id = inputs.get("name") or f"{args.name}-id"
        self.resources.append({"type": args.typ, "name": args.name, "inputs": inputs})
        return resource_id, outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:aws:iam::{ACCOUNT}:user/admin"
            return {"accountId": ACCOUNT, "arn": arn, "userId": "AIDA", "id": ACCOUNT}, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        raise AssertionError(f"unexpected call {args.token}")


class BootstrapRunner:
    """Runs bootstrap/__main__.py under mocks, the way the CLI runs it (its dir on sys.path)."""

    def __init__(self) -> None:
        self.mocks = AwsIamMocks()

    def __call__(self, **config: str) -> Declared:
        self.mocks = AwsIamMocks()

        def program() -> None:
            runpy.run_path(str(BOOTSTRAP / "__main__.py"), run_name="__main__")

        run_mocked(
            program,
            self.mocks,
            project="airflow-bootstrap",
            stack="shared",
            preview=False,
            config={f"airflow-bootstrap:{k}": v for k, v in config.items()},
        )
        stack = runtime_settings.get_root_resource()
        outputs = {
            key: _sync_await(pulumi.Output.from_input(value).future())
            for key, value in getattr(stack, "outputs", {}).items()
        }
        return Declared(self.mocks.resources, outputs)


@pytest.fixture
def run_bootstrap() -> Iterator[BootstrapRunner]:
    sys.path.insert(0, str(BOOTSTRAP))
    yield BootstrapRunner()
    sys.path.remove(str(BOOTSTRAP))
    pulumi.runtime.set_all_config({})


def trust(role: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(role["inputs"]["assumeRolePolicy"])
    return document


def role_names(declared: Declared) -> set[str]:
    return {r["inputs"]["name"] for r in declared.of_type("aws:iam/role:Role")}


@pytest.mark.parametrize(
    ("config", "role", "subject"),
    [
        (DEV, "preview-dev", PULL_REQUEST),
        (DEV, "deploy-dev", "repo:acme/airflow-on-aws:ref:refs/heads/main"),
        (PROD, "preview-prod", PULL_REQUEST),
        (PROD, "deploy-prod", "repo:acme/airflow-on-aws:environment:prod"),
    ],
)
def test_each_role_trusts_exactly_its_workflow(
    run_bootstrap: BootstrapRunner, config: dict[str, str], role: str, subject: str
) -> None:
    declared = run_bootstrap(**config)
    [statement] = trust(declared.named(f"github-{role}"))["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Federated": PROVIDER_ARN}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": subject}
    }


@pytest.mark.parametrize(
    ("config", "hosted", "absent"),
    [(DEV, "dev", "prod"), (PROD, "prod", "dev")],
)
def test_an_account_gets_roles_only_for_the_stacks_it_hosts(
    run_bootstrap: BootstrapRunner, config: dict[str, str], hosted: str, absent: str
) -> None:
    declared = run_bootstrap(**config)
    assert role_names(declared) == {
        f"airflow-github-preview-{hosted}",
        f"airflow-github-deploy-{hosted}",
    }
    # ...and nothing else (role, policy attachment) names the other stack.
    assert [r["name"] for r in declared.resources if f"-{absent}" in json.dumps(r)] == []
    assert set(declared.outputs) == {
        "githubOidcProviderArn",
        f"AWS_PREVIEW_ROLE_ARN_{hosted.upper()}",
        f"AWS_DEPLOY_ROLE_ARN_{hosted.upper()}",
    }


def test_trust_follows_branch_and_environment_settings(run_bootstrap: BootstrapRunner) -> None:
    declared = run_bootstrap(**CONFIG, deployBranch="release", prodEnvironment="production")
    subjects = {
        role: trust(declared.named(f"github-{role}"))["Statement"][0]["Condition"]["StringEquals"][
            f"{HOST}:sub"
        ]
        for role in ("deploy-dev", "deploy-prod")
    }
    assert subjects == {
        "deploy-dev": "repo:acme/airflow-on-aws:ref:refs/heads/release",
        "deploy-prod": "repo:acme/airflow-on-aws:environment:production",
    }


def test_trust_policies_pass_the_baseline_and_the_baseline_would_catch_a_loose_one(
    run_bootstrap: BootstrapRunner,
) -> None:
    declared = run_bootstrap(**CONFIG)
    roles = declared.of_type("aws:iam/role:Role")
    assert len(roles) == 4
    assert [m for role in roles for m in iam.check_trust_policy(role)] == []
    loose = trust(roles[0])
    del loose["Statement"][0]["Condition"]["StringEquals"][f"{HOST}:sub"]
    assert iam.check_trust_policy({**roles[0], "inputs": {"assumeRolePolicy": loose}})


def test_oidc_provider_serves_github_tokens_for_sts(run_bootstrap: BootstrapRunner) -> None:
    declared = run_bootstrap(**CONFIG)
    [provider] = declared.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider["inputs"]["url"] == f"https://{HOST}"
    assert provider["inputs"]["clientIdLists"] == ["sts.amazonaws.com"]
    assert set(provider["inputs"]["tags"]) == set(tagging.REQUIRED_TAGS)


def test_an_existing_oidc_provider_is_reused(run_bootstrap: BootstrapRunner) -> None:
    existing = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}"
    declared = run_bootstrap(**PROD, existingOidcProviderArn=existing)
    assert declared.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    preview = trust(declared.named("github-preview-prod"))
    assert preview["Statement"][0]["Principal"] == {"Federated": existing}


def attached(declared: Declared, role: str) -> set[str]:
    return {
        r["inputs"]["policyArn"]
        for r in declared.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r["inputs"]["role"] == f"airflow-github-{role}"
    }


def test_preview_reads_and_deploy_roles_are_bounded(run_bootstrap: BootstrapRunner) -> None:
    declared = run_bootstrap(**CONFIG)
    iam = f"arn:aws:iam::{ACCOUNT}:policy/airflow-github-deploy-iam"
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/airflow-github-deploy-boundary"
    for stack in ("dev", "prod"):
        preview = f"preview-{stack}"
        assert attached(declared, preview) == {"arn:aws:iam::aws:policy/ReadOnlyAccess"}
        assert "permissionsBoundary" not in declared.named(f"github-{preview}")["inputs"]
        deploy = f"deploy-{stack}"
        assert attached(declared, deploy) == {"arn:aws:iam::aws:policy/PowerUserAccess", iam}
        inputs = declared.named(f"github-{deploy}")["inputs"]
        assert inputs["permissionsBoundary"] == boundary
        assert inputs["maxSessionDuration"] == 7200


def statements(declared: Declared, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(declared.named(name)["inputs"]["policy"])["Statement"]
    return found


def test_deploy_iam_is_limited_to_the_project_prefix(run_bootstrap: BootstrapRunner) -> None:
    declared = run_bootstrap(**CONFIG, resourcePrefix="analytics")
    iam = f"arn:aws:iam::{ACCOUNT}:"
    scoped = {
        f"{iam}role/analytics-*",
        f"{iam}policy/analytics-*",
        f"{iam}instance-profile/analytics-*",
        f"{iam}oidc-provider/oidc.eks.*",
        "arn:aws:iam::aws:policy/*",  # reading AWS managed policies
    }
    for statement in statements(declared, "github-deploy-iam"):
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        assert all(a.startswith("iam:") and "*" not in a for a in actions)
        if statement["Resource"] == "*":
            assert all(a.startswith("iam:List") for a in actions)
        else:
            assert statement["Resource"] in scoped


def test_boundary_stops_deploy_roles_from_editing_the_bootstrap(
    run_bootstrap: BootstrapRunner,
) -> None:
    declared = run_bootstrap(**CONFIG)
    by_sid = {s["Sid"]: s for s in statements(declared, "github-deploy-boundary")}
    protected = by_sid["LeaveTheBootstrapAlone"]
    assert protected["Effect"] == "Deny" and protected["Action"] == "iam:*"
    own = [
        f"arn:aws:iam::{ACCOUNT}:role/airflow-github-{role}"
        for role in ("preview-dev", "deploy-dev", "preview-prod")
    ]
    own += [PROVIDER_ARN, f"arn:aws:iam::{ACCOUNT}:policy/airflow-github-deploy-boundary"]
    for arn in own:
        assert any(fnmatchcase(arn, pattern) for pattern in protected["Resource"]), arn
    # ...which matters, because the project-wide grant would otherwise cover its own role.
    [roles] = [s for s in statements(declared, "github-deploy-iam") if s["Sid"] == "ProjectRoles"]
    assert fnmatchcase(own[1], roles["Resource"])
    assert by_sid["NoRoleHopping"] == {
        "Sid": "NoRoleHopping", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"
    }  # fmt: skip


def test_exports_are_the_repository_variables(run_bootstrap: BootstrapRunner) -> None:
    declared = run_bootstrap(**CONFIG)
    role = f"arn:aws:iam::{ACCOUNT}:role/airflow-github"
    assert declared.outputs == {
        "githubOidcProviderArn": PROVIDER_ARN,
        "AWS_PREVIEW_ROLE_ARN_DEV": f"{role}-preview-dev",
        "AWS_DEPLOY_ROLE_ARN_DEV": f"{role}-deploy-dev",
        "AWS_PREVIEW_ROLE_ARN_PROD": f"{role}-preview-prod",
        "AWS_DEPLOY_ROLE_ARN_PROD": f"{role}-deploy-prod",
    }


def test_bad_settings_stop_the_program_before_any_resource(
    run_bootstrap: BootstrapRunner,
) -> None:
    with pytest.raises(pulumi.RunError, match="githubRepo: required"):
        run_bootstrap(githubOwner="acme", stacks='["dev"]')
    assert run_bootstrap.mocks.resources == []
    with pytest.raises(pulumi.RunError, match="stacks: required"):
        run_bootstrap(**REPO)
    assert run_bootstrap.mocks.resources == []


@pytest.mark.parametrize(
    ("config", "errors"),
    [
        ({}, ["githubOwner: required", "githubRepo: required", "stacks: required"]),
        (
            {**DEV, "githubOwner": "acme/airflow-on-aws"},
            ["githubOwner: give only the owner ('acme'), the repository goes in githubRepo"],
        ),
        (
            {**DEV, "githubRepo": "acme/airflow-on-aws"},
            ["githubRepo: give only the repository name ('airflow-on-aws'), without the owner"],
        ),
        ({**DEV, "githubOwner": "*"}, ["githubOwner: '*' is not a GitHub owner name"]),
        ({**DEV, "githubRepo": "air*"}, ["githubRepo: 'air*' is not a repository name"]),
        ({**REPO, "stacks": "dev"}, ["stacks: expected a list of stack names"]),
        ({**REPO, "stacks": '[{"name": "dev"}]'}, ["stacks: expected a list of stack names"]),
        ({**REPO, "stacks": "[]"}, ["stacks: list at least one of dev, prod"]),
        (
            {**REPO, "stacks": '["dev", "staging", "Prod"]'},
            [
                "stacks: 'staging' is not a stack of this project (dev, prod)",
                "stacks: 'Prod' is not a stack of this project (dev, prod)",
            ],
        ),
        ({**REPO, "stacks": '["prod", "prod"]'}, ["stacks: 'prod' is listed twice"]),
        ({**CONFIG, "resourcePrefix": "Airflow"}, ["resourcePrefix: 'Airflow' must be"]),
        ({**CONFIG, "deployBranch": "release/*"}, ["deployBranch: 'release/*' is not a plain"]),
        ({**CONFIG, "prodEnvironment": "prod env"}, ["prodEnvironment: 'prod env' is not"]),
        (
            {**CONFIG, "existingOidcProviderArn": "arn:aws:iam::1:oidc-provider/x"},
            ["existingOidcProviderArn: expected arn:aws:iam::<account>:oidc-provider/"],
        ),
        ({**CONFIG, "owner": " "}, ["owner: must not be empty"]),
    ],
)
def test_each_mistake_is_one_clear_line(config: dict[str, str], errors: list[str]) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(config.get)
    lines = str(raised.value).splitlines()
    assert len(lines) == len(errors)
    for line, expected in zip(lines, errors, strict=True):
        assert line.startswith(expected), line


def test_good_settings_build_the_repository_and_tags() -> None:
    settings = load_settings({**CONFIG, "owner": "data-eng"}.get)
    assert settings.repository == "acme/airflow-on-aws"
    assert settings.stacks == ("dev", "prod")
    assert load_settings({**REPO, "stacks": ' [ "prod" ] '}.get).stacks == ("prod",)
    assert settings.tags["Owner"] == "data-eng"
    assert set(settings.tags) == set(tagging.REQUIRED_TAGS)


def test_component_refuses_a_repository_that_would_widen_the_trust() -> None:
    for repository in ("acme", "acme/*", "acme/a/b"):
        with pytest.raises(ValueError, match="repository: expected 'owner/repo'"):
            GithubOidcArgs(repository=repository, resource_prefix="airflow", stacks=("dev",))


def test_component_refuses_unknown_or_repeated_stacks() -> None:
    for stacks in ((), ("staging",), ("dev", "dev")):
        with pytest.raises(ValueError, match="stacks: expected distinct names"):
            GithubOidcArgs(repository="acme/airflow-on-aws", resource_prefix="a", stacks=stacks)


def test_every_setting_read_is_declared_in_the_project_file() -> None:
    read: list[str] = []

    def get(key: str) -> str | None:
        read.append(key)
        return CONFIG.get(key)

    load_settings(get)
    declared = yaml.safe_load((BOOTSTRAP / "Pulumi.yaml").read_text())["config"]
    assert sorted(read) == sorted(declared)
    assert declared["stacks"]["type"] == "array"
