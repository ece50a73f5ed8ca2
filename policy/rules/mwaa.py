"""Rules for Amazon MWAA environments: a private web server, a customer key, all logs on."""

from __future__ import annotations

from typing import Final

from .base import UNKNOWN, Policy, Resource, dig, inputs_of, must_be_set, resource_rule

MWAA_LOGS: Final = ("dagProcessingLogs", "schedulerLogs", "taskLogs", "webserverLogs", "workerLogs")
_MWAA = frozenset({"aws:mwaa/environment:Environment"})


def check_mwaa_private(resource: Resource) -> list[str]:
    mode = dig(inputs_of(resource), "webserverAccessMode")
    if mode is UNKNOWN or mode in (None, "PRIVATE_ONLY"):  # the API defaults to PRIVATE_ONLY
        return []
    return [f"webserverAccessMode is {mode!r}: the Airflow UI is reachable from the internet"]


def check_mwaa_key(resource: Resource) -> list[str]:
    return must_be_set(resource, ["kmsKey"], "kmsKey is not set (AWS-owned key)")


def check_mwaa_logging(resource: Resource) -> list[str]:
    inputs = inputs_of(resource)
    off = [
        name
        for name in MWAA_LOGS
        if dig(inputs, "loggingConfiguration", name, "enabled") not in (True, UNKNOWN)
    ]
    return [f"logging off: {', '.join(off)}"] if off else []


POLICIES: Final[tuple[Policy, ...]] = (
    resource_rule(
        "mwaa-private-webserver",
        "advisory",
        _MWAA,
        check_mwaa_private,
        "The MWAA web server is private.",
    ),
    resource_rule(
        "mwaa-customer-key",
        "mandatory",
        _MWAA,
        check_mwaa_key,
        "MWAA encrypts with a customer managed KMS key.",
    ),
    resource_rule(
        "mwaa-logging",
        "mandatory",
        _MWAA,
        check_mwaa_logging,
        "MWAA sends all five Airflow log types to CloudWatch.",
    ),
)
