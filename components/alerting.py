"""One alert topic per stack, and every way people hear from it.

An encrypted SNS topic that only EventBridge, CloudWatch and AWS Budgets (of this account)
may publish to; subscriptions from settings (e-mail, SMS, HTTPS, mobile push, Slack and
Teams through AWS Chatbot); EventBridge rules that turn platform events into one readable
line; and a monthly cost budget that warns on actual and forecast spend.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws_helpers import (
    Account,
    assuming,
    customer_key,
    policy_document,
    service_role,
)
from components.settings import AlertingSettings

PUBLISHERS = ("events.amazonaws.com", "cloudwatch.amazonaws.com", "budgets.amazonaws.com")
READ_ONLY_GUARDRAIL = "policy/ReadOnlyAccess"  # AWS managed; what Chatbot users may run


@dataclass(frozen=True)
class EventRoute:
    """An EventBridge rule to the topic: what it matches and the line people read."""

    role: str
    description: str
    pattern: Mapping[str, Any]
    paths: Mapping[str, str]
    template: str


@dataclass(frozen=True)
class AlertingArgs:
    settings: AlertingSettings
    """Subscribers and budget."""
    environment_name: str
    """Prefix of this stack's alarms, MWAA environment name and EKS cluster name."""
    architecture: str
    """mwaa routes MWAA status changes; eks routes EKS add-on and API errors."""
    budget_tag: tuple[str, str]
    """Cost-allocation tag (key, value) that selects this stack's spend."""
    protect: bool
    """Protect the topic's key from deletion."""


def event_routes(
    environment: str, architecture: str, region: str, account_id: str
) -> list[EventRoute]:
    """The rules this stack needs (pure: unit-tested against sample events)."""
    console = f"https://{region}.console.aws.amazon.com"
    alarm_prefix = f"arn:aws:cloudwatch:{region}:{account_id}:alarm:{environment}-"
    routes = [
        EventRoute(
            role="alarms",
            description=f"Alarms of {environment} going into ALARM and back to OK: the one "
            "route of alarm notifications (the alarms carry no actions of their own)",
            pattern={
                "source": ["aws.cloudwatch"],
                "detail-type": ["CloudWatch Alarm State Change"],
                "resources": [{"prefix": alarm_prefix}],
                # Into ALARM, and back to OK only from ALARM: a new alarm's first
                # INSUFFICIENT_DATA -> OK is not news.
                "detail": {
                    "$or": [
                        {"state": {"value": ["ALARM"]}},
                        {"state": {"value": ["OK"]}, "previousState": {"value": ["ALARM"]}},
                    ]
                },
            },
            paths={
                "alarm": "$.detail.alarmName",
                "state": "$.detail.state.value",
                "reason": "$.detail.state.reason",
                "time": "$.time",
            },
            template=(
                f'"[<state>] <alarm> ({environment}, {region}) at <time>: <reason> '
                f'{console}/cloudwatch/home?region={region}#alarmsV2:alarm/<alarm>"'
            ),
        )
    ]
    if architecture == "mwaa":
        routes.append(
            EventRoute(
                role="mwaa-status",
                description=f"Status changes of the MWAA environment {environment}",
                pattern={
                    "source": ["aws.airflow"],
                    "detail-type": ["MWAA Environment Status Change"],
                    "resources": [
                        f"arn:aws:airflow:{region}:{account_id}:environment/{environment}"
                    ],
                },
                paths={"detail": "$.detail", "time": "$.time"},
                template=(
                    f'"[MWAA] {environment} ({region}) changed status at <time>: <detail> '
                    f'{console}/mwaa/home?region={region}#environments/{environment}"'
                ),
            )
        )
    else:
        addon_prefix = f"arn:aws:eks:{region}:{account_id}:addon/{environment}/"
        routes += [
            EventRoute(
                role="eks-addons",
                description=f"Add-on health and lifecycle failures on the cluster {environment}",
                pattern={
                    "source": ["aws.eks"],
                    "detail-type": [
                        "EKS Addon Health Degraded",
                        "EKS Addon Creation Failed",
                        "EKS Addon Update Failed",
                        "EKS Addon Deletion Failed",
                    ],
                    "resources": [{"prefix": addon_prefix}],
                },
                paths={"what": "$.detail-type", "addon": "$.resources[0]", "time": "$.time"},
                template=(
                    f'"[EKS] <what> on {environment} ({region}) at <time>: <addon> '
                    f'{console}/eks/home?region={region}#/clusters/{environment}?selectedTab=cluster-add-ons-tab"'
                ),
            ),
            EventRoute(
                role="eks-api-errors",
                description=f"Failed EKS API calls on {environment} (cluster, node groups), "
                "reported through CloudTrail when a trail exists",
                pattern={
                    "source": ["aws.eks"],
                    "detail-type": ["AWS API Call via CloudTrail"],
                    "detail": {
                        "eventSource": ["eks.amazonaws.com"],
                        "errorCode": [{"exists": True}],
                        "requestParameters": {"name": [environment]},
                    },
                },
                # No free-text error message: a quote in it would break the text template.
                paths={
                    "call": "$.detail.eventName",
                    "error": "$.detail.errorCode",
                    "who": "$.detail.userIdentity.arn",
                    "time": "$.time",
                },
                template=(
                    f'"[EKS] <call> on {environment} ({region}) failed at <time>: <error> '
                    f'(by <who>) {console}/cloudtrail/home?region={region}#/events"'
                ),
            ),
        ]
    return routes


