"""EKS (prod) sign-in, whole stack: the API server signs people in through the settings'
identity provider with the roles the settings map, reads the client secret from Secrets
Manager with a role only it has, and no person-facing password is created."""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest

from components.eks.airflow import SIGN_IN_CONFIG_ANNOTATION
from components.eks.sign_in import REDIRECT_PATH, USERNAME_PREFIX
from policy.rules import registry
from tests.conftest import planned, statements
from tests.test_stack_network import ENDPOINTS, variant
from tools import plan as planner
from tools.mocks import EXAMPLE_IMAGE_REGISTRY, EXAMPLE_VPC_GIT

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow-oidc-client-AbC123"
ISSUER = "https://login.example.com/realms/corp"
SIGN_IN = {
    "airflow:accessTeams": [
        {"name": "data-reliability", "role": "Op", "oidcGroups": ["data-reliability"]},
        {"name": "analysts", "role": "Viewer", "oidcGroups": ["analysts", "finance"]},
        {"name": "platform", "role": "Admin", "oidcGroups": ["platform-admins"]},
        {"name": "readers", "role": "Viewer", "oidcGroups": ["data-reliability"]},
    ],
    "airflow:accessOidcIssuer": ISSUER,
    "airflow:accessOidcClientId": "airflow-prod",
    "airflow:accessOidcClientSecretArn": SECRET_ARN,
}


@pytest.fixture(scope="module")
def prod() -> planner.Plan:
    return planner.run("prod", overrides=SIGN_IN)


def airflow_values(plan: planner.Plan) -> dict[str, Any]:
    (release,) = [
        r
        for r in plan.resources()
        if r["type"] == "kubernetes:helm.sh/v3:Release" and r["inputs"].get("name") == "airflow"
    ]
    return dict(release["inputs"]["values"])


def config_literals(source: str) -> dict[str, Any]:
    """The module-level constants of a webserver_config.py (literal assignments only)."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                found[node.targets[0].id] = ast.unparse(node.value)
    return found


def test_the_api_server_signs_in_through_the_settings_identity_provider(
    prod: planner.Plan,
) -> None:
    config = config_literals(airflow_values(prod)["apiServer"]["apiServerConfig"])
    assert config["AUTH_TYPE"] == "AUTH_OAUTH"
    assert config["ISSUER"] == ISSUER and config["CLIENT_ID"] == "airflow-prod"
    assert config["GROUPS_CLAIM"] == "groups"
    assert config["AUTH_ROLES_MAPPING"] == {
        "analysts": ["Viewer"],
        "data-reliability": ["Op", "Viewer"],
        "finance": ["Viewer"],
        "platform-admins": ["Admin"],
    }
    assert config["AUTH_ROLES_SYNC_AT_LOGIN"] is True  # leaving a group removes its role
    assert config["SECURITY_MANAGER_CLASS"] == "SignInSecurityManager"
    assert config["USERNAME_PREFIX"] == USERNAME_PREFIX
    # The chart's default auth manager is FAB; the program keeps it.
    assert "auth_manager" not in airflow_values(prod)["config"].get("core", {})


def test_no_client_secret_in_clear_only_its_arn_read_by_the_api_servers_role(
    prod: planner.Plan,
) -> None:
    values = json.dumps(airflow_values(prod))
    source = airflow_values(prod)["apiServer"]["apiServerConfig"]
    assert "client_secret=_client_secret()" in source
    assert "get_secret_value(SecretId=CLIENT_SECRET_ARN)" in source
    # Nothing the program declares holds a client secret: no Secrets Manager value of it, no
    # Kubernetes Secret naming it, no config key.
    others = [r for r in prod.resources() if r["type"] != "kubernetes:helm.sh/v3:Release"]
    assert not any("client_secret" in json.dumps(r["inputs"]).lower() for r in others)
    assert "clientSecret" not in values and 'CLIENT_SECRET\\"' not in values
    readers = {
        r["name"]: statements(json.loads(r["inputs"]["policy"]))
        for r in prod.resources()
        if r["type"] in {"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"}
        and SECRET_ARN in r["inputs"]["policy"]
    }
    assert list(readers) == ["airflow-prod-cluster-airflow-api-server-irsa-oidc-client-secret"]
    reader = [r for r in prod.resources() if r["name"] in readers]
    assert [f.message for f in registry.evaluate(reader, {}) if f.blocking] == []
    (statement,) = next(iter(readers.values()))
    assert (statement["Action"], statement["Resource"]) == (
        "secretsmanager:GetSecretValue",
        SECRET_ARN,
    )


def test_no_default_admin_user_and_the_machine_logins_stay(prod: planner.Plan) -> None:
    values = airflow_values(prod)
    job = values["createUserJob"]
    assert job["defaultUser"]["role"] != "Admin" and job["defaultUser"]["password"] == ""
    assert "webserver" not in values or "defaultUser" not in values["webserver"]
    script = job["args"][-1]
    assert "-r Admin" not in script and "Admin" not in script
    assert '"$STATE_API_USERNAME" "$STATE_API_PASSWORD" Op' in script


def test_the_redirect_url_the_identity_provider_must_allow_is_an_output(
    prod: planner.Plan,
) -> None:
    url = prod.outputs["signInRedirectUrl"]
    assert url == prod.outputs["webUrl"].rstrip("/") + REDIRECT_PATH


def test_without_teams_nobody_can_sign_in_and_the_program_says_so() -> None:
    plan = planned("prod")  # prod as shipped: no teams (shared with the other stack tests)
    assert any("nobody can sign in" in n for n in plan.notes)
    assert "apiServerConfig" not in airflow_values(plan)["apiServer"]
    assert not any(r["name"].endswith("oidc-client-secret") for r in plan.resources())


def test_a_changed_mapping_rolls_the_api_server(prod: planner.Plan) -> None:
    # The chart mounts webserver_config.py as a subPath, which Kubernetes never refreshes:
    # only a changed pod annotation restarts the API server with the new mapping.
    teams = [dict(team) for team in SIGN_IN["airflow:accessTeams"]]
    teams[1] = {**teams[1], "role": "User"}
    changed = planner.run("prod", overrides={**SIGN_IN, "airflow:accessTeams": teams})
    before = airflow_values(prod)["apiServer"]["podAnnotations"][SIGN_IN_CONFIG_ANNOTATION]
    after = airflow_values(changed)["apiServer"]["podAnnotations"][SIGN_IN_CONFIG_ANNOTATION]
    assert before != after


def test_without_nat_the_plan_warns_that_the_issuer_must_be_reachable() -> None:
    endpoints = {
        "airflow:egress": "endpoints",
        "airflow:natStrategy": "",
        "airflow:eksImageRegistry": EXAMPLE_IMAGE_REGISTRY,
    }
    vpc_git = {f"airflow:{key}": value for key, value in EXAMPLE_VPC_GIT.items()}
    plan = planner.run("prod", overrides={**SIGN_IN, **endpoints, **vpc_git})
    assert any("accessOidcIssuer" in n and ISSUER in n for n in plan.notes), plan.notes
    without_sign_in = variant("prod", "endpoints")  # the same overrides, planned once
    assert {**endpoints, **vpc_git} == ENDPOINTS
    assert not any("accessOidcIssuer" in n for n in without_sign_in.notes)
