"""Settings of the bootstrap project, read and validated in one place.

Each mistake becomes one line naming the setting; all mistakes are reported together, before
any resource is declared. The values end up in IAM trust policies, so anything that could
widen the trust (a wildcard, an `owner/repo` pasted into one field) is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pulumi

# GitHub: owners are 1-39 alphanumerics or single inner hyphens; repositories 1-100 [A-Za-z0-9._-].
_OWNER = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,19}$")  # "<prefix>-github-deploy-prod" fits IAM's 64
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9._-]{1,255}$")
_PROVIDER_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$"
)


# The platform's stacks. Both use the same Secrets Manager names (the DAGs are identical), so one
# account and region holds at most one of them.
STACKS = ("dev", "prod")


class SettingsError(pulumi.RunError):
    """Bad settings: one line per mistake (Pulumi prints a RunError without a stack trace)."""


@dataclass(frozen=True)
class BootstrapSettings:
    """Validated settings; see Pulumi.yaml for each key's meaning."""

    github_owner: str
    github_repo: str
    stacks: tuple[str, ...] = ()
    resource_prefix: str = "airflow"
    deploy_branch: str = "main"
    prod_environment: str = "prod"
    existing_oidc_provider_arn: str = ""
    owner: str = "data-platform"
    cost_center: str = "data-platform"

    @property
    def repository(self) -> str:
        """`owner/repo`, as it appears in GitHub's token subjects."""
        return f"{self.github_owner}/{self.github_repo}"

    @property
    def tags(self) -> dict[str, str]:
        """The project's required tags, for every bootstrap resource."""
        return {
            "Project": self.resource_prefix,
            "Environment": "bootstrap",
            "ManagedBy": "pulumi",
            "Owner": self.owner,
            "CostCenter": self.cost_center,
        }


def _owner_errors(value: str) -> list[str]:
    if not value:
        return ["githubOwner: required, the GitHub user or organization (e.g. acme)"]
    if "/" in value:
        owner = value.split("/", 1)[0]
        return [f"githubOwner: give only the owner ({owner!r}), the repository goes in githubRepo"]
    if not _OWNER.match(value):
        return [
            f"githubOwner: {value!r} is not a GitHub owner name "
            "(1-39 letters, digits or single inner hyphens; no wildcards)"
        ]
    return []


def _repo_errors(value: str) -> list[str]:
    if not value:
        return ["githubRepo: required, the repository name without the owner"]
    if "/" in value:
        repo = value.rsplit("/", 1)[-1]
        return [f"githubRepo: give only the repository name ({repo!r}), without the owner"]
    if not _REPO.match(value) or value in (".", ".."):
        return [
            f"githubRepo: {value!r} is not a repository name "
            "(1-100 letters, digits, '.', '_' or '-'; no wildcards)"
        ]
    return []


def _parse_stacks(raw: str) -> tuple[tuple[str, ...], list[str]]:
    """The stacks this account hosts, from Pulumi's JSON form of an array."""
    example = "e.g. [\"dev\"] (pulumi config set --path 'stacks[0]' dev)"
    if not raw:
        return (), [f"stacks: required, the platform stacks this account hosts, {example}"]
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    if not isinstance(parsed, list) or not all(isinstance(s, str) for s in parsed):
        return (), [f"stacks: expected a list of stack names, {example}; got {raw!r}"]
    if not parsed:
        return (), [f"stacks: list at least one of {', '.join(STACKS)}"]
    errors = [
        f"stacks: {stack!r} is not a stack of this project ({', '.join(STACKS)})"
        for stack in parsed
        if stack not in STACKS
    ]
    errors += [f"stacks: {stack!r} is listed twice" for stack in STACKS if parsed.count(stack) > 1]
    return tuple(s for s in STACKS if s in parsed), errors


def load_settings(get: Callable[[str], str | None]) -> BootstrapSettings:
    """Read every setting through `get` (e.g. `pulumi.Config().get`) and validate it."""

    def value(key: str, default: str = "") -> str:
        found = get(key)
        return default if found is None else found.strip()

    stacks, stack_errors = _parse_stacks(value("stacks"))
    settings = BootstrapSettings(
        github_owner=value("githubOwner"),
        github_repo=value("githubRepo"),
        stacks=stacks,
        resource_prefix=value("resourcePrefix", "airflow"),
        deploy_branch=value("deployBranch", "main"),
        prod_environment=value("prodEnvironment", "prod"),
        existing_oidc_provider_arn=value("existingOidcProviderArn"),
        owner=value("owner", "data-platform"),
        cost_center=value("costCenter", "data-platform"),
    )
    errors = _owner_errors(settings.github_owner) + _repo_errors(settings.github_repo)
    errors += stack_errors
    if not _PREFIX.match(settings.resource_prefix):
        errors.append(
            f"resourcePrefix: {settings.resource_prefix!r} must be 2-20 lowercase letters, "
            "digits or hyphens, starting with a letter"
        )
    if not _BRANCH.match(settings.deploy_branch) or ".." in settings.deploy_branch:
        errors.append(
            f"deployBranch: {settings.deploy_branch!r} is not a plain branch name (no wildcards)"
        )
    if not _ENVIRONMENT.match(settings.prod_environment):
        errors.append(
            f"prodEnvironment: {settings.prod_environment!r} is not a plain environment name "
            "(letters, digits, '.', '_' or '-'; no wildcards)"
        )
    arn = settings.existing_oidc_provider_arn
    if arn and not _PROVIDER_ARN.match(arn):
        errors.append(
            "existingOidcProviderArn: expected arn:aws:iam::<account>:oidc-provider/"
            f"token.actions.githubusercontent.com, got {arn!r}"
        )
    for key, tag in (("owner", settings.owner), ("costCenter", settings.cost_center)):
        if not tag:
            errors.append(f"{key}: must not be empty (it is a required cost-allocation tag)")
    if errors:
        raise SettingsError("\n".join(errors))
    return settings
