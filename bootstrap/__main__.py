"""Bootstrap an AWS account for the project's GitHub workflows (see README.md).

Reads the settings, creates the GitHub OIDC provider and, for each platform stack this account
hosts, a preview and a deploy role, and exports the values to copy into the repository's
variables.
"""

import pulumi
from bootstrap_settings import load_settings
from github_oidc import GithubOidc, GithubOidcArgs

settings = load_settings(pulumi.Config().get)

github = GithubOidc(
    "github",
    GithubOidcArgs(
        repository=settings.repository,
        resource_prefix=settings.resource_prefix,
        stacks=settings.stacks,
        deploy_branch=settings.deploy_branch,
        prod_environment=settings.prod_environment,
        existing_provider_arn=settings.existing_oidc_provider_arn,
        tags=settings.tags,
    ),
)

pulumi.export("githubOidcProviderArn", github.provider_arn)
# Repository variables (Settings > Secrets and variables > Actions > Variables), per stack:
for stack in settings.stacks:
    pulumi.export(f"AWS_PREVIEW_ROLE_ARN_{stack.upper()}", github.role_arns[f"preview-{stack}"])
    pulumi.export(f"AWS_DEPLOY_ROLE_ARN_{stack.upper()}", github.role_arns[f"deploy-{stack}"])
