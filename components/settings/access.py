"""Sign-in settings: which teams may open Airflow, with which Airflow role, on both stacks.

One list of teams serves both architectures. A team names its Airflow role once, and who
its members are on each stack: on MWAA (dev) the IAM principals they sign in to AWS as (for
example an IAM Identity Center permission set's role), on EKS (prod) the group the
organisation's OpenID Connect identity provider puts in their token. A team has the same
rights on dev and prod because the role is written once. The OIDC client secret never
enters config: only the ARN of the Secrets Manager secret that holds it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, model_validator

from components.settings.base import _HTTPS_URL, _Group, _key

AirflowRole = Literal["Admin", "Op", "User", "Viewer"]
AIRFLOW_ROLES: tuple[str, ...] = get_args(AirflowRole)

# An IAM role or user, with a path (Identity Center roles live under
# aws-reserved/sso.amazonaws.com/); the trust policy of each login role names them exactly.
_IAM_PRINCIPAL = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$"
)
_SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$"
)
_TEAM_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_CLAIM = re.compile(r"^[A-Za-z_][\w:./-]{0,99}$")
# Config keys a user might reach for that would put the client secret in clear.
CLEAR_SECRET_KEYS = ("accessOidcClientSecret",)
CLEAR_SECRET_HINT = (
    "the client secret never goes into config or state; store it in Secrets Manager and set "
    "accessOidcClientSecretArn to that secret's ARN (docs/sign-in.md)"
)


# IAM's default cap on a role's trust policy, white space not counted (IAM quotas: "Role
# trust policy length"; an account can ask for up to 8,192).
TRUST_POLICY_LIMIT = 2048


def login_trust_statement(principals: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The one statement of a dev login role's trust policy (components/mwaa_sign_in.py):
    the mapped principals may assume it."""
    return {
        "Sid": "MappedTeams",
        "Effect": "Allow",
        "Principal": {"AWS": sorted(principals)},
        "Action": "sts:AssumeRole",
    }


def trust_policy_size(principals: tuple[str, ...] | list[str]) -> int:
    """Characters IAM counts of the login role's trust policy (white space not counted)."""
    document = {"Version": "2012-10-17", "Statement": [login_trust_statement(principals)]}
    return len(json.dumps(document, separators=(",", ":")))


class AccessTeam(BaseModel):
    """One team: its Airflow role and who its members are on each stack."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: AirflowRole
    iam_principals: tuple[str, ...] = ()
    oidc_groups: tuple[str, ...] = ()


class AccessSettings(_Group):
    """Who signs in to Airflow, with which role (docs/sign-in.md)."""

    teams: tuple[AccessTeam, ...] = _key(
        "accessTeams",
        (),
        "Teams that may sign in, each {name, role: Admin|Op|User|Viewer, iamPrincipals: IAM "
        "role/user ARNs signing in to MWAA (dev), oidcGroups: the identity provider's group "
        "names (prod)}. Empty: nobody can sign in (a warning).",
    )
    oidc_issuer: str = _key(
        "accessOidcIssuer",
        "",
        "OpenID Connect issuer URL of the organisation's identity provider (https; eks).",
    )
    oidc_client_id: str = _key(
        "accessOidcClientId", "", "Client id of Airflow's application at the identity provider."
    )
    oidc_client_secret_arn: str = _key(
        "accessOidcClientSecretArn",
        "",
        "ARN of the Secrets Manager secret holding that application's client secret (plain "
        "text); only the API server reads it, at start.",
    )
    oidc_groups_claim: str = _key(
        "accessOidcGroupsClaim",
        "groups",
        "The ID token / userinfo claim listing the user's groups.",
    )

    @model_validator(mode="before")
    @classmethod
    def _check_access(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        errors = []
        raw = data.get("accessTeams", ())
        if isinstance(raw, (list, tuple)):
            teams, team_errors = _teams(raw)
            errors += team_errors
            data = {**data, "accessTeams": teams}
        else:
            errors.append("accessTeams: must be a list of {name, role, iamPrincipals, oidcGroups}")
        issuer = data.get("accessOidcIssuer", "")
        if issuer and not (isinstance(issuer, str) and _HTTPS_URL.match(issuer)):
            errors.append(f"accessOidcIssuer: {issuer!r} is not an https:// URL")
        secret = data.get("accessOidcClientSecretArn", "")
        if secret and not (isinstance(secret, str) and _SECRET_ARN.match(secret)):
            errors.append(
                "accessOidcClientSecretArn: is not a Secrets Manager secret ARN "
                "(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>); "
                "never the client secret itself"
            )
        claim = data.get("accessOidcGroupsClaim", "groups")
        if not (isinstance(claim, str) and _CLAIM.match(claim)):
            errors.append(f"accessOidcGroupsClaim: {claim!r} is not a claim name")
        if errors:
            raise ValueError("\n".join(errors))
        return data

    def iam_principals_by_role(self) -> dict[str, tuple[str, ...]]:
        """Airflow role -> the IAM principals of every team with that role (MWAA)."""
        return _by_role(self.teams, "iam_principals")

    def oidc_groups_by_role(self) -> dict[str, tuple[str, ...]]:
        """Airflow role -> the identity provider's groups of every team with that role (EKS)."""
        return _by_role(self.teams, "oidc_groups")

    def stack_errors(self, architecture: str) -> list[str]:
        """What this stack's architecture needs of the teams and the identity provider."""
        errors = []
        field, key, what = (
            ("iam_principals", "iamPrincipals", "the IAM principals its members sign in to AWS as")
            if architecture == "mwaa"
            else ("oidc_groups", "oidcGroups", "the identity provider's groups of its members")
        )
        for i, team in enumerate(self.teams):
            if not getattr(team, field):
                errors.append(
                    f"accessTeams[{i}].{key}: team {team.name!r} needs {what} on {architecture}"
                )
        if architecture == "mwaa":
            for role, principals in self.iam_principals_by_role().items():
                size = trust_policy_size(principals)
                if size > TRUST_POLICY_LIMIT:
                    errors.append(
                        f"accessTeams: the {len(principals)} iamPrincipals mapped to {role} make "
                        f"its login role's trust policy {size} characters, over IAM's "
                        f"{TRUST_POLICY_LIMIT}; map fewer principals to {role} (for example one "
                        "permission set per team)"
                    )
        if architecture == "eks" and self.teams:
            for key, value in (
                ("accessOidcIssuer", self.oidc_issuer),
                ("accessOidcClientId", self.oidc_client_id),
                ("accessOidcClientSecretArn", self.oidc_client_secret_arn),
            ):
                if not value:
                    errors.append(
                        f"{key}: is required on eks when accessTeams is set (people sign in "
                        "through the identity provider)"
                    )
        return errors


