"""Shared pieces of the settings groups: value types, patterns, limits and the helpers
that turn a bad value into one line naming its key."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any, Literal

import pulumi
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

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

LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)  # fmt: skip
# Options the program sets itself; overriding them from settings would break the platform.
MANAGED_AIRFLOW_OPTIONS = frozenset(
    {
        "api.base_url",
        "celery.worker_concurrency",
        "core.execution_api_server_url",
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


def _require_together(keys: Mapping[str, str]) -> None:
    set_keys = [k for k, v in keys.items() if v]
    if set_keys and len(set_keys) != len(keys):
        missing = ", ".join(k for k in keys if k not in set_keys)
        raise ValueError(f"{missing}: must be set together with {', '.join(set_keys)}")
