"""Alerting settings: who is told, and through which channels."""

from __future__ import annotations

from pydantic import (
    field_validator,
    model_validator,
)

from components.settings.base import (
    _E164,
    _EMAIL,
    _HTTPS_URL,
    _PUSH_APP_ARN,
    _PUSH_ENDPOINT_ARN,
    _SLACK_CHANNEL,
    _TEAMS_CHANNEL,
    _UUID,
    _check,
    _Group,
    _key,
    _require_together,
    _unique,
)


class AlertingSettings(_Group):
    """Who hears about problems, and the monthly budget."""

    emails: tuple[str, ...] = _key("alertEmails", (), "E-mail addresses subscribed to alerts.")
    sms_numbers: tuple[str, ...] = _key(
        "alertSmsNumbers", (), "Phone numbers (E.164, e.g. +14155550100) for SMS alerts."
    )
    https_endpoints: tuple[str, ...] = _key(
        "alertHttpsEndpoints", (), "HTTPS webhooks (e.g. an on-call tool) subscribed to alerts."
    )
    slack_team_id: str = _key("slackTeamId", "", "Slack workspace id for AWS Chatbot.")
    slack_channel_id: str = _key("slackChannelId", "", "Slack channel id for AWS Chatbot.")
    teams_tenant_id: str = _key("teamsTenantId", "", "Microsoft Teams tenant id (AWS Chatbot).")
    teams_team_id: str = _key("teamsTeamId", "", "Microsoft Teams team id (AWS Chatbot).")
    teams_channel_id: str = _key("teamsChannelId", "", "Microsoft Teams channel id.")
    push_application_arn: str = _key(
        "pushPlatformApplicationArn", "", "SNS mobile push platform application ARN."
    )
    push_endpoint_arns: tuple[str, ...] = _key(
        "pushEndpointArns",
        (),
        "Platform endpoint ARNs (devices your app registered on pushPlatformApplicationArn).",
    )
    monthly_budget_usd: int = _key(
        "monthlyBudgetUsd", 500, "Monthly cost budget of the stack in USD.", ge=1, le=1_000_000
    )
    budget_thresholds_percent: tuple[int, ...] = _key(
        "budgetThresholdsPercent",
        (80, 100),
        "One or two budget percentages that notify (actual and forecast), 1-1000.",
    )

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _check(bool(_EMAIL.match(item)), f"entry {item!r} is not a valid e-mail address")
        _unique(list(value), "addresses")
        return value

    @field_validator("sms_numbers")
    @classmethod
    def _sms(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _check(
                bool(_E164.match(item)), f"entry {item!r} is not an E.164 number (+ then digits)"
            )
        _unique(list(value), "numbers")
        return value

    @field_validator("https_endpoints")
    @classmethod
    def _https(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _check(bool(_HTTPS_URL.match(item)), f"entry {item!r} is not an https:// URL")
        _unique(list(value), "URLs")
        return value

    @field_validator("slack_team_id", "slack_channel_id")
    @classmethod
    def _slack(cls, value: str) -> str:
        _check(
            value == "" or bool(_SLACK_CHANNEL.match(value)), "is not a Slack id (e.g. T0123ABCD)"
        )
        return value

    @field_validator("teams_tenant_id", "teams_team_id")
    @classmethod
    def _teams_uuid(cls, value: str) -> str:
        _check(value == "" or bool(_UUID.match(value)), "is not a UUID")
        return value

    @field_validator("teams_channel_id")
    @classmethod
    def _teams_channel(cls, value: str) -> str:
        _check(value == "" or bool(_TEAMS_CHANNEL.match(value)), "is not a Teams channel id")
        return value

    @field_validator("push_application_arn")
    @classmethod
    def _push(cls, value: str) -> str:
        _check(
            value == "" or bool(_PUSH_APP_ARN.match(value)),
            "is not an SNS push application ARN (arn:aws:sns:<region>:<acct>:app/<type>/<app>)",
        )
        return value

    @field_validator("budget_thresholds_percent")
    @classmethod
    def _thresholds(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        # Each threshold notifies on actual and forecast spend; AWS Budgets allows 5
        # notifications per budget.
        _check(1 <= len(value) <= 2, "needs one or two thresholds (AWS allows 5 notifications)")
        for item in value:
            _check(1 <= item <= 1000, f"entry {item} is not between 1 and 1000")
        _unique(list(value), "thresholds")
        return value

    @model_validator(mode="after")
    def _pairs(self) -> AlertingSettings:
        _require_together(
            {"slackTeamId": self.slack_team_id, "slackChannelId": self.slack_channel_id}
        )
        _require_together(
            {
                "teamsTenantId": self.teams_tenant_id,
                "teamsTeamId": self.teams_team_id,
                "teamsChannelId": self.teams_channel_id,
            }
        )
        if self.push_endpoint_arns and not self.push_application_arn:
            raise ValueError("pushEndpointArns: needs pushPlatformApplicationArn to be set")
        app = self.push_application_arn.split(":app/")[-1]
        for endpoint in self.push_endpoint_arns:
            if not _PUSH_ENDPOINT_ARN.match(endpoint) or f":endpoint/{app}/" not in endpoint:
                raise ValueError(
                    f"pushEndpointArns: entry {endpoint!r} is not an endpoint of "
                    "pushPlatformApplicationArn (arn:aws:sns:<region>:<acct>:endpoint/<type>/<app>/"
                    "<id>)"
                )
        return self

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_channel_id)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_channel_id)
