"""Sign-in settings: one list of teams for both stacks, one clear line per mistake."""

from __future__ import annotations

from typing import Any

import pytest

from components.settings import SettingsError
from tests.conftest import settings_for

PRINCIPAL = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DR_0a1b"
SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow-oidc-client-AbC123"
OIDC = {
    "accessOidcIssuer": "https://login.example.com/realms/corp",
    "accessOidcClientId": "airflow-prod",
    "accessOidcClientSecretArn": SECRET,
}
TEAM = {"name": "data-reliability", "role": "Op", "iamPrincipals": [PRINCIPAL],
        "oidcGroups": ["data-reliability"]}  # fmt: skip


def errors(arch: str = "eks", **overrides: Any) -> list[str]:
    with pytest.raises(SettingsError) as exc:
        settings_for(arch, **overrides)
    return str(exc.value).splitlines()


def test_one_team_is_the_same_role_on_both_stacks() -> None:
    dev = settings_for("mwaa", accessTeams=[TEAM]).access
    prod = settings_for("eks", accessTeams=[TEAM], **OIDC).access
    assert dev.iam_principals_by_role() == {"Op": (PRINCIPAL,)}
    assert prod.oidc_groups_by_role() == {"Op": ("data-reliability",)}
    assert prod.oidc_issuer == OIDC["accessOidcIssuer"] and prod.oidc_groups_claim == "groups"


def test_teams_with_one_role_share_it() -> None:
    other = {**TEAM, "name": "on-call", "oidcGroups": ["on-call", "data-reliability"]}
    access = settings_for("eks", accessTeams=[TEAM, other], **OIDC).access
    assert access.oidc_groups_by_role() == {"Op": ("data-reliability", "on-call")}


def test_no_team_is_allowed() -> None:
    assert settings_for("eks").access.teams == ()
    assert settings_for("mwaa").access.teams == ()


def test_unknown_role_is_one_line() -> None:
    assert errors(accessTeams=[{**TEAM, "role": "Superuser"}], **OIDC) == [
        "accessTeams[0].role: 'Superuser' is not one of Admin, Op, User, Viewer"
    ]


def test_issuer_must_be_https() -> None:
    assert errors(accessTeams=[TEAM], **{**OIDC, "accessOidcIssuer": "http://idp.example.com"}) == [
        "accessOidcIssuer: 'http://idp.example.com' is not an https:// URL"
    ]


def test_missing_client_id_is_one_line() -> None:
    oidc = {k: v for k, v in OIDC.items() if k != "accessOidcClientId"}
    assert errors(accessTeams=[TEAM], **oidc) == [
        "accessOidcClientId: is required on eks when accessTeams is set (people sign in "
        "through the identity provider)"
    ]


def test_client_secret_in_clear_is_refused() -> None:
    (line,) = errors(accessTeams=[TEAM], accessOidcClientSecret="s3cr3t", **OIDC)
    assert line.startswith("accessOidcClientSecret: the client secret never goes into config")
    assert "s3cr3t" not in line
    (line,) = errors(accessTeams=[TEAM], **{**OIDC, "accessOidcClientSecretArn": "s3cr3t"})
    assert line.startswith("accessOidcClientSecretArn: is not a Secrets Manager secret ARN")
    assert "s3cr3t" not in line


def test_each_stack_needs_its_own_identity_of_a_team() -> None:
    assert errors("mwaa", accessTeams=[{**TEAM, "iamPrincipals": []}]) == [
        "accessTeams[0].iamPrincipals: team 'data-reliability' needs the IAM principals its "
        "members sign in to AWS as on mwaa"
    ]
    assert errors("eks", accessTeams=[{**TEAM, "oidcGroups": []}], **OIDC) == [
        "accessTeams[0].oidcGroups: team 'data-reliability' needs the identity provider's "
        "groups of its members on eks"
    ]


def test_every_mistake_in_the_teams_names_its_key() -> None:
    bad = [
        {"name": "Data Team", "role": "Op", "iamPrincipals": ["alice"], "colour": "red"},
        {**TEAM},
        {**TEAM},
    ]
    assert errors("mwaa", accessTeams=bad) == [
        "accessTeams[0].colour: is not a team key (iamPrincipals, name, oidcGroups, role)",
        "accessTeams[0].name: 'Data Team' is not 2-32 lower-case letters, digits, hyphens",
        "accessTeams[0].iamPrincipals[0]: 'alice' is not an IAM role or user ARN "
        "(arn:aws:iam::<account>:role/<path/><name>)",
        "accessTeams[2].name: 'data-reliability' is listed twice",
    ]


def test_more_principals_than_a_trust_policy_holds_are_refused_in_one_line() -> None:
    # IAM caps a role's trust policy at 2,048 characters: 21 role ARNs of this length (84
    # characters) fit into one login role's trust policy, 22 do not.
    many = [PRINCIPAL.replace("_DR_", f"_DR{i:02d}_") for i in range(22)]
    team = {"name": "everyone", "role": "Viewer", "iamPrincipals": many}
    (line,) = errors("mwaa", accessTeams=[team])
    assert line.startswith("accessTeams: the 22 iamPrincipals mapped to Viewer make")
    assert "over IAM's 2048" in line
    assert settings_for("mwaa", accessTeams=[{**team, "iamPrincipals": many[:21]}]).access.teams
