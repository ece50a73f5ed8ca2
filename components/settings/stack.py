"""Stack settings: what the stack is and who owns it."""

from __future__ import annotations

import re

from pydantic import (
    field_validator,
)

from components.settings.base import (
    _ENV_NAME,
    _TAG_VALUE,
    ENV_NAME_RULE,
    LOG_RETENTION_DAYS,
    Architecture,
    _check,
    _Group,
    _key,
)


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