class Alerting(pulumi.ComponentResource):
    """The alert topic, its subscribers, event routing and the budget."""

    topic_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    rule_names: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: AlertingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:alerting:Alerting", name, None, opts)
        account = Account.lookup(self)
        key = customer_key(
            f"{name}-alerts",
            description=f"Alert topic of {args.environment_name}",
            account=account,
            service_statements=_publishers_key_statements(account),
            parent=self,
            protect=args.protect,
        )
        topic = aws.sns.Topic(
            f"{name}-alerts",
            name=f"{args.environment_name}-alerts",
            display_name=f"Airflow {args.environment_name}",
            kms_master_key_id=key.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sns.TopicPolicy(
            f"{name}-alerts-policy",
            arn=topic.arn,
            policy=_topic_policy(topic.arn, account),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._subscriptions(name, topic, args.settings)
        self._chat(name, topic, account, args)
        self.rule_names = self._rules(name, topic, account, args)
        self._budget(name, topic, args)

        self.topic_arn = topic.arn
        self.key_arn = key.arn
        self.register_outputs({"topicArn": self.topic_arn, "keyArn": self.key_arn})

    def _subscriptions(self, name: str, topic: aws.sns.Topic, s: AlertingSettings) -> None:
        kinds = (
            ("email", "email", s.emails),
            ("sms", "sms", s.sms_numbers),
            ("https", "https", s.https_endpoints),
            ("push", "application", s.push_endpoint_arns),
        )
        for role, protocol, endpoints in kinds:
            for i, endpoint in enumerate(endpoints):
                aws.sns.TopicSubscription(
                    f"{name}-{role}-{i}",
                    topic=topic.arn,
                    protocol=protocol,
                    endpoint=endpoint,
                    opts=pulumi.ResourceOptions(parent=self),
                )

    def _chat(self, name: str, topic: aws.sns.Topic, account: Account, args: AlertingArgs) -> None:
        s = args.settings
        if not (s.slack_enabled or s.teams_enabled):
            return
        # Chatbot renders alarm graphs with these read calls; the guardrail caps whatever
        # channel members run to read-only.
        role = service_role(
            f"{name}-chatbot",
            service="chatbot.amazonaws.com",
            account=account,
            statements=[
                {
                    "Effect": "Allow",
                    "Action": [
                        "cloudwatch:DescribeAlarms",
                        "cloudwatch:GetMetricData",
                        "cloudwatch:GetMetricWidgetImage",
                        "cloudwatch:ListMetrics",
                    ],
                    "Resource": "*",
                }
            ],
            parent=self,
        )
        guardrail = pulumi.Output.format(
            "arn:{0}:iam::aws:{1}", account.partition, READ_ONLY_GUARDRAIL
        )
        common: dict[str, Any] = {
            "iam_role_arn": role.arn,
            "sns_topic_arns": [topic.arn],
            "guardrail_policy_arns": [guardrail],
            "logging_level": "ERROR",
        }
        if s.slack_enabled:
            aws.chatbot.SlackChannelConfiguration(
                f"{name}-slack",
                configuration_name=f"{args.environment_name}-alerts-slack",
                slack_team_id=s.slack_team_id,
                slack_channel_id=s.slack_channel_id,
                **common,
                opts=assuming(role, opts=pulumi.ResourceOptions(parent=self)),
            )
        if s.teams_enabled:
            aws.chatbot.TeamsChannelConfiguration(
                f"{name}-teams",
                configuration_name=f"{args.environment_name}-alerts-teams",
                tenant_id=s.teams_tenant_id,
                team_id=s.teams_team_id,
                channel_id=s.teams_channel_id,
                **common,
                opts=assuming(role, opts=pulumi.ResourceOptions(parent=self)),
            )

    def _rules(
        self, name: str, topic: aws.sns.Topic, account: Account, args: AlertingArgs
    ) -> list[pulumi.Output[str]]:
        # The routes depend on region and account, which are Outputs; their number does not,
        # so the rules are declared here and only their texts are resolved later.
        routes = pulumi.Output.all(account.region, account.account_id).apply(
            lambda ra: event_routes(args.environment_name, args.architecture, ra[0], ra[1])
        )
        roles = [r.role for r in event_routes(args.environment_name, args.architecture, "", "")]
        names = []
        for i, role in enumerate(roles):
            route: pulumi.Output[EventRoute] = routes.apply(functools.partial(_nth, i))
            rule = aws.cloudwatch.EventRule(
                f"{name}-{role}",
                name=f"{args.environment_name}-{role}",
                description=route.apply(lambda r: r.description),
                event_pattern=route.apply(lambda r: json.dumps(r.pattern)),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{role}-target",
                rule=rule.name,
                arn=topic.arn,
                input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                    input_paths=route.apply(_paths),
                    input_template=route.apply(lambda r: r.template),
                ),
                retry_policy={"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 10},
                opts=pulumi.ResourceOptions(parent=self),
            )
            names.append(rule.name)
        return names

    def _budget(self, name: str, topic: aws.sns.Topic, args: AlertingArgs) -> None:
        s = args.settings
        tag_key, tag_value = args.budget_tag
        notifications = [
            aws.budgets.BudgetNotificationArgs(
                comparison_operator="GREATER_THAN",
                notification_type=kind,
                threshold=float(percent),
                threshold_type="PERCENTAGE",
                subscriber_sns_topic_arns=[topic.arn],
            )
            for percent in s.budget_thresholds_percent
            for kind in ("ACTUAL", "FORECASTED")
        ]
        aws.budgets.Budget(
            f"{name}-budget",
            name=f"{args.environment_name}-monthly",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{s.monthly_budget_usd:.2f}",
            limit_unit="USD",
            cost_filters=[{"name": "TagKeyValue", "values": [f"user:{tag_key}${tag_value}"]}],
            notifications=notifications,
            opts=pulumi.ResourceOptions(parent=self),
        )


def _nth(i: int, routes: list[EventRoute]) -> EventRoute:
    return routes[i]


def _paths(route: EventRoute) -> dict[str, str]:
    return dict(route.paths)


def _publishers_key_statements(account: Account) -> list[dict[str, Any]]:
    """Let the three publishing services encrypt messages with the topic's key.

    EventBridge and CloudWatch do not pass `aws:SourceAccount` to KMS when they publish to an
    encrypted topic (a condition on it would silently drop every alert), so theirs is AWS's
    documented unconditioned grant; the topic policy is what scopes publishing to this account.
    Budgets does send the source account.
    """
    actions = ["kms:Decrypt", "kms:GenerateDataKey*"]
    return [
        {
            "Sid": "EventBridgeAndCloudWatch",
            "Effect": "Allow",
            "Principal": {"Service": ["events.amazonaws.com", "cloudwatch.amazonaws.com"]},
            "Action": actions,
            "Resource": "*",
        },
        {
            "Sid": "Budgets",
            "Effect": "Allow",
            "Principal": {"Service": "budgets.amazonaws.com"},
            "Action": actions,
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
        },
    ]


def _topic_policy(topic_arn: pulumi.Output[str], account: Account) -> pulumi.Output[str]:
    return policy_document(
        [
            {
                "Sid": "AccountOwner",
                "Effect": "Allow",
                "Principal": {"AWS": account.root},
                "Action": [
                    "sns:GetTopicAttributes",
                    "sns:SetTopicAttributes",
                    "sns:AddPermission",
                    "sns:RemovePermission",
                    "sns:DeleteTopic",
                    "sns:Subscribe",
                    "sns:ListSubscriptionsByTopic",
                    "sns:Publish",
                ],
                "Resource": topic_arn,
            },
            {
                "Sid": "AlertPublishers",
                "Effect": "Allow",
                "Principal": {"Service": list(PUBLISHERS)},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ]
    )
