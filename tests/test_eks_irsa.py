"""IRSA helper: a role only the named service accounts of one cluster can assume."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.irsa import ServiceAccount, aws_managed_policy, irsa_role, web_identity_trust
from tests.conftest import run_program, statements

ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"


def test_trust_names_exactly_the_service_account_and_the_sts_audience() -> None:
    doc = json.loads(
        web_identity_trust(ISSUER, PROVIDER, [ServiceAccount("monitoring", "alertmanager")])
    )
    (statement,) = doc["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": PROVIDER}
    assert statement["Condition"] == {
        "StringEquals": {
            f"{ISSUER}:sub": "system:serviceaccount:monitoring:alertmanager",
            f"{ISSUER}:aud": "sts.amazonaws.com",
        }
    }


def test_several_service_accounts_are_listed_not_wildcarded() -> None:
    accounts = [ServiceAccount("airflow", "airflow-worker"), ServiceAccount("airflow", "a-sched")]
    doc = json.loads(web_identity_trust(ISSUER, PROVIDER, accounts))
    condition = doc["Statement"][0]["Condition"]
    assert set(condition) == {"StringEquals"}  # no StringLike: no wildcards possible
    assert condition["StringEquals"][f"{ISSUER}:sub"] == [
        "system:serviceaccount:airflow:a-sched",
        "system:serviceaccount:airflow:airflow-worker",
    ]


@pytest.mark.parametrize(
    ("issuer", "accounts", "message"),
    [
        (f"https://{ISSUER}", [ServiceAccount("a", "b")], "https://"),
        (ISSUER, [], "at least one service account"),
    ],
)
def test_malformed_trusts_are_refused(
    issuer: str, accounts: list[ServiceAccount], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        web_identity_trust(issuer, PROVIDER, accounts)


def test_role_gets_its_trust_inline_policies_and_managed_policies() -> None:
    def program() -> None:
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        irsa_role(
            "grafana-irsa",
            oidc_issuer=pulumi.Output.from_input(ISSUER),
            oidc_provider_arn=pulumi.Output.from_input(PROVIDER),
            service_accounts=[ServiceAccount("monitoring", "grafana")],
            inline_policies={"read-metrics": '{"Version": "2012-10-17", "Statement": []}'},
            managed_policy_arns=[aws_managed_policy("aws", "CloudWatchReadOnlyAccess")],
            parent=parent,
        )

    d = run_program(program)
    role = d.one("aws:iam/role:Role")
    trust = statements(role.inputs["assumeRolePolicy"])[0]
    assert trust["Condition"]["StringEquals"][f"{ISSUER}:sub"] == (
        "system:serviceaccount:monitoring:grafana"
    )
    inline = d.one("aws:iam/rolePolicy:RolePolicy")
    assert inline.name == "grafana-irsa-read-metrics" and inline.inputs["role"] == role.id
    attachment = d.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["role"] == role.outputs["name"]
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"
    parent = d.one("test:index:Parent")
    assert {r.parent for r in (role, inline, attachment)} == {parent.urn}
