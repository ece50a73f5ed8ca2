"""MWAA (dev) sign-in: each mapped Airflow role gets one IAM login role that only its teams'
principals may assume and that may obtain a web login token for that Airflow role alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policy.rules import registry
from tests.aws_model import operation_input, problems, to_api
from tests.conftest import plan_of, statements
from tools import plan as planner

ACCOUNT = "111122223333"  # tools/mocks.py's caller identity
ENV = "airflow-dev"
SSO = "arn:aws:iam::{0}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{1}_0123456789abcdef"
RELIABILITY = SSO.format(ACCOUNT, "DataReliability")
ANALYSTS = SSO.format(ACCOUNT, "Analysts")
ONCALL = f"arn:aws:iam::{ACCOUNT}:role/oncall"
TEAMS = [
    {"name": "data-reliability", "role": "Op", "iamPrincipals": [RELIABILITY]},
    {"name": "on-call", "role": "Op", "iamPrincipals": [ONCALL, RELIABILITY]},
    {"name": "analysts", "role": "Viewer", "iamPrincipals": [ANALYSTS]},
]
TOKEN = "airflow:CreateWebLoginToken"


@pytest.fixture(scope="module")
def dev() -> planner.Plan:
    return planner.run("dev", overrides={"airflow:accessTeams": TEAMS})


def _iam_documents(plan: planner.Plan) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(resource, policy document) for every identity policy the stack declares."""
    found = []
    for r in plan.resources():
        inputs = r["inputs"]
        if r["type"] in {"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"}:
            found.append((r, json.loads(inputs["policy"])))
        elif r["type"] == "aws:iam/role:Role":
            found += [(r, json.loads(p["policy"])) for p in inputs.get("inlinePolicies") or []]
    return found


def _login_roles(plan: planner.Plan) -> dict[str, dict[str, Any]]:
    return {
        r["name"]: r
        for r in plan.resources()
        if r["type"] == "aws:iam/role:Role" and "-web-login-" in r["name"]
    }


def test_only_mapped_roles_arns_get_login_tokens(dev: planner.Plan) -> None:
    grants = [
        (r["name"], s)
        for r, doc in _iam_documents(dev)
        for s in statements(doc)
        if s["Effect"] == "Allow" and TOKEN in (s["Action"], *list(s["Action"]))
    ]
    assert sorted((name, s["Resource"]) for name, s in grants) == [
        (f"{ENV}-web-login-op-token", f"arn:aws:airflow:us-east-1:{ACCOUNT}:role/{ENV}/Op"),
        (f"{ENV}-web-login-viewer-token", f"arn:aws:airflow:us-east-1:{ACCOUNT}:role/{ENV}/Viewer"),
    ]
    # The token statement grants nothing else; the only other one reads this environment.
    for name, s in grants:
        assert s["Action"] == TOKEN, name
    others = [
        s
        for r, doc in _iam_documents(dev)
        if "-web-login-" in r["name"]
        for s in statements(doc)
        if s["Action"] != TOKEN
    ]
    assert {(s["Action"], s["Resource"]) for s in others} == {
        ("airflow:GetEnvironment", f"arn:aws:airflow:us-east-1:{ACCOUNT}:environment/{ENV}"),
        # The console's environment list after switching role; List actions take only "*".
        ("airflow:ListEnvironments", "*"),
    }


def test_only_the_mapped_principals_may_assume_each_login_role(dev: planner.Plan) -> None:
    trusted = {
        name: [
            (s["Action"], sorted(s["Principal"]["AWS"]))
            for s in statements(r["inputs"]["assumeRolePolicy"])
        ]
        for name, r in _login_roles(dev).items()
    }
    assert trusted == {
        f"{ENV}-web-login-op": [("sts:AssumeRole", sorted([ONCALL, RELIABILITY]))],
        f"{ENV}-web-login-viewer": [("sts:AssumeRole", [ANALYSTS])],
    }
    policies = {r["inputs"]["role"] for r in dev.resources() if "-web-login-" in r["name"]
                and r["type"] == "aws:iam/rolePolicy:RolePolicy"}  # fmt: skip
    # Each policy sits on its own login role (the mocks' role id is its name).
    assert len(policies) == 2


def test_login_roles_pass_the_policy_pack_and_the_iam_api_model(dev: planner.Plan) -> None:
    roles = list(_login_roles(dev).values())
    # Every resource of the sign-in: the roles (trust) and their policies (the grants).
    sign_in = [r for r in dev.resources() if "-web-login-" in r["name"]]
    assert {r["type"] for r in sign_in} == {"aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"}
    findings = registry.evaluate(sign_in, {})
    assert [f.message for f in findings if f.blocking] == []
    create_role = operation_input("iam", "CreateRole")
    put_policy = operation_input("iam", "PutRolePolicy")
    for r in roles:
        call = {"RoleName": r["name"], **to_api(create_role, _api_inputs(r["inputs"]))}
        assert problems(create_role, call) == [], r["name"]
    for r in dev.resources():
        if r["type"] == "aws:iam/rolePolicy:RolePolicy" and "-web-login-" in r["name"]:
            call = {"RoleName": r["inputs"]["role"], "PolicyName": r["name"],
                    "PolicyDocument": r["inputs"]["policy"]}  # fmt: skip
            assert problems(put_policy, call) == [], r["name"]


def _api_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    renamed = {"assumeRolePolicy": "assumeRolePolicyDocument"}
    return {
        renamed.get(k, k): v for k, v in inputs.items() if k in {"assumeRolePolicy", "description"}
    }


def test_outputs_give_the_console_and_cli_way_in(dev: planner.Plan) -> None:
    arns = dev.outputs["webLoginRoleArns"]
    assert sorted(arns) == ["Op", "Viewer"]
    assert all(a.startswith(f"arn:aws:iam::{ACCOUNT}:role/") for a in arns.values())
    urls = dev.outputs["webLoginConsoleUrls"]
    assert urls["Op"].startswith("https://signin.aws.amazon.com/switchrole?roleName=")
    assert f"account={ACCOUNT}" in urls["Op"]
    assert dev.outputs["webLoginCommand"] == f"aws mwaa create-web-login-token --name {ENV}"


def test_no_team_warns_that_nobody_can_sign_in() -> None:
    plan = plan_of("dev")
    assert any("nobody can sign in" in n for n in plan.notes)
    assert _login_roles(plan) == {}
    assert plan.outputs["webLoginRoleArns"] == {}
