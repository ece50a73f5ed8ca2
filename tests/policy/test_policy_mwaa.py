"""The MWAA rules (policy/rules/mwaa.py): private web server, customer key, all logs."""

from __future__ import annotations

from policy_cases import UNKNOWN, PolicyTable, Resources, mwaa, mwaa_log_off

from policy.rules import mwaa as mwaa_rules
from policy.rules.mwaa import MWAA_LOGS

BAD: list[tuple[str, Resources, str]] = [
    ("mwaa-private-webserver", [mwaa(webserverAccessMode="PUBLIC_ONLY")], "airflow"),
    ("mwaa-customer-key", [mwaa(kmsKey=None)], "airflow"),
    ("mwaa-logging", [mwaa_log_off("workerLogs")], "airflow"),
    ("mwaa-logging", [mwaa(loggingConfiguration=None)], "airflow"),
]

GOOD: dict[str, Resources] = {
    "mwaa-private-webserver": [mwaa(), mwaa(webserverAccessMode=None)],
    "mwaa-customer-key": [mwaa()],
    "mwaa-logging": [mwaa()],
}

# Values unknown during preview must never produce a finding.
UNKNOWNS: list[tuple[str, Resources]] = [
    (
        "mwaa-logging",
        [mwaa(loggingConfiguration={n: {"enabled": UNKNOWN} for n in MWAA_LOGS})],
    ),
]


class TestMwaa(PolicyTable):
    module, bad, good, unknowns = mwaa_rules, BAD, GOOD, UNKNOWNS
