"""Every setting of the program, read once, validated before any resource is declared.

Settings arrive as flat, camelCase keys in the project's config namespace (documented in
`Pulumi.yaml`). They are grouped here into typed, frozen objects that components receive;
components never read `pulumi.Config()` themselves. Every mistake becomes one line that
names the setting and says what is allowed; all mistakes are reported together.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Any, Literal, get_args

import pulumi
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

Architecture = Literal["mwaa", "eks"]
NatStrategy = Literal["", "single", "per-az"]  # "": the architecture's default
Egress = Literal["nat", "endpoints"]
EndpointManagement = Literal["SERVICE", "CUSTOMER"]
WorkerReplacement = Literal["GRACEFUL", "FORCED"]
LogLevel = Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]
MwaaClass = Literal[
    "mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"
]
CapacityType = Literal["SPOT", "ON_DEMAND"]
NodeArch = Literal["arm64", "x86_64"]
QueueMode = Literal["elasticache", "in-cluster"]

# Airflow versions MWAA runs. Up to 3.0.6: the CreateEnvironment model's documentation
# (botocore mwaa/2020-07-01, still so in botocore 1.44.8). 3.2.1 and 3.3.1: AWS's own MWAA
# images (aws/amazon-mwaa-docker-images images/airflow/3.2.1, commit f68824d, 2026-04-22;
# images/airflow/3.3.1, commit 0028196, 2026-08-12; read 2026-11-30); the API's pattern
# `[0-9a-z.]+` accepts them. 3.3.1 is the newest: README "Versions".
MWAA_AIRFLOW_VERSIONS = (
    "2.7.2", "2.8.1", "2.9.2", "2.10.1", "2.10.3", "2.11.0", "3.0.6", "3.2.1", "3.3.1"
)  # fmt: skip
# Airflow versions the pinned chart (1.21.0) runs with the program's values: 3.3.1, proven
# by the render tests and the local platform; 3.0.6, the version to roll back to (the chart
# gates its Airflow 3 templates on >= 3.0.0).
CHART_AIRFLOW_VERSIONS = ("3.0.6", "3.3.1")
# EKS versions in standard support (EKS user guide, "Kubernetes version lifecycle", read
# 2026-11-30): 1.35 to 2027-03-27, 1.36 (the newest) to 2027-08; 1.34 leaves it 2026-12-02.
EKS_STANDARD_VERSIONS = ("1.35", "1.36")
# Regions where MWAA does not offer graceful updates yet (MWAA user guide, "Update an Amazon
# MWAA environment", read 2026-11-30: Canada West (Calgary), Asia Pacific (Malaysia)).
NO_GRACEFUL_REGIONS = ("ca-west-1", "ap-southeast-5")
# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)  # fmt: skip
# Options the program sets itself; overriding them from settings would break the platform.
MANAGED_AIRFLOW_OPTIONS = frozenset(
    {
        "api.base_url",
        "celery.worker_concurrency",
        "core.executor",
        "core.hostname_callable",
        "core.load_examples",
        "logging.logging_level",
        "logging.remote_base_log_folder",
        "logging.remote_log_conn_id",
        "logging.remote_logging",
        "secrets.backend",
        "secrets.backend_kwargs",
    }
)
SECRETS_PREFIXES = {
    "connections_prefix": "airflow/connections",
    "variables_prefix": "airflow/variables",
}

# Defaults that depend on the architecture. Pulumi.yaml declares these keys with an empty
# default (0, '') meaning "the architecture's", so a stack on an existing VPC can leave them
# out; `load` fills them in for VPCs the program creates.
ARCHITECTURE_DEFAULTS: dict[str, dict[str, Any]] = {
    "mwaa": {"azCount": 2, "natStrategy": "single"},
    "eks": {"azCount": 3, "natStrategy": "per-az"},
}

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/\S*)?$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
# A host name people type: dot-separated labels of letters, digits and inner hyphens, a
# top-level label of letters, 253 characters at most (RFC 1123), lower case as DNS shows it.
_DNS_NAME = re.compile(
    r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
)
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")
_PUSH_APP_ARN = re.compile(
    r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:app/(APNS|APNS_SANDBOX|GCM|ADM|BAIDU|MPNS|WNS)/[\w.-]+$"
)
_PUSH_ENDPOINT_ARN = re.compile(
    r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:endpoint/[A-Z_]+/[\w.-]+/[0-9a-f-]{36}$"
)
_INSTANCE_TYPE = re.compile(
    r"^[a-z]+[0-9]+[a-z0-9-]*\.(nano|micro|small|medium|large|[0-9]*xlarge)$"
)
_GRAVITON = re.compile(r"^[a-z]+[0-9]+g[a-z0-9-]*\.")
_DB_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
_CACHE_NODE = re.compile(r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
_AIRFLOW_OPTION = re.compile(r"^[a-z]+([a-z0-9._]*[a-z0-9_]+)?$")
# Names are built from the environment name: ALBs stop at 32 characters, IAM roles at 64,
# ElastiCache groups at 40, S3 at lower case. 24 leaves room for every suffix the program adds.
_ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{0,22}[a-z0-9]$")
ENV_NAME_RULE = "is not 2-24 lower-case letters, digits and hyphens, starting with a letter"
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_WINDOW = re.compile(r"^(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)$")
# https only: private repositories authenticate with dagsRepoUsername + dagsRepoToken.
_GIT_URL = re.compile(r"^https://[\w.-]+(:\d+)?/[\w./~-]+$")
_DURATION = re.compile(r"^[1-9]\d*(h|d|w|y)$")
_VPC_ID = re.compile(r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$")
_SUBNET_ID = re.compile(r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")
_ECR_REGISTRY = re.compile(r"^[0-9]{12}\.dkr\.ecr\.([a-z]{2}(-[a-z]+)+-[0-9])\.amazonaws\.com$")
DEFAULT_VPC_CIDR = "10.40.0.0/16"
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")
_SLACK_TEAM = re.compile(r"^[A-Z0-9]{9,11}$")
_SLACK_CHANNEL = re.compile(r"^[A-Z0-9]{9,11}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_TEAMS_CHANNEL = re.compile(r"^[\w%:.@-]{1,256}$")


MAX_WEB_CLIENT_CIDRS = 25
"""A security group holds 60 inbound rules by default; each UI client network takes two."""
_CLIENT_NETWORKS = tuple(
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
"""Private client networks: RFC 1918, and the shared (CGNAT) range VPN clients often get."""


class SettingsError(pulumi.RunError):
    """Bad settings: one line per mistake, each naming the setting. Pulumi prints it without a
    stack trace (RunError), and `make plan` prints the same lines."""


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def _unique(values: list[Any], what: str) -> None:
    _check(len(values) == len(set(values)), f"has duplicate {what}")


class _Group(BaseModel):
    """A group of settings. Field aliases are the config keys users write."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=False)