def _by_role(teams: tuple[AccessTeam, ...], field: str) -> dict[str, tuple[str, ...]]:
    mapping: dict[str, list[str]] = {}
    for team in teams:
        members = mapping.setdefault(team.role, [])
        members += [m for m in getattr(team, field) if m not in members]
    return {role: tuple(members) for role, members in mapping.items() if members}


def _teams(raw: list[Any] | tuple[Any, ...]) -> tuple[list[AccessTeam], list[str]]:
    """Each team checked, one line per mistake naming `accessTeams[i].<key>`."""
    teams, errors, names = [], [], set()
    allowed = {"name", "role", "iamPrincipals", "oidcGroups"}
    for i, entry in enumerate(raw):
        where = f"accessTeams[{i}]"
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be an object {{name, role, iamPrincipals, oidcGroups}}")
            continue
        before = len(errors)
        errors += [
            f"{where}.{key}: is not a team key ({', '.join(sorted(allowed))})"
            for key in sorted(set(entry) - allowed)
        ]
        name, role = entry.get("name", ""), entry.get("role", "")
        if not (isinstance(name, str) and _TEAM_NAME.match(name)):
            errors.append(f"{where}.name: {name!r} is not 2-32 lower-case letters, digits, hyphens")
        elif name in names:
            errors.append(f"{where}.name: {name!r} is listed twice")
        names.add(name)
        if role not in AIRFLOW_ROLES:
            errors.append(f"{where}.role: {role!r} is not one of {', '.join(AIRFLOW_ROLES)}")
        principals = _strings(entry.get("iamPrincipals", []), f"{where}.iamPrincipals", errors)
        for j, arn in enumerate(principals):
            if not _IAM_PRINCIPAL.match(arn):
                errors.append(
                    f"{where}.iamPrincipals[{j}]: {arn!r} is not an IAM role or user ARN "
                    "(arn:aws:iam::<account>:role/<path/><name>)"
                )
        groups = _strings(entry.get("oidcGroups", []), f"{where}.oidcGroups", errors)
        for j, group in enumerate(groups):
            if not group.strip() or len(group) > 256:
                errors.append(f"{where}.oidcGroups[{j}]: {group!r} is not a group name")
        if len(errors) == before:
            teams.append(
                AccessTeam(
                    name=name,
                    role=role,
                    iam_principals=tuple(principals),
                    oidc_groups=tuple(groups),
                )
            )
    return teams, errors


def _strings(value: Any, where: str, errors: list[str]) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        errors.append(f"{where}: must be a list of strings")
        return []
    if len(set(value)) != len(value):
        errors.append(f"{where}: has duplicates")
    return list(value)
