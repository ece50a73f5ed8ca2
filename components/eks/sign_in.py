"""How people sign in to Airflow on EKS (prod): the organisation's OpenID Connect identity
provider, through the FAB auth manager's OAuth sign-in, the role from the group claim.

Why FAB with OAuth rather than the Amazon provider's AWS auth manager: the chart already runs
FAB (its default `core.auth_manager`), the machine logins (state transfer, backup;
components/eks/state_logins.py) are FAB database users whose `POST /auth/token` keeps working
under OAuth (FAB checks their passwords whatever AUTH_TYPE says), and any OIDC provider works,
while the AWS auth manager needs IAM Identity Center with an AWS-hosted SAML application and
Amazon Verified Permissions, and has no password logins for automation.

`webserver_config()` writes the API server's `webserver_config.py` (the chart's
`apiServer.apiServerConfig`): AUTH_OAUTH with one provider `oidc` from the issuer's discovery
document, AUTH_ROLES_MAPPING from `accessTeams`, roles synced at every sign-in, and a security
manager that refuses a person in no mapped group (FAB would otherwise register them with no
role). The client secret is read from Secrets Manager when the API server starts, with the API
server's own IRSA role (the only one allowed to read it); it is never in the Helm values,
the ConfigMap or the Pulumi state. People's usernames carry the prefix `oidc:`, so nobody at
the identity provider can take over a machine login by its name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi

from components.aws_helpers import policy_document
from components.settings import AccessSettings

PROVIDER = "oidc"
# FAB's OAuth callback, under the API server's /auth mount (Airflow 3's FAB auth manager).
REDIRECT_PATH = f"/auth/oauth-authorized/{PROVIDER}"
USERNAME_PREFIX = "oidc:"
SCOPES = "openid email profile"


def redirect_url(web_url: str) -> str:
    """The redirect URL the identity provider must allow for Airflow's application."""
    return web_url.rstrip("/") + REDIRECT_PATH


def roles_by_group(access: AccessSettings) -> dict[str, list[str]]:
    """Identity-provider group -> the Airflow roles its members get (AUTH_ROLES_MAPPING)."""
    mapping: dict[str, list[str]] = {}
    for role, groups in sorted(access.oidc_groups_by_role().items()):
        for group in groups:
            mapping.setdefault(group, []).append(role)
    return dict(sorted(mapping.items()))


def webserver_config(
    *,
    issuer: str,
    client_id: str,
    client_secret_arn: str,
    groups_claim: str,
    mapping: Mapping[str, Sequence[str]],
) -> str:
    """The API server's webserver_config.py. Only plain data is interpolated (as JSON
    literals), so no setting can inject code; the chart passes the text through Helm's `tpl`,
    which the absence of double braces keeps intact."""
    settings = {
        "ISSUER": issuer.rstrip("/"),
        "CLIENT_ID": client_id,
        "CLIENT_SECRET_ARN": client_secret_arn,
        "GROUPS_CLAIM": groups_claim,
        "AUTH_ROLES_MAPPING": {g: list(r) for g, r in mapping.items()},
    }
    literals = "\n".join(f"{k} = {json.dumps(v, indent=4)}" for k, v in settings.items())
    text = f'''"""Sign-in through the identity provider (components/eks/sign_in.py)."""

import logging

import boto3
from flask_appbuilder.security.manager import AUTH_OAUTH

from airflow.providers.fab.auth_manager.security_manager.override import (
    FabAirflowSecurityManagerOverride,
)

log = logging.getLogger(__name__)

{literals}
PROVIDER = {json.dumps(PROVIDER)}
USERNAME_PREFIX = {json.dumps(USERNAME_PREFIX)}


def _client_secret():
    # Read at start with the API server's IRSA role; never written to a file or the values.
    region = CLIENT_SECRET_ARN.split(":")[3]
    client = boto3.client("secretsmanager", region_name=region)
    return client.get_secret_value(SecretId=CLIENT_SECRET_ARN)["SecretString"]


AUTH_TYPE = AUTH_OAUTH
AUTH_USER_REGISTRATION = True
AUTH_USER_REGISTRATION_ROLE = "Public"
AUTH_ROLES_SYNC_AT_LOGIN = True
OAUTH_PROVIDERS = [
    dict(
        name=PROVIDER,
        icon="fa-key",
        token_key="access_token",
        remote_app=dict(
            client_id=CLIENT_ID,
            client_secret=_client_secret(),
            server_metadata_url=ISSUER + "/.well-known/openid-configuration",
            client_kwargs=dict(scope={json.dumps(SCOPES)}),
        ),
    )
]


class SignInSecurityManager(FabAirflowSecurityManagerOverride):
    """Roles from the group claim; nobody in no mapped group gets in."""

    def get_oauth_user_info(self, provider, resp):
        claims = dict(resp.get("userinfo") or dict())
        if GROUPS_CLAIM not in claims:
            claims.update(self.oauth_remotes[provider].userinfo())
        groups = claims.get(GROUPS_CLAIM) or []
        name = claims.get("preferred_username") or claims.get("email") or claims["sub"]
        return dict(
            username=USERNAME_PREFIX + name,
            email=claims.get("email", ""),
            first_name=claims.get("given_name", ""),
            last_name=claims.get("family_name", ""),
            role_keys=[groups] if isinstance(groups, str) else list(groups),
        )

    def auth_user_oauth(self, userinfo, rotate_session_id=True):
        if not self.get_roles_from_keys(userinfo.get("role_keys", [])):
            log.warning("sign-in refused: %s is in no mapped group", userinfo.get("username"))
            return None
        return super().auth_user_oauth(userinfo, rotate_session_id)


SECURITY_MANAGER_CLASS = SignInSecurityManager
'''
    if "{{" in text:  # only a setting's text can bring it
        raise ValueError(
            "accessTeams[].oidcGroups, accessOidc*: must not contain '{{' (Helm's tpl reads "
            "the API server's config as a template)"
        )
    return text


def from_settings(access: AccessSettings) -> str:
    """The API server's webserver_config.py for these settings."""
    return webserver_config(
        issuer=access.oidc_issuer,
        client_id=access.oidc_client_id,
        client_secret_arn=access.oidc_client_secret_arn,
        groups_claim=access.oidc_groups_claim,
        mapping=roles_by_group(access),
    )


def client_secret_policy(secret_arn: str) -> pulumi.Output[str]:
    """What the API server's role may do with the client secret: read that one secret."""
    return policy_document(
        [
            {
                "Sid": "OidcClientSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arn,
            }
        ]
    )
