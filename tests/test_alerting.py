"""Alerting: encrypted topics only AWS publishers may use, subscribers from settings, event
routes that match real events and reach each channel in a format it accepts, the budgets."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from components.alerting import Alerting, AlertingArgs, chat_template, event_routes
from tests.chatbot import chat_problems
from tests.conftest import (
    Declared,
    assumers_missing_grants,
    assumers_of,
    run_program,
    settings_for,
    shared_build,
    statements,
)
from tests.eventbridge import matches, render, transform

REGION, ACCOUNT, ENV = "us-east-1", "111122223333", "airflow-dev"
TOPIC, CHAT_TOPIC = "alerting-alerts", "alerting-alerts-chat"
SNS_TOPIC = "aws:sns/topic:Topic"
PUSH_APP = "arn:aws:sns:us-east-1:111122223333:app/GCM/oncall"
PUSH_ENDPOINT = f"{PUSH_APP.replace(':app/', ':endpoint/')}/5d2e3b3c-1111-2222-3333-444455556666"

ALARM_EVENT = {
    "version": "0",
    "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
    "detail-type": "CloudWatch Alarm State Change",
    "source": "aws.cloudwatch",
    "account": ACCOUNT,
    "time": "2026-11-21T08:00:00Z",
    "region": REGION,
    "resources": [f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{ENV}-scheduler-heartbeat"],
    "detail": {
        "alarmName": f"{ENV}-scheduler-heartbeat",
        "state": {
            "value": "ALARM",
            "reason": "Threshold Crossed: 2 datapoints were less than the threshold (1.0).",
            "timestamp": "2026-11-21T08:00:00.000+0000",
        },
        "previousState": {"value": "OK"},
        "configuration": {"metrics": []},
    },
}
MWAA_EVENT = {
    "version": "0",
    "id": "1f7e4a3c-2b1d-4c5e-9f0a-123456789abc",
    "detail-type": "MWAA Environment Status Change",
    "source": "aws.airflow",
    "account": ACCOUNT,
    "time": "2026-11-21T08:05:00Z",
    "region": REGION,
    "resources": [f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/{ENV}"],
    "detail": {"status": "UNAVAILABLE", "previousStatus": "AVAILABLE"},
}
ADDON_EVENT = {
    "version": "0",
    "id": "7d0b9d42-1e33-4a52-8b54-0a8f0f0f1234",
    "detail-type": "EKS Addon Health Degraded",
    "source": "aws.eks",
    "account": ACCOUNT,
    "time": "2026-11-21T08:10:00Z",
    "region": REGION,
    "resources": [f"arn:aws:eks:{REGION}:{ACCOUNT}:addon/{ENV}/aws-ebs-csi-driver/a1b2c3d4-0000"],
    "detail": {"addonName": "aws-ebs-csi-driver", "clusterName": ENV},
}
API_ERROR_EVENT = {
    "version": "0",
    "id": "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
    "detail-type": "AWS API Call via CloudTrail",
    "source": "aws.eks",
    "account": ACCOUNT,
    "time": "2026-11-21T08:15:00Z",
    "region": REGION,
    "resources": [],
    "detail": {
        "eventSource": "eks.amazonaws.com",
        "eventName": "UpdateNodegroupConfig",
        "errorCode": "InvalidParameterException",
        "errorMessage": "Minimum capacity 4 can't be greater than desired size 3",
        "userIdentity": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci"},
        "requestParameters": {"name": ENV, "nodegroupName": "workers"},
    },
}


def routes(architecture: str) -> dict[str, Any]:
    return {r.role: r for r in event_routes(ENV, architecture, REGION, ACCOUNT)}


def other(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    for dotted, value in changes.items():
        target = changed
        *parents, leaf = dotted.split("__")
        for part in parents:
            target = target[part]
        target[leaf] = value
    return changed


ELSEWHERE = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:someone-else"
OTHER_ENV = f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/other"
OTHER_ADDON = f"arn:aws:eks:{REGION}:{ACCOUNT}:addon/other/x/1"
SUCCEEDED_CALL = other(API_ERROR_EVENT)
del SUCCEEDED_CALL["detail"]["errorCode"], SUCCEEDED_CALL["detail"]["errorMessage"]
MATCHING = [
    ("mwaa", "alarms", ALARM_EVENT, other(ALARM_EVENT, resources=[ELSEWHERE])),
    (
        "mwaa",
        "alarms",
        ALARM_EVENT,
        # A silence alarm going OK -> INSUFFICIENT_DATA is news (tests/test_alarm_states.py);
        # any other alarm's INSUFFICIENT_DATA is not.
        other(
            ALARM_EVENT,
            detail__state__value="INSUFFICIENT_DATA",
            detail__alarmName=f"{ENV}-oldest-queued-task",
        ),
    ),
    ("mwaa", "mwaa-status", MWAA_EVENT, other(MWAA_EVENT, resources=[OTHER_ENV])),
    (
        "eks",
        "eks-addons",
        ADDON_EVENT,
        other(ADDON_EVENT, **{"detail-type": "EKS Addon Health Restored"}),
    ),
    ("eks", "eks-addons", ADDON_EVENT, other(ADDON_EVENT, resources=[OTHER_ADDON])),
    (
        "eks",
        "eks-api-errors",
        API_ERROR_EVENT,
        other(API_ERROR_EVENT, detail__requestParameters={"name": "x"}),
    ),
    ("eks", "eks-api-errors", API_ERROR_EVENT, SUCCEEDED_CALL),
]


@pytest.mark.parametrize(("architecture", "role", "event", "unrelated"), MATCHING)
def test_rule_matches_a_real_event_and_not_an_unrelated_one(
    architecture: str, role: str, event: dict[str, Any], unrelated: dict[str, Any]
) -> None:
    route = routes(architecture)[role]
    json.dumps(route.pattern)  # valid JSON
    assert matches(route.pattern, event)
    assert not matches(route.pattern, unrelated)


def test_alarm_rule_routes_recovery_from_alarm_but_not_a_first_ok() -> None:
    pattern = routes("mwaa")["alarms"].pattern
    recovered = other(ALARM_EVENT, detail__state__value="OK", detail__previousState__value="ALARM")
    assert matches(pattern, recovered)
    first_evaluation = other(
        ALARM_EVENT, detail__state__value="OK", detail__previousState__value="INSUFFICIENT_DATA"
    )
    assert not matches(pattern, first_evaluation)


@pytest.mark.parametrize(
    ("architecture", "role", "event", "must_contain"),
    [
        ("mwaa", "alarms", ALARM_EVENT, ["[ALARM]", "heartbeat", "Threshold", "alarmsV2"]),
        # An object inserted into a string loses its inner quotes (EventBridge strips them).
        ("mwaa", "mwaa-status", MWAA_EVENT, ["[MWAA]", ENV, "{status:UNAVAILABLE,", "/mwaa/home"]),
        ("eks", "eks-addons", ADDON_EVENT, ["Health Degraded", "aws-ebs-csi-driver", "add-ons"]),
        ("eks", "eks-api-errors", API_ERROR_EVENT, ["UpdateNodegroupConfig", "Invalid", "ci"]),
    ],
)  # fmt: skip
def test_transformer_says_what_where_state_and_links_the_console(
    architecture: str, role: str, event: dict[str, Any], must_contain: list[str]
) -> None:
    route = routes(architecture)[role]
    message = transform(route.paths, route.template, event)
    for text in must_contain:
        assert text in message
    assert "console.aws.amazon.com" in message
    assert len(message) < 600


CHAT_CASES = [
    ("mwaa", "alarms", ALARM_EVENT, ["[ALARM]", f"{ENV}-scheduler-heartbeat", "alarmsV2"]),
    (
        "mwaa",
        "alarms",
        other(ALARM_EVENT, detail__state__value="OK", detail__previousState__value="ALARM"),
        ["[OK]"],
    ),
    ("mwaa", "mwaa-status", MWAA_EVENT, ["[MWAA]", "UNAVAILABLE", "/mwaa/home"]),
    ("eks", "eks-addons", ADDON_EVENT, ["Health Degraded", "aws-ebs-csi-driver", "add-ons"]),
    ("eks", "eks-api-errors", API_ERROR_EVENT, ["UpdateNodegroupConfig", "InvalidParameter"]),
]


@pytest.mark.parametrize(("architecture", "role", "event", "must_contain"), CHAT_CASES)
def test_chat_target_renders_a_chatbot_custom_notification(
    architecture: str, role: str, event: dict[str, Any], must_contain: list[str]
) -> None:
    route = routes(architecture)[role]
    message = render(route.paths, chat_template(route, ENV), event)
    assert chat_problems(message) == []
    shown = json.dumps(json.loads(message)["content"])
    for text in must_contain:
        assert text in shown
    assert "<" not in json.loads(message)["content"]["title"], "a placeholder was left"


@pytest.mark.parametrize("architecture", ["mwaa", "eks"])
def test_chat_cards_stay_json_whatever_free_text_an_event_carries(architecture: str) -> None:
    # EventBridge inserts values unescaped: a quote in an alarm reason or an MWAA detail must
    # not reach the chat template, so those variables are the readable line's only.
    hostile = 'say "hi" \\ and\nleave'
    for route in routes(architecture).values():
        paths = {var: f"$.values.{var}" for var in route.paths}
        for var in route.free_text:
            event = {"values": {v: hostile if v == var else f"value-{v}" for v in route.paths}}
            assert chat_problems(render(paths, chat_template(route, ENV), event)) == [], var
            # ... while the readable line carries it.
            assert hostile in render(paths, route.template, event)


def test_a_free_text_variable_in_a_chat_card_is_refused() -> None:
    route = routes("mwaa")["alarms"]
    broken = type(route)(**{**route.__dict__, "chat": route.chat.__class__(
        title="<reason>", description="d", next_steps=(), keywords=()
    )})  # fmt: skip
    with pytest.raises(ValueError, match="reason"):
        chat_template(broken, ENV)


def test_each_architecture_routes_only_its_own_events() -> None:
    assert set(routes("mwaa")) == {"alarms", "mwaa-status"}
    assert set(routes("eks")) == {"alarms", "eks-addons", "eks-api-errors"}


@shared_build
def build(arch: str = "mwaa", **overrides: Any) -> Declared:
    s = settings_for(arch, stack="dev", **overrides)
    return run_program(
        lambda: Alerting(
            "alerting",
            AlertingArgs(
                settings=s.alerting,
                environment_name=s.environment_name,
                architecture=arch,
                budget_tag=("Environment", "dev"),
                protect=s.protect,
            ),
        )
    )


def test_topics_are_encrypted_with_a_key_the_publishers_may_use() -> None:
    d = build()
    key = d.one("aws:kms/key:Key")
    topics = d.of_type("aws:sns/topic:Topic")
    assert sorted(t.inputs["name"] for t in topics) == [f"{ENV}-alerts", f"{ENV}-alerts-chat"]
    assert {t.inputs["kmsMasterKeyId"] for t in topics} == {key.outputs["arn"]}
    assert key.inputs["enableKeyRotation"] is True
    doc = {s["Sid"]: s for s in statements(key.inputs["policy"])}
    services = doc["EventBridgeAndCloudWatch"]
    assert sorted(services["Principal"]["Service"]) == [
        "cloudwatch.amazonaws.com",
        "events.amazonaws.com",
    ]
    # A source-account condition here would make KMS refuse every EventBridge delivery.
    assert "Condition" not in services
    budgets = doc["Budgets"]
    assert budgets["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert budgets["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
    for statement in (services, budgets):
        assert set(statement["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


@pytest.mark.parametrize("topic_name", [TOPIC, CHAT_TOPIC])
def test_topic_policy_allows_the_three_services_of_this_account_and_nobody_else(
    topic_name: str,
) -> None:
    d = build()
    topic = d.one(SNS_TOPIC, topic_name)
    doc = statements(d.named(f"{topic_name}-policy").inputs["policy"])
    assert d.named(f"{topic_name}-policy").inputs["arn"] == topic.outputs["arn"]
    allows = [s for s in doc if s["Effect"] == "Allow"]
    for s in allows:
        assert s["Resource"] == topic.outputs["arn"]
        principal = s["Principal"]
        assert principal != "*" and principal.get("AWS") != "*"
        if "Service" in principal:
            assert s["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
            assert s["Action"] == "sns:Publish"
        else:
            assert principal["AWS"] == f"arn:aws:iam::{ACCOUNT}:root"
    services = {svc for s in allows for svc in s["Principal"].get("Service", [])}
    assert services == {"events.amazonaws.com", "cloudwatch.amazonaws.com", "budgets.amazonaws.com"}
    deny = [s for s in doc if s["Effect"] == "Deny"]
    assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_no_subscribers_by_default() -> None:
    d = build()
    assert d.of_type("aws:sns/topicSubscription:TopicSubscription") == []
    assert d.of_type("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration") == []


def test_each_subscription_kind_is_created_from_settings() -> None:
    d = build(
        alertEmails=["oncall@example.com", "lead@example.com"],
        alertSmsNumbers=["+14155550100"],
        alertHttpsEndpoints=["https://events.pagerduty.com/integration/abc/enqueue"],
        pushPlatformApplicationArn=PUSH_APP,
        pushEndpointArns=[PUSH_ENDPOINT],
    )
    topic_arn = d.one(SNS_TOPIC, TOPIC).outputs["arn"]
    subs = d.of_type("aws:sns/topicSubscription:TopicSubscription")
    got = sorted((s.inputs["protocol"], s.inputs["endpoint"]) for s in subs)
    assert got == sorted(
        [
            ("email", "oncall@example.com"),
            ("email", "lead@example.com"),
            ("sms", "+14155550100"),
            ("https", "https://events.pagerduty.com/integration/abc/enqueue"),
            ("application", PUSH_ENDPOINT),
        ]
    )
    assert all(s.inputs["topic"] == topic_arn for s in subs)


def test_slack_and_teams_through_chatbot_with_read_only_guardrail() -> None:
    d = build(
        slackTeamId="T0123ABCD",
        slackChannelId="C0123ABCD",
        teamsTenantId="11111111-2222-3333-4444-555555555555",
        teamsTeamId="66666666-7777-8888-9999-000000000000",
        teamsChannelId="19:abc@thread.tacv2",
    )
    topic_arn = d.one(SNS_TOPIC, CHAT_TOPIC).outputs["arn"]
    slack = d.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    teams = d.one("aws:chatbot/teamsChannelConfiguration:TeamsChannelConfiguration")
    assert (slack.inputs["slackTeamId"], slack.inputs["slackChannelId"]) == (
        "T0123ABCD",
        "C0123ABCD",
    )
    assert teams.inputs["channelId"] == "19:abc@thread.tacv2"
    for chat in (slack, teams):
        # The chat topic only: the readable lines of the alert topic would be dropped.
        assert chat.inputs["snsTopicArns"] == [topic_arn]
        assert chat.inputs["guardrailPolicyArns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    role = d.one("aws:iam/role:Role")
    assert statements(role.inputs["assumeRolePolicy"])[0]["Principal"] == {
        "Service": ["chatbot.amazonaws.com"]
    }
    actions = statements(d.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])[0]["Action"]
    assert all("*" not in a for a in actions)
    assert {slack.name, teams.name} <= assumers_of(d.registrations)
    assert assumers_missing_grants(d.registrations) == {}


@pytest.mark.parametrize("arch", ["mwaa", "eks"])
def test_every_rule_targets_both_topics_each_in_its_format(arch: str) -> None:
    d = build(arch)
    topic_arn = d.one(SNS_TOPIC, TOPIC).outputs["arn"]
    chat_arn = d.one(SNS_TOPIC, CHAT_TOPIC).outputs["arn"]
    rules = {r.inputs["name"]: r for r in d.of_type("aws:cloudwatch/eventRule:EventRule")}
    targets = d.of_type("aws:cloudwatch/eventTarget:EventTarget")
    expected = {f"{ENV}-{role}" for role in routes(arch)}
    assert set(rules) == expected
    by_topic = sorted((t.inputs["rule"], t.inputs["arn"]) for t in targets)
    assert by_topic == sorted((r, arn) for r in expected for arn in (topic_arn, chat_arn))
    for target in targets:
        rule = rules[target.inputs["rule"]]
        route = routes(arch)[rule.inputs["name"].removeprefix(f"{ENV}-")]
        assert json.loads(rule.inputs["eventPattern"]) == route.pattern
        transformer = target.inputs["inputTransformer"]
        assert transformer["inputPaths"] == route.paths
        if target.inputs["arn"] == topic_arn:
            assert transformer["inputTemplate"] == route.template  # the readable line
        else:
            assert transformer["inputTemplate"] == chat_template(route, ENV)
            # Plain text never reaches the chat topic.
            assert not transformer["inputTemplate"].startswith('"')


@pytest.mark.parametrize(
    ("budget_name", "topic_name"),
    [("alerting-budget", TOPIC), ("alerting-budget-chat", CHAT_TOPIC)],
)
def test_budget_notifies_each_topic_on_actual_and_forecast(
    budget_name: str, topic_name: str
) -> None:
    # A Budgets notification takes one SNS subscriber, so each topic has its budget; Chatbot
    # reads Budgets messages natively.
    d = build(monthlyBudgetUsd=450, budgetThresholdsPercent=[90, 100])
    topic_arn = d.one(SNS_TOPIC, topic_name).outputs["arn"]
    budget = d.named(budget_name)
    assert budget.inputs["budgetType"] == "COST"
    assert budget.inputs["timeUnit"] == "MONTHLY"
    assert (budget.inputs["limitAmount"], budget.inputs["limitUnit"]) == ("450.00", "USD")
    assert budget.inputs["costFilters"] == [
        {"name": "TagKeyValue", "values": ["user:Environment$dev"]}
    ]
    got = sorted((n["notificationType"], n["threshold"]) for n in budget.inputs["notifications"])
    assert got == sorted((k, float(p)) for p in (90, 100) for k in ("ACTUAL", "FORECASTED"))
    assert len(got) <= 5  # AWS Budgets' limit of notifications per budget
    for n in budget.inputs["notifications"]:
        assert n["subscriberSnsTopicArns"] == [topic_arn]
        assert (n["comparisonOperator"], n["thresholdType"]) == ("GREATER_THAN", "PERCENTAGE")


@pytest.mark.parametrize("protect", [True, False])
def test_topic_key_protection_follows_settings(protect: bool) -> None:
    assert build(protect=protect).one("aws:kms/key:Key").protect is protect