def _key(alias: str, default: Any, description: str, **constraints: Any) -> Any:
    return Field(default, alias=alias, description=description, **constraints)


# --------------------------------------------------------------------------- groups


class StackSettings(_Group):
    """What the stack is and who owns it."""

    architecture: Architecture = _key(
        "architecture", ..., "Which Airflow platform this stack runs: mwaa or eks."
    )
    environment_name: str = _key(
        "environmentName",
        "",
        "Name of the Airflow environment and prefix of every resource name; empty means "
        "airflow-<stack>. 2-24 lower-case letters, digits and hyphens (what ALB, IAM and "
        "ElastiCache names leave room for).",
    )
    owner: str = _key("owner", "data-platform", "Owner cost-allocation tag.")
    cost_center: str = _key("costCenter", "data-platform", "CostCenter cost-allocation tag.")
    protect: bool = _key(
        "protect",
        True,
        "Protect stateful resources (buckets, databases, keys, log groups) from deletion.",
    )
    log_retention_days: int = _key(
        "logRetentionDays", 30, "Retention of every CloudWatch log group the program creates."
    )
    state_backup_days: int = _key(
        "stateBackupDays",
        30,
        "Days a metadata_backup state document (data bucket, airflow-state/) stays current;"
        " then it is an old version for the bucket's 30 noncurrent days, like any object there.",
        ge=1,
        le=3650,
    )
    policy_exceptions: tuple[str, ...] = _key(
        "policyExceptions",
        (),
        "Accepted policy violations, each 'policy-name: reason'.",
    )

    @field_validator("environment_name")
    @classmethod
    def _environment_name(cls, value: str) -> str:
        _check(value == "" or bool(_ENV_NAME.match(value)), ENV_NAME_RULE)
        return value

    @field_validator("owner", "cost_center")
    @classmethod
    def _tag_value(cls, value: str) -> str:
        _check(bool(_TAG_VALUE.match(value)), "is not a valid tag value (1-256 characters)")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        allowed = ", ".join(str(d) for d in LOG_RETENTION_DAYS)
        _check(value in LOG_RETENTION_DAYS, f"is not a CloudWatch retention period ({allowed})")
        return value

    @field_validator("policy_exceptions")
    @classmethod
    def _exceptions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            name, _, reason = entry.partition(":")
            _check(
                bool(re.match(r"^[a-z0-9-]+$", name.strip())) and len(reason.strip()) >= 10,
                f"entry {entry!r} is not 'policy-name: reason' with a reason of 10+ characters",
            )
        return value


