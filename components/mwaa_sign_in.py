"""How people sign in to MWAA (dev): one IAM login role per mapped Airflow role.

MWAA signs a person in through IAM: `airflow:CreateWebLoginToken` on
`arn:aws:airflow:<region>:<account>:role/<environment>/<airflow role>` yields a web login
token for that Airflow role, and no other. The principals people sign in as (IAM Identity
Center permission-set roles, `AWSReservedSSO_*`) are AWS-managed: nobody may attach a policy
to them. So each mapped Airflow role gets an IAM role of its own that only the teams mapped to
it may assume (its trust policy names exactly their principals), allowed only its own
CreateWebLoginToken, plus GetEnvironment on this environment (the console's "Open Airflow
UI" page reads it). Removing a team from `accessTeams` removes its principals from the trust
policy: its next `sts:AssumeRole` is refused, and a web token lives 60 seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_helpers import Account, policy_document
from components.settings import AccessSettings
from components.settings.access import login_trust_statement

LOGIN_TOKEN_LIFETIME_SECONDS = 60  # MWAA: a web login token must be used within a minute


@dataclass(frozen=True)
class MwaaSignInArgs:
    access: AccessSettings
    """The teams, their Airflow roles and IAM principals."""
    environment_name: str
    """The MWAA environment people sign in to."""
    environment_arn: pulumi.Input[str]
    """Its ARN (GetEnvironment for the console page)."""


def login_role_resource(account: Account, environment_name: str, role: str) -> pulumi.Output[str]:
    """The ARN `airflow:CreateWebLoginToken` is scoped by: one Airflow role of one environment."""
    return account.arn("airflow", f"role/{environment_name}/{role}")


class MwaaSignIn(pulumi.ComponentResource):
    """One IAM login role per Airflow role that `accessTeams` maps someone to."""

    role_arns: dict[str, pulumi.Output[str]]
    """Airflow role -> the IAM role its teams assume to sign in."""
    console_urls: dict[str, pulumi.Output[str]]
    """Airflow role -> the console's switch-role link for that IAM role."""

    def __init__(
        self, name: str, args: MwaaSignInArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:mwaa_sign_in:MwaaSignIn", name, None, opts)
        env = args.environment_name
        account = Account.lookup(self)
        principals = args.access.iam_principals_by_role()
        if not principals:
            pulumi.log.warn(
                "accessTeams: no team is mapped to an Airflow role, so nobody can sign in to "
                f"{env}'s Airflow UI (docs/sign-in.md 'Add a team')",
                resource=self,
            )
        self.role_arns, self.console_urls = {}, {}
        for airflow_role, members in sorted(principals.items()):
            suffix = f"web-login-{airflow_role.lower()}"
            role = aws.iam.Role(
                f"{name}-{suffix}",
                description=f"Sign in to Airflow {env} as {airflow_role} (accessTeams)",
                assume_role_policy=policy_document([login_trust_statement(members)]),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.iam.RolePolicy(
                f"{name}-{suffix}-token",
                role=role.id,
                policy=policy_document(
                    [
                        {
                            "Sid": "WebLoginAs" + airflow_role,
                            "Effect": "Allow",
                            "Action": "airflow:CreateWebLoginToken",
                            "Resource": login_role_resource(account, env, airflow_role),
                        },
                        {
                            "Sid": "ConsolePage",
                            "Effect": "Allow",
                            "Action": "airflow:GetEnvironment",
                            "Resource": args.environment_arn,
                        },
                        {
                            # The console's environment list, where the switched role lands.
                            # ListEnvironments has no resource type (Service Authorization
                            # Reference): "*" is the only Resource it accepts. Read-only.
                            "Sid": "ConsoleEnvironmentList",
                            "Effect": "Allow",
                            "Action": "airflow:ListEnvironments",
                            "Resource": "*",
                        },
                    ]
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.role_arns[airflow_role] = role.arn
            self.console_urls[airflow_role] = pulumi.Output.format(
                "https://signin.aws.amazon.com/switchrole?roleName={0}&account={1}"
                "&displayName={2}-{3}",
                role.name,
                account.account_id,
                env,
                airflow_role,
            )
        self.register_outputs({"roleArns": self.role_arns, "consoleUrls": self.console_urls})
