"""Bootstrap an AWS account for the project's GitHub workflows (see README.md).

Reads the settings, creates the GitHub OIDC provider and the three workflow roles, and exports
the values to copy into the repository's variables.
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
        deploy_branch=settings.deploy_branch,
        prod_environment=settings.prod_environment,
        existing_provider_arn=settings.existing_oidc_provider_arn,
        tags=settings.tags,
    ),
)

pulumi.export("githubOidcProviderArn", github.provider_arn)
# Repository variables (Settings > Secrets and variables > Actions > Variables):
pulumi.export("AWS_PREVIEW_ROLE_ARN", github.role_arns["preview"])
pulumi.export("AWS_DEPLOY_ROLE_ARN_DEV", github.role_arns["deploy-dev"])
pulumi.export("AWS_DEPLOY_ROLE_ARN_PROD", github.role_arns["deploy-prod"])
