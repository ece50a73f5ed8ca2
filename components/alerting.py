"""Two alert topics per stack, and every way people hear from them.

- `<env>-alerts` carries one readable line per alert to e-mail, SMS, HTTPS and push.
- `<env>-alerts-chat` feeds Slack and Teams through AWS Chatbot, which drops plain text and
  events an input transformer turns into anything but its custom format (AWS's Chatbot guide
  endorses transformers that produce that format): every message on it is Chatbot's
  custom-notification JSON (`chat_message`), or a Budgets notification Chatbot reads natively.

Both are encrypted with one customer key and carry the same policy: only EventBridge,
CloudWatch and AWS Budgets of this account (and IAM principals of the account) may publish.
EventBridge rules send each platform event to both, in each topic's format, and a monthly
cost budget warns on actual and forecast spend (one budget per topic: a Budgets notification
takes a single SNS subscriber).
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
from components.platform import SILENCE_ALARM_ROLES
from components.settings import AlertingSettings

RETRY_POLICY = aws.cloudwatch.EventTargetRetryPolicyArgs(
    maximum_event_age_in_seconds=3600, maximum_retry_attempts=10
)
PUBLISHERS = ("events.amazonaws.com", "cloudwatch.amazonaws.com", "budgets.amazonaws.com")
READ_ONLY_GUARDRAIL = "policy/ReadOnlyAccess"  # AWS managed; what Chatbot users may run


CHAT_SOURCE = "custom"  # Chatbot custom notifications: version 1.0, source custom
CHAT_VERSION = "1.0"


@dataclass(frozen=True)
class ChatCard:
    """What a chat channel shows for an event: Chatbot custom-notification content.

    Texts may hold input-transformer placeholders (`<alarm>`) of the route's paths, but only
    of values that never contain a quote or backslash (names, ARNs, states, timestamps):
    EventBridge does not escape what it inserts, and the card must stay valid JSON.
    """

    title: str
    """One line, e.g. `[<state>] <alarm>`."""
    description: str
    """What happened, where and when (client-markdown)."""
    next_steps: tuple[str, ...]
    """What to do, e.g. the console link."""
    keywords: tuple[str, ...]
    """Chatbot shows these as tags."""


@dataclass(frozen=True)
class EventRoute:
    """An EventBridge rule to both topics: what it matches, the line people read, the card
    chat channels show."""

    role: str
    description: str
    pattern: Mapping[str, Any]
    paths: Mapping[str, str]
    template: str
    chat: ChatCard
    free_text: frozenset[str] = frozenset()
    """Variables whose values are free text (may hold quotes): the readable line only."""


def chat_message(card: ChatCard, environment: str) -> dict[str, Any]:
    """A Chatbot custom notification (version 1.0, source custom) carrying `card`."""
    return {
        "version": CHAT_VERSION,
        "source": CHAT_SOURCE,
        "content": {
            "textType": "client-markdown",
            "title": card.title,
            "description": card.description,
            "nextSteps": list(card.next_steps),
            "keywords": list(card.keywords),
        },
        "metadata": {"additionalContext": {"environment": environment}},
    }


def chat_template(route: EventRoute, environment: str) -> str:
    """The input template that turns the route's events into a Chatbot custom notification."""
    template = json.dumps(chat_message(route.chat, environment))
    for var in route.free_text:
        if f"<{var}>" in template:
            raise ValueError(f"{route.role}: <{var}> is free text and would break the chat JSON")
    return template


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
    paging: bool = True
    """The stack is awake (docs/sleep.md): the rules send. Asleep and waking they stay,
    disabled, so nothing reaches people until the platform is back and healthy."""


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
                # INSUFFICIENT_DATA -> OK is not news. A silence alarm (SILENCE_ALARM_ROLES)
                # that had data and falls silent goes OK -> INSUFFICIENT_DATA: that is news.
                "detail": {
                    "$or": [
                        {"state": {"value": ["ALARM"]}},
                        {"state": {"value": ["OK"]}, "previousState": {"value": ["ALARM"]}},
                        {
                            "alarmName": [f"{environment}-{role}" for role in SILENCE_ALARM_ROLES],
                            "state": {"value": ["INSUFFICIENT_DATA"]},
                            "previousState": {"value": ["OK", "ALARM"]},
                        },
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
            chat=ChatCard(
                title="[<state>] <alarm>",
                description=f"Alarm *<alarm>* of {environment} ({region}) is *<state>* "
                "since <time>.",
                next_steps=(
                    "See the reason and the graph: "
                    f"{console}/cloudwatch/home?region={region}#alarmsV2:alarm/<alarm>",
                ),
                keywords=(environment, "alarm"),
            ),
            free_text=frozenset({"reason"}),
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
                paths={"detail": "$.detail", "status": "$.detail.status", "time": "$.time"},
                template=(
                    f'"[MWAA] {environment} ({region}) changed status at <time>: <detail> '
                    f'{console}/mwaa/home?region={region}#environments/{environment}"'
                ),
                chat=ChatCard(
                    title=f"[MWAA] {environment} is <status>",
                    description=f"The MWAA environment *{environment}* ({region}) changed "
                    "status to *<status>* at <time>.",
                    next_steps=(
                        f"Open the environment: {console}/mwaa/home?region={region}"
                        f"#environments/{environment}",
                    ),
                    keywords=(environment, "mwaa"),
                ),
                free_text=frozenset({"detail"}),
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
                chat=ChatCard(
                    title=f"[EKS] <what> on {environment}",
                    description=f"*<what>* on the cluster *{environment}* ({region}) at "
                    "<time>: <addon>",
                    next_steps=(
                        f"Open the add-ons: {console}/eks/home?region={region}#/clusters/"
                        f"{environment}?selectedTab=cluster-add-ons-tab",
                    ),
                    keywords=(environment, "eks", "add-on"),
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
                chat=ChatCard(
                    title=f"[EKS] <call> on {environment} failed",
                    description=f"*<call>* on the cluster *{environment}* ({region}) failed "
                    "at <time> with *<error>*, called by <who>.",
                    next_steps=(
                        f"Find the call in CloudTrail: {console}/cloudtrail/home?region={region}"
                        "#/events",
                    ),
                    keywords=(environment, "eks", "api-error"),
                ),
            ),
        ]
    return routes


class Alerting(pulumi.ComponentResource):
    """The alert and chat topics, their subscribers, event routing and the budgets."""

    topic_arn: pulumi.Output[str]
    chat_topic_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    """Encrypts both topics."""
    rule_names: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: AlertingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:alerting:Alerting", name, None, opts)
        account = Account.lookup(self)
        key = customer_key(
            f"{name}-alerts",
            description=f"Alert topics of {args.environment_name}",
            account=account,
            service_statements=_publishers_key_statements(account),
            parent=self,
            protect=args.protect,
        )
        topic = self._topic(f"{name}-alerts", f"{args.environment_name}-alerts", key, account, args)
        chat_topic = self._topic(
            f"{name}-alerts-chat", f"{args.environment_name}-alerts-chat", key, account, args
        )
        self._subscriptions(name, topic, args.settings)
        self._chat(name, chat_topic, account, args)
        self.rule_names = self._rules(name, topic, chat_topic, account, args)
        self._budget(f"{name}-budget", f"{args.environment_name}-monthly", topic, args)
        self._budget(
            f"{name}-budget-chat", f"{args.environment_name}-monthly-chat", chat_topic, args
        )

        self.topic_arn = topic.arn
        self.chat_topic_arn = chat_topic.arn
        self.key_arn = key.arn
        self.register_outputs(
            {"topicArn": self.topic_arn, "chatTopicArn": self.chat_topic_arn, "keyArn": key.arn}
        )

    def _topic(
        self, name: str, topic_name: str, key: aws.kms.Key, account: Account, args: AlertingArgs
    ) -> aws.sns.Topic:
        """An SNS topic encrypted with the alert key, publishable only by the alert services
        and principals of this account."""
        topic = aws.sns.Topic(
            name,
            name=topic_name,
            display_name=f"Airflow {args.environment_name}",
            kms_master_key_id=key.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=topic.arn,
            policy=_topic_policy(topic.arn, account),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return topic

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
        self,
        name: str,
        topic: aws.sns.Topic,
        chat_topic: aws.sns.Topic,
        account: Account,
        args: AlertingArgs,
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
                state="ENABLED" if args.paging else "DISABLED",
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
                retry_policy=RETRY_POLICY,
                opts=pulumi.ResourceOptions(parent=self),
            )
            # Chatbot drops plain text: chat gets the same event as a custom notification.
            aws.cloudwatch.EventTarget(
                f"{name}-{role}-chat-target",
                rule=rule.name,
                arn=chat_topic.arn,
                input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                    input_paths=route.apply(_paths),
                    input_template=route.apply(
                        functools.partial(_chat_template, args.environment_name)
                    ),
                ),
                retry_policy=RETRY_POLICY,
                opts=pulumi.ResourceOptions(parent=self),
            )
            names.append(rule.name)
        return names

    def _budget(
        self, name: str, budget_name: str, topic: aws.sns.Topic, args: AlertingArgs
    ) -> None:
        """A monthly cost budget notifying `topic` (Chatbot reads Budgets messages natively)."""
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
            name,
            name=budget_name,
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


def _chat_template(environment: str, route: EventRoute) -> str:
    return chat_template(route, environment)


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