class NetworkSettings(_Group):
    """The VPC both platforms run in: one the program creates, or an existing one."""

    cidr: str = _key(
        "vpcCidr", DEFAULT_VPC_CIDR, "VPC CIDR, /16 to /22, private (RFC 1918). Created VPC only."
    )
    az_count: int = _key(
        "azCount",
        0,
        "Availability zones to span (2-6); 0 means the architecture's default. Created VPC only.",
    )
    nat_strategy: NatStrategy = _key(
        "natStrategy",
        "",
        "NAT gateways: single (one, cheaper) or per-az (one per zone, survives a zone outage); "
        "empty means the architecture's default. Created VPC with egress nat only.",
    )
    egress: Egress = _key(
        "egress",
        "nat",
        "Internet egress of a created VPC: nat (NAT gateways) or endpoints (no internet; "
        "interface endpoints for every AWS service the platform calls, S3 gateway endpoint).",
    )
    existing_vpc_id: str = _key(
        "existingVpcId",
        "",
        "Run in this existing VPC (vpc-...) instead of creating one; needs "
        "existingPrivateSubnetIds.",
    )
    existing_private_subnet_ids: tuple[str, ...] = _key(
        "existingPrivateSubnetIds",
        (),
        "Private subnets of existingVpcId the platform runs in: two or more, in two or more zones.",
    )

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError:
            raise ValueError("is not an IPv4 network in CIDR notation, e.g. 10.40.0.0/16") from None
        _check(16 <= network.prefixlen <= 22, "must be a /16 to /22 network")
        _check(network.is_private, "must be a private (RFC 1918) range")
        return value

    @field_validator("az_count")
    @classmethod
    def _zones(cls, value: int) -> int:
        _check(value == 0 or 2 <= value <= 6, "must be 2 to 6 (0: the architecture's default)")
        return value

    @field_validator("existing_vpc_id")
    @classmethod
    def _vpc_id(cls, value: str) -> str:
        _check(value == "" or bool(_VPC_ID.match(value)), "is not a VPC id (vpc-0123456789abcdef0)")
        return value

    @field_validator("existing_private_subnet_ids")
    @classmethod
    def _subnet_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _check(
                bool(_SUBNET_ID.match(item)),
                f"entry {item!r} is not a subnet id (subnet-0123456789abcdef0)",
            )
        _unique(list(value), "subnet ids")
        return value

    @model_validator(mode="after")
    def _modes(self) -> NetworkSettings:
        errors = []
        created_only = {
            "vpcCidr": self.cidr != DEFAULT_VPC_CIDR,
            "azCount": self.az_count != 0,
            "natStrategy": self.nat_strategy != "",
            "egress": self.egress != "nat",
        }
        if self.existing:
            errors += [
                f"{key}: applies only to a VPC the program creates; remove it when "
                "existingVpcId is set"
                for key, is_set in created_only.items()
                if is_set
            ]
            if len(self.existing_private_subnet_ids) < 2:
                errors.append(
                    "existingPrivateSubnetIds: needs at least two subnets (in two zones) when "
                    "existingVpcId is set"
                )
        elif self.existing_private_subnet_ids:
            errors.append("existingVpcId: is required when existingPrivateSubnetIds is set")
        if self.egress == "endpoints" and self.nat_strategy and not self.existing:
            errors.append("natStrategy: has no effect with egress endpoints (no NAT); remove it")
        if errors:
            raise ValueError("\n".join(errors))
        return self

    @property
    def existing(self) -> bool:
        """True when the stack runs in an existing VPC (nothing of the network is created)."""
        return bool(self.existing_vpc_id)

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr)

    def resolved(self, architecture: str) -> NetworkSettings:
        """The settings with the architecture's zone count and NAT strategy filled in (created
        VPCs only, NAT only with egress nat: an existing VPC keeps 0 and '', "not ours")."""
        if self.existing:
            return self
        defaults = ARCHITECTURE_DEFAULTS[architecture]
        return self.model_copy(
            update={
                "az_count": self.az_count or defaults["azCount"],
                "nat_strategy": (self.nat_strategy or defaults["natStrategy"])
                if self.egress == "nat"
                else "",
            }
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


def _require_together(keys: Mapping[str, str]) -> None:
    set_keys = [k for k, v in keys.items() if v]
    if set_keys and len(set_keys) != len(keys):
        missing = ", ".join(k for k in keys if k not in set_keys)
        raise ValueError(f"{missing}: must be set together with {', '.join(set_keys)}")


class AirflowSettings(_Group):
    """Airflow itself, the same on both platforms."""

    version: str = _key(
        "airflowVersion",
        "3.3.1",
        "Airflow version on both platforms (3.3.1: MWAA's newest, README 'Versions').",
    )
    config_options: tuple[str, ...] = _key(
        "airflowConfigOptions",
        (),
        "Extra Airflow options, each 'section.key=value' (e.g. core.default_timezone=utc).",
    )
    log_level: LogLevel = _key("airflowLogLevel", "INFO", "Level of every Airflow log type.")

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        _check(
            value in MWAA_AIRFLOW_VERSIONS,
            f"is not an Airflow version MWAA accepts ({', '.join(MWAA_AIRFLOW_VERSIONS)})",
        )
        return value

    @field_validator("config_options")
    @classmethod
    def _options(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        keys = []
        for entry in value:
            key, sep, _ = entry.partition("=")
            _check(
                bool(sep) and "." in key and bool(_AIRFLOW_OPTION.match(key)),
                f"entry {entry!r} is not 'section.key=value' with a lower-case key",
            )
            _check(
                key not in MANAGED_AIRFLOW_OPTIONS,
                f"entry {entry!r} sets {key}, which the program manages",
            )
            keys.append(key)
        _unique(keys, "keys")
        return value

    @property
    def options(self) -> dict[str, str]:
        """The extra options as a map `section.key -> value`."""
        return dict(entry.split("=", 1) for entry in self.config_options)


class MwaaSettings(_Group):
    """Amazon MWAA (architecture mwaa). Limits from the MWAA CreateEnvironment API."""

    environment_class: MwaaClass = _key("mwaaEnvironmentClass", "mw1.small", "Environment class.")
    min_workers: int = _key(
        "mwaaMinWorkers", 1, "Minimum workers (1-25; 1 on mw1.micro).", ge=1, le=25
    )
    max_workers: int = _key(
        "mwaaMaxWorkers", 5, "Maximum workers (1-25; 1 on mw1.micro).", ge=1, le=25
    )
    schedulers: int = _key("mwaaSchedulers", 2, "Schedulers (2-5; 1 on mw1.micro).", ge=1, le=5)
    min_webservers: int = _key("mwaaMinWebservers", 2, "Minimum web servers (2-5).", ge=1, le=5)
    max_webservers: int = _key("mwaaMaxWebservers", 2, "Maximum web servers (2-5).", ge=1, le=5)
    maintenance_window: str = _key(
        "mwaaMaintenanceWindow", "SUN:03:00", "Weekly maintenance start, DAY:HH:(00|30) UTC."
    )
    public_webserver: bool = _key(
        "mwaaPublicWebserver", False, "Opt in to a public web server (PUBLIC_ONLY)."
    )
    endpoint_management: EndpointManagement = _key(
        "mwaaEndpointManagement",
        "SERVICE",
        "Who creates MWAA's VPC endpoints: SERVICE (MWAA) or CUSTOMER (the owner of a shared "
        "VPC, from the endpoint services the stack exports; needs existingVpcId).",
    )
    worker_replacement_strategy: WorkerReplacement = _key(
        "mwaaWorkerReplacementStrategy",
        "GRACEFUL",
        "How an update replaces workers: GRACEFUL (running tasks finish, up to 12 hours, "
        "before a worker stops) or FORCED (workers stop at once; their running tasks fail).",
    )

    @field_validator("maintenance_window")
    @classmethod
    def _window(cls, value: str) -> str:
        _check(bool(_WINDOW.match(value)), "is not DAY:HH:MM with DAY MON..SUN and MM 00 or 30")
        return value

    @model_validator(mode="after")
    def _limits(self) -> MwaaSettings:
        errors = []
        if self.min_workers > self.max_workers:
            errors.append(
                f"mwaaMinWorkers: {self.min_workers} is more than mwaaMaxWorkers {self.max_workers}"
            )
        if self.min_webservers > self.max_webservers:
            errors.append(
                f"mwaaMinWebservers: {self.min_webservers} is more than mwaaMaxWebservers "
                f"{self.max_webservers}"
            )
        micro = self.environment_class == "mw1.micro"
        low = 1 if micro else 2
        # mw1.micro runs the scheduler and the worker in one container (AWS launch post,
        # "Amazon MWAA micro environments"): one worker, never more.
        for key, value in (
            ("mwaaMinWorkers", self.min_workers),
            ("mwaaMaxWorkers", self.max_workers),
        ):
            if micro and value != 1:
                errors.append(f"{key}: {value} is not allowed on mw1.micro, which runs exactly 1")
        for key, value in (
            ("mwaaSchedulers", self.schedulers),
            ("mwaaMinWebservers", self.min_webservers),
            ("mwaaMaxWebservers", self.max_webservers),
        ):
            if micro and value != 1:
                errors.append(f"{key}: {value} is not allowed on mw1.micro, which runs exactly 1")
            elif value < low:
                errors.append(f"{key}: {value} must be at least 2 (mw1.micro: exactly 1)")
        if errors:
            raise ValueError("\n".join(errors))
        return self


class EksSettings(_Group):
    """EKS + the official Airflow chart (architecture eks)."""

    kubernetes_version: str = _key(
        "eksKubernetesVersion",
        "1.36",
        "EKS Kubernetes version (one in standard support; 1.36 is supported the longest).",
    )
    public_endpoint: bool = _key(
        "eksPublicEndpoint", False, "Open the API server endpoint to eksPublicAccessCidrs."
    )
    public_access_cidrs: tuple[str, ...] = _key(
        "eksPublicAccessCidrs", (), "CIDRs allowed to the public endpoint (never 0.0.0.0/0)."
    )
    api_access_cidrs: tuple[str, ...] = _key(
        "eksApiAccessCidrs",
        (),
        "Private networks beyond the VPC (VPN, peered runners) allowed to the private API.",
    )
    admin_role_arns: tuple[str, ...] = _key(
        "eksAdminRoleArns", (), "IAM roles given cluster-admin through EKS access entries."
    )
    viewer_role_arns: tuple[str, ...] = _key(
        "eksViewerRoleArns",
        (),
        "IAM roles given read-only access (AmazonEKSViewPolicy, no Secrets), e.g. people on "
        "call and the CI preview role (bootstrap/README.md says why that is enough).",
    )
    image_registry: str = _key(
        "eksImageRegistry",
        "",
        "ECR registry (<account>.dkr.ecr.<region>.amazonaws.com) whose pull-through cache rules "
        "mirror the charts' public registries; every chart image is pulled through it. "
        "Required on eks with egress endpoints (README 'The network').",
    )
    node_arch: NodeArch = _key(
        "eksNodeArch", "arm64", "CPU architecture of all nodes: arm64 (Graviton) or x86_64."
    )
    system_instance_types: tuple[str, ...] = _key(
        "eksSystemInstanceTypes", ("t4g.medium",), "Instance types of the on-demand system group."
    )
    system_min_nodes: int = _key("eksSystemMinNodes", 3, "System group minimum.", ge=1, le=100)
    system_desired_nodes: int = _key(
        "eksSystemDesiredNodes", 3, "System group desired.", ge=1, le=100
    )
    system_max_nodes: int = _key("eksSystemMaxNodes", 6, "System group maximum.", ge=1, le=100)
    worker_instance_types: tuple[str, ...] = _key(
        "eksWorkerInstanceTypes",
        ("m7g.large", "m6g.large", "c7g.xlarge", "m7g.xlarge"),
        "Instance types of the Celery worker group (several, for spot capacity).",
    )
    worker_capacity_type: CapacityType = _key(
        "eksWorkerCapacityType", "SPOT", "Worker group capacity: SPOT or ON_DEMAND."
    )
    worker_min_nodes: int = _key("eksWorkerMinNodes", 0, "Worker group minimum.", ge=0, le=500)
    worker_desired_nodes: int = _key(
        "eksWorkerDesiredNodes", 1, "Worker group desired.", ge=0, le=500
    )
    worker_max_nodes: int = _key("eksWorkerMaxNodes", 10, "Worker group maximum.", ge=1, le=500)
    node_disk_gib: int = _key(
        "eksNodeDiskGib", 40, "gp3 root volume per node (GiB).", ge=20, le=1000
    )
    certificate_arn: str = _key(
        "eksCertificateArn", "", "ACM certificate ARN; when set the ALB serves HTTPS on 443."
    )
    web_hostname: str = _key(
        "webHostname",
        "",
        "Host name of the Airflow UI (e.g. airflow.example.com): Airflow's base URL and the "
        "webUrl output. Required with eksCertificateArn, which must cover it (no certificate "
        "can cover the ALB's own DNS name); point a CNAME or alias record at the "
        "loadBalancerDnsName output.",
    )
    web_client_cidrs: tuple[str, ...] = _key(
        "eksWebClientCidrs",
        (),
        "Private networks beyond the VPC (VPN, peered VPCs) whose clients open the Airflow UI: "
        "RFC 1918 or 100.64.0.0/10 (CGNAT, used by VPNs), at most "
        f"{MAX_WEB_CLIENT_CIDRS}. The ALB security group admits them (two rules each, 80 and "
        "443, of its 60 inbound rules). Separate from eksApiAccessCidrs, which opens the "
        "Kubernetes API: people who use the UI need not reach the control plane.",
    )
    scheduler_replicas: int = _key("airflowSchedulerReplicas", 2, "Schedulers (2+).", ge=2, le=10)
    api_server_replicas: int = _key("airflowApiServerReplicas", 2, "API servers (2+).", ge=2, le=10)
    min_workers: int = _key(
        "airflowMinWorkers", 1, "KEDA minimum Celery workers (0 = scale to zero).", ge=0, le=200
    )
    max_workers: int = _key("airflowMaxWorkers", 10, "KEDA maximum Celery workers.", ge=1, le=200)
    worker_concurrency: int = _key(
        "airflowWorkerConcurrency", 16, "Tasks per Celery worker.", ge=1, le=128
    )
    dags_repo_url: str = _key(
        "dagsRepoUrl", "", "https:// Git repository git-sync pulls dags/ from (required on eks)."
    )
    dags_repo_branch: str = _key("dagsRepoBranch", "main", "Branch git-sync follows.")
    dags_repo_subpath: str = _key(
        "dagsRepoSubPath", "dags", "Folder of the DAGs in the repository."
    )
    dags_repo_username: str = _key(
        "dagsRepoUsername", "", "git-sync user for a private https repo."
    )
    dags_repo_token: SecretStr = _key(
        "dagsRepoToken", SecretStr(""), "git-sync token for a private https repo (secret)."
    )
    db_instance_class: str = _key(
        "dbInstanceClass", "db.t4g.small", "RDS PostgreSQL instance class."
    )
    db_allocated_storage_gib: int = _key(
        "dbAllocatedStorageGib", 20, "RDS storage (GiB).", ge=20, le=65536
    )
    db_max_allocated_storage_gib: int = _key(
        "dbMaxAllocatedStorageGib", 100, "RDS storage autoscaling ceiling (GiB).", ge=20, le=65536
    )
    db_multi_az: bool = _key("dbMultiAz", True, "RDS Multi-AZ standby.")
    db_backup_retention_days: int = _key(
        "dbBackupRetentionDays", 7, "RDS automated backup retention (7-35 days).", ge=7, le=35
    )
    queue_mode: QueueMode = _key(
        "queueMode",
        "elasticache",
        "Celery broker: elasticache (managed) or in-cluster (chart Redis).",
    )
    cache_node_type: str = _key("cacheNodeType", "cache.t4g.micro", "ElastiCache node type.")
    cache_multi_az: bool = _key(
        "cacheMultiAz", True, "ElastiCache replica in a second zone + failover."
    )
    prometheus_retention: str = _key(
        "prometheusRetention", "15d", "Prometheus retention (e.g. 15d)."
    )
    prometheus_storage_gib: int = _key(
        "prometheusStorageGib", 50, "Prometheus volume (GiB).", ge=10, le=16384
    )

    @field_validator("kubernetes_version")
    @classmethod
    def _k8s(cls, value: str) -> str:
        allowed = ", ".join(EKS_STANDARD_VERSIONS)
        _check(
            value in EKS_STANDARD_VERSIONS, f"is not an EKS version in standard support ({allowed})"
        )
        return value

    @field_validator("public_access_cidrs")
    @classmethod
    def _public_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                network = ipaddress.ip_network(item, strict=True)
            except ValueError:
                raise ValueError(f"entry {item!r} is not a CIDR") from None
            _check(
                network.prefixlen > 0, f"entry {item!r} opens the endpoint to the whole internet"
            )
        return value

    @field_validator("web_client_cidrs")
    @classmethod
    def _web_client_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _check(
            len(value) <= MAX_WEB_CLIENT_CIDRS,
            f"lists {len(value)} networks, at most {MAX_WEB_CLIENT_CIDRS} are allowed (each "
            "takes 2 of the 60 inbound rules of the ALB security group); list wider networks",
        )
        for item in value:
            try:
                network = ipaddress.IPv4Network(item, strict=True)
            except ValueError:
                raise ValueError(f"entry {item!r} is not an IPv4 CIDR") from None
            _check(
                any(network.subnet_of(allowed) for allowed in _CLIENT_NETWORKS),
                f"entry {item!r} is not in RFC 1918 (10.0.0.0/8, 172.16.0.0/12, "
                "192.168.0.0/16) or 100.64.0.0/10 (CGNAT)",
            )
        _unique(list(value), "networks")
        return value

    @field_validator("api_access_cidrs")
    @classmethod
    def _api_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                network = ipaddress.IPv4Network(item, strict=True)
            except ValueError:
                raise ValueError(f"entry {item!r} is not an IPv4 CIDR") from None
            _check(network.is_private, f"entry {item!r} is not a private network")
        return value

    @field_validator("image_registry")
    @classmethod
    def _image_registry(cls, value: str) -> str:
        _check(
            value == "" or bool(_ECR_REGISTRY.match(value)),
            "is not an ECR registry host (<account>.dkr.ecr.<region>.amazonaws.com)",
        )
        return value

    @field_validator("admin_role_arns", "viewer_role_arns")
    @classmethod
    def _roles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _check(bool(_ROLE_ARN.match(item)), f"entry {item!r} is not an IAM role ARN")
        return value

    @field_validator("system_instance_types", "worker_instance_types")
    @classmethod
    def _instance_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _check(1 <= len(value) <= 20, "needs 1 to 20 instance types")
        for item in value:
            _check(bool(_INSTANCE_TYPE.match(item)), f"entry {item!r} is not an EC2 instance type")
        _unique(list(value), "instance types")
        return value

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, value: str) -> str:
        _check(value == "" or bool(_ACM_ARN.match(value)), "is not an ACM certificate ARN")
        return value

    @field_validator("web_hostname")
    @classmethod
    def _hostname(cls, value: str) -> str:
        _check(
            value == "" or bool(_DNS_NAME.match(value)),
            "is not a DNS host name (lower-case labels, e.g. airflow.example.com)",
        )
        return value

    @field_validator("dags_repo_url")
    @classmethod
    def _repo(cls, value: str) -> str:
        _check(
            value == "" or bool(_GIT_URL.match(value)),
            "is not an https:// repository URL (private ones use dagsRepoUsername/dagsRepoToken)",
        )
        return value

    @field_validator("dags_repo_branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        _check(
            bool(re.match(r"^[\w./-]{1,255}$", value)) and ".." not in value, "is not a branch name"
        )
        return value

    @field_validator("dags_repo_subpath")
    @classmethod
    def _subpath(cls, value: str) -> str:
        _check(
            bool(re.match(r"^[\w.-]+(/[\w.-]+)*$", value)) and ".." not in value,
            "is not a relative folder path",
        )
        return value

    @field_validator("db_instance_class")
    @classmethod
    def _db_class(cls, value: str) -> str:
        _check(bool(_DB_CLASS.match(value)), "is not an RDS instance class (e.g. db.t4g.small)")
        return value

    @field_validator("cache_node_type")
    @classmethod
    def _cache(cls, value: str) -> str:
        _check(
            bool(_CACHE_NODE.match(value)), "is not an ElastiCache node type (e.g. cache.t4g.micro)"
        )
        return value

    @field_validator("prometheus_retention")
    @classmethod
    def _prom_retention(cls, value: str) -> str:
        _check(bool(_DURATION.match(value)), "is not a Prometheus duration (e.g. 15d, 720h)")
        return value

    @model_validator(mode="after")
    def _one_access_entry_per_role(self) -> EksSettings:
        # EKS refuses a second access entry for a principal (ResourceInUseException).
        errors = [
            f"eksViewerRoleArns: {arn!r} is also in eksAdminRoleArns; list each role in one "
            "of them only (EKS refuses a second access entry for a principal)"
            for arn in sorted(set(self.admin_role_arns) & set(self.viewer_role_arns))
        ]
        for key, arns in (
            ("eksAdminRoleArns", self.admin_role_arns),
            ("eksViewerRoleArns", self.viewer_role_arns),
        ):
            errors += [
                f"{key}: {arn!r} is listed twice (EKS refuses a second access entry for a "
                "principal)"
                for arn in sorted({a for a in arns if arns.count(a) > 1})
            ]
        if errors:
            raise ValueError("\n".join(errors))
        return self

    @model_validator(mode="after")
    def _cross(self) -> EksSettings:
        errors = []
        for group in ("System", "Worker"):
            low, want, high = (
                getattr(self, f"{group.lower()}_{k}_nodes") for k in ("min", "desired", "max")
            )
            if not low <= want <= high:
                errors.append(
                    f"eks{group}DesiredNodes: needs eks{group}MinNodes <= eks{group}DesiredNodes "
                    f"<= eks{group}MaxNodes, got {low} <= {want} <= {high}"
                )
        for key, types in (
            ("eksSystemInstanceTypes", self.system_instance_types),
            ("eksWorkerInstanceTypes", self.worker_instance_types),
        ):
            wrong = [t for t in types if bool(_GRAVITON.match(t)) != (self.node_arch == "arm64")]
            if wrong:
                errors.append(
                    f"{key}: {', '.join(wrong)} do not run {self.node_arch} (eksNodeArch)"
                )
        if self.min_workers > self.max_workers:
            errors.append(
                f"airflowMinWorkers: {self.min_workers} is more than airflowMaxWorkers "
                f"{self.max_workers}"
            )
        if self.db_max_allocated_storage_gib < self.db_allocated_storage_gib:
            errors.append("dbMaxAllocatedStorageGib: must be at least dbAllocatedStorageGib")
        if self.certificate_arn and not self.web_hostname:
            errors.append(
                "webHostname: required when eksCertificateArn is set (the host name the "
                "certificate covers; it cannot cover the ALB's own DNS name)"
            )
        if self.public_endpoint and not self.public_access_cidrs:
            errors.append("eksPublicAccessCidrs: must list CIDRs when eksPublicEndpoint is true")
        if bool(self.dags_repo_username) != bool(self.dags_repo_token.get_secret_value()):
            errors.append("dagsRepoToken: dagsRepoUsername and dagsRepoToken must be set together")
        if errors:
            raise ValueError("\n".join(errors))
        return self


class ObservabilitySettings(_Group):
    """Alarm thresholds (CloudWatch) shared by both platforms."""

    queued_task_age_seconds: int = _key(
        "alarmQueuedTaskAgeSeconds",
        1800,
        "Oldest queued task age that alarms (s).",
        ge=60,
        le=86400,
    )
    cpu_percent: int = _key("alarmCpuPercent", 90, "CPU utilisation that alarms (%).", ge=1, le=100)
    memory_percent: int = _key(
        "alarmMemoryPercent", 90, "Memory utilisation that alarms (%).", ge=1, le=100
    )
    task_failures: int = _key(
        "alarmTaskFailures", 5, "Task failures in 15 minutes that alarm.", ge=1, le=100000
    )
    db_freeable_memory_mib: int = _key(
        "alarmDbFreeableMemoryMib",
        512,
        "Metadata DB freeable memory floor (MiB).",
        ge=16,
        le=1048576,
    )
    db_free_storage_gib: int = _key(
        "alarmDbFreeStorageGib", 5, "Metadata DB free storage floor (GiB).", ge=1, le=65536
    )
    db_connections: int = _key(
        "alarmDbConnections", 150, "Metadata DB connections that alarm.", ge=1, le=100000
    )


# --------------------------------------------------------------------------- the whole


class Settings(BaseModel):
    """All settings of one stack. Components receive the groups they need."""

    model_config = ConfigDict(frozen=True)

    project: str
    stack: str
    region: str
    stack_settings: StackSettings
    network: NetworkSettings
    alerting: AlertingSettings
    airflow: AirflowSettings
    mwaa: MwaaSettings
    eks: EksSettings
    observability: ObservabilitySettings

    @property
    def architecture(self) -> Architecture:
        return self.stack_settings.architecture

    @property
    def environment_name(self) -> str:
        return self.stack_settings.environment_name or f"airflow-{self.stack}"

    @property
    def mwaa_private_web_server(self) -> bool:
        """MWAA with a PRIVATE_ONLY web server (the network gives it an `airflow.env` endpoint)."""
        return self.architecture == "mwaa" and not self.mwaa.public_webserver

    @property
    def protect(self) -> bool:
        return self.stack_settings.protect

    @property
    def tags(self) -> dict[str, str]:
        """Cost-allocation tags on every taggable resource (provider default tags)."""
        return {
            "Project": self.project,
            "Environment": self.stack,
            "ManagedBy": "pulumi",
            "Owner": self.stack_settings.owner,
            "CostCenter": self.stack_settings.cost_center,
        }

    @property
    def policy_exceptions(self) -> dict[str, str]:
        return {
            name.strip(): reason.strip()
            for name, _, reason in (e.partition(":") for e in self.stack_settings.policy_exceptions)
        }


GROUPS: dict[str, type[_Group]] = {
    "stack_settings": StackSettings,
    "network": NetworkSettings,
    "alerting": AlertingSettings,
    "airflow": AirflowSettings,
    "mwaa": MwaaSettings,
    "eks": EksSettings,
    "observability": ObservabilitySettings,
}


def known_keys() -> dict[str, FieldInfo]:
    """Every config key of the project, with its field (type, default, description)."""
    return {
        str(info.alias): info for group in GROUPS.values() for info in group.model_fields.values()
    }


def load(project: str, stack: str, config: Mapping[str, Any]) -> Settings:
    """Validate a stack's config (full keys, e.g. `airflow:azCount`) into Settings.

    Raises SettingsError listing every mistake, one line each, before anything is declared.
    """
    region = config.get("aws:region")
    prefix = f"{project}:"
    raw = {k[len(prefix) :]: _decode(v) for k, v in config.items() if k.startswith(prefix)}
    errors = _unknown_keys(raw)
    if not region:
        errors.append("aws:region: is required (pulumi config set aws:region <region>)")
    elif not _REGION.match(str(region)):
        errors.append(f"aws:region: {region!r} is not an AWS region name (e.g. us-east-1)")

    groups: dict[str, _Group] = {}
    for attr, group in GROUPS.items():
        aliases = {str(f.alias) for f in group.model_fields.values()}
        try:
            groups[attr] = group.model_validate({k: v for k, v in raw.items() if k in aliases})
        except ValidationError as exc:
            errors.extend(_describe(group, exc))
    if not errors:
        errors.extend(_cross_checks(stack, str(region), groups))
    if errors:
        raise SettingsError("\n".join(errors))
    network = groups["network"]
    assert isinstance(network, NetworkSettings)
    groups["network"] = network.resolved(str(raw["architecture"]))
    return Settings(project=project, stack=stack, region=str(region), **groups)  # type: ignore[arg-type]


def from_pulumi() -> Settings:
    """Read this stack's config the way `pulumi up` passes it to the program."""
    from pulumi.runtime import config as runtime_config

    config: dict[str, Any] = dict(runtime_config.get_config_env())
    config.update(runtime_config.CONFIG.get())
    return load(pulumi.get_project(), pulumi.get_stack(), config)


def _cross_checks(stack_name: str, region: str, groups: Mapping[str, _Group]) -> list[str]:
    stack = groups["stack_settings"]
    assert isinstance(stack, StackSettings)
    eks = groups["eks"]
    assert isinstance(eks, EksSettings)
    airflow = groups["airflow"]
    assert isinstance(airflow, AirflowSettings)
    network = groups["network"]
    assert isinstance(network, NetworkSettings)
    mwaa = groups["mwaa"]
    assert isinstance(mwaa, MwaaSettings)
    errors = []
    if mwaa.endpoint_management == "CUSTOMER" and not network.existing:
        errors.append(
            "mwaaEndpointManagement: CUSTOMER needs existingVpcId (a shared VPC whose owner "
            "creates the endpoints); a VPC the program creates uses SERVICE"
        )
    if (
        stack.architecture == "mwaa"
        and mwaa.worker_replacement_strategy == "GRACEFUL"
        and region in NO_GRACEFUL_REGIONS
    ):
        errors.append(
            f"mwaaWorkerReplacementStrategy: GRACEFUL is not offered in {region} (MWAA has no "
            "graceful updates there yet); set FORCED"
        )
    derived = f"airflow-{stack_name}"
    if not stack.environment_name and not _ENV_NAME.match(derived):
        errors.append(
            f"environmentName: {derived!r} (from the stack name) {ENV_NAME_RULE}; "
            "set environmentName"
        )
    if stack.architecture == "eks":
        if not eks.dags_repo_url:
            errors.append(
                "dagsRepoUrl: is required on eks (the repository git-sync pulls dags/ from)"
            )
        if network.egress == "endpoints" and not network.existing and not eks.image_registry:
            errors.append(
                "eksImageRegistry: is required on eks with egress endpoints (the charts' public "
                "registries are out of reach; an ECR pull-through cache, see README 'The network')"
            )
        registry = _ECR_REGISTRY.match(eks.image_registry)
        if registry and registry.group(1) != region:
            errors.append(
                f"eksImageRegistry: is in {registry.group(1)}, not in aws:region {region} "
                "(the VPC's ECR endpoints reach only their own region)"
            )
        if airflow.version not in CHART_AIRFLOW_VERSIONS:
            errors.append(
                f"airflowVersion: {airflow.version!r} is not one the eks platform runs "
                f"({', '.join(CHART_AIRFLOW_VERSIONS)})"
            )
    return errors


def _decode(value: Any) -> Any:
    """Config values reach the program as strings; arrays arrive as JSON text."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


# Settings the project dropped, with what replaced them.
RETIRED_KEYS = {
    "airflowChartVersion": "charts.lock.yaml pins every chart version now (README 'Helm "
    "charts'); remove it from the stack file",
    "eksPreviewRoleArns": "move its roles to eksViewerRoleArns: the CI preview role needs view "
    "only (bootstrap/README.md)",
}


def _unknown_keys(raw: Mapping[str, Any]) -> list[str]:
    known = list(known_keys())
    errors = []
    for key in sorted(set(raw) - set(known)):
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else "see Pulumi.yaml for the known settings"
        hint = RETIRED_KEYS.get(key, hint)
        errors.append(f"{key}: is not a setting of this project; {hint}")
    return errors


_PHRASES = {
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "missing": "is required",
}


def _describe(group: type[_Group], exc: ValidationError) -> list[str]:
    """Turn pydantic's errors into one line per mistake, naming the config key."""
    lines = []
    by_alias = {str(f.alias): f for f in group.model_fields.values()}
    for error in exc.errors():
        loc = error["loc"]
        key = str(loc[0]) if loc else ""
        where = key + "".join(f"[{i}]" for i in loc[1:])
        value = error.get("input")
        shown = "" if error["type"] == "missing" or not key else f"{value!r} "
        kind = error["type"]
        if kind == "value_error":
            message = str(error["msg"]).removeprefix("Value error, ")
            if not key:  # model validators already name their keys
                lines.extend(message.splitlines())
                continue
            shown = "" if message.startswith("entry ") else shown
            lines.append(f"{where}: {shown}{message}")
        elif kind == "literal_error":
            allowed = ", ".join(str(a) for a in get_args(_annotation(by_alias[key])) if a != "")
            lines.append(f"{where}: {shown}is not one of {allowed}")
        else:
            phrase = _PHRASES.get(kind, str(error["msg"]).lower()).format(**error.get("ctx", {}))
            lines.append(f"{where}: {shown}{phrase}")
    return lines


def _annotation(field: FieldInfo) -> Any:
    annotation = field.annotation
    while get_args(annotation) and not isinstance(get_args(annotation)[0], str):
        annotation = get_args(annotation)[0]
    return annotation


__all__ = [
    "AirflowSettings",
    "AlertingSettings",
    "EksSettings",
    "MwaaSettings",
    "NetworkSettings",
    "ObservabilitySettings",
    "Settings",
    "SettingsError",
    "StackSettings",
    "known_keys",
    "load",
]
