"""Every alarm's definition evaluated the way CloudWatch evaluates it, against what a new stack
and a healthy one report: nobody is paged (issue 21, item 7). And a silence alarm still pages
when a signal that had data falls silent.

The evaluation follows "Configuring how CloudWatch alarms treat missing data" (CloudWatch user
guide): the last `EvaluationPeriods` periods are the evaluation range; `breaching` and
`notBreaching` stand in for missing points; with `missing` an all-missing range is
INSUFFICIENT_DATA and with `ignore` it keeps the state; otherwise the present points decide
(ALARM when `DatapointsToAlarm` of them breach, or, when fewer are present, when all of them
do). A metric-math alarm whose inputs have no data has no data either (nothing to compute on).
Each state change is offered to the stack's alerting rule (tests/eventbridge.py): what it
forwards is what reaches people.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import pytest

from components.alerting import event_routes
from components.platform import SILENCE_ALARM_ROLES
from tests.eventbridge import alarm_event, matches
from tests.test_observability import alarms, build

ENV = "airflow-dev"
Series = Sequence[float | None]


def breaches(inputs: dict[str, Any], value: float) -> bool:
    threshold = inputs["threshold"]
    return {
        "GreaterThanThreshold": value > threshold,
        "GreaterThanOrEqualToThreshold": value >= threshold,
        "LessThanThreshold": value < threshold,
        "LessThanOrEqualToThreshold": value <= threshold,
    }[inputs["comparisonOperator"]]


def evaluate(inputs: dict[str, Any], window: Series, state: str) -> str:
    """The state CloudWatch gives the alarm for the evaluation range `window`."""
    m, treat = int(inputs["datapointsToAlarm"]), inputs["treatMissingData"]
    if treat in {"breaching", "notBreaching"}:
        bad = sum(breaches(inputs, v) if v is not None else treat == "breaching" for v in window)
        return "ALARM" if bad >= m else "OK"
    present = [v for v in window if v is not None]
    if not present:
        return state if treat == "ignore" else "INSUFFICIENT_DATA"
    bad = sum(breaches(inputs, v) for v in present)
    enough = bad >= m if len(present) >= m else bad == len(present)
    return "ALARM" if enough else "OK"


def forwarded(name: str, inputs: dict[str, Any], series: Series, arch: str) -> list[str]:
    """Run the alarm over `series` (one value per period, None for no data) from creation
    (INSUFFICIENT_DATA); the state changes the alerting rule forwards, as `previous->state`."""
    [rule] = [r for r in event_routes(ENV, arch, "us-east-1", "111122223333") if r.role == "alarms"]
    n, state, sent = int(inputs["evaluationPeriods"]), "INSUFFICIENT_DATA", []
    for end in range(1, len(series) + 1):
        window = [None] * max(0, n - end) + list(series[max(0, end - n) : end])
        new = evaluate(inputs, window, state)
        if new != state:
            event = alarm_event(name, new, state)
            if matches(rule.pattern, event):
                sent.append(f"{state}->{new}")
            state = new
    return sent


def good_value(inputs: dict[str, Any]) -> float:
    threshold = inputs["threshold"]
    below = inputs["comparisonOperator"].startswith("Greater")
    value = threshold - max(1.0, abs(threshold) / 2) if below else threshold + 1
    assert not breaches(inputs, value)
    return value


def periods(inputs: dict[str, Any], hours: float) -> int:
    return int(hours * 3600 // (inputs.get("period") or 300))


def daily(inputs: dict[str, Any], days: int) -> list[float | None]:
    """One good data point a day (the state backup's metric): nothing in between."""
    per_day = periods(inputs, 24)
    return [
        good_value(inputs) if i % per_day == per_day - 1 else None for i in range(days * per_day)
    ]


def every_period(inputs: dict[str, Any], hours: float) -> list[float | None]:
    return [good_value(inputs)] * periods(inputs, hours)


@cache
def defined_alarms(arch: str) -> dict[str, dict[str, Any]]:
    return {name: dict(alarm.inputs) for name, alarm in alarms(build(arch)).items()}


ALL = [(arch, name) for arch in ("mwaa", "eks") for name in sorted(defined_alarms(arch))]


@pytest.mark.parametrize(("arch", "name"), ALL)
def test_a_new_stack_with_no_data_yet_pages_no_one(arch: str, name: str) -> None:
    inputs = defined_alarms(arch)[name]
    assert forwarded(name, inputs, [None] * periods(inputs, 48), arch) == []


HEALTHY: dict[str, Callable[[dict[str, Any]], list[float | None]]] = {
    "state-backup-missing": lambda inputs: daily(inputs, 3),
}


@pytest.mark.parametrize(("arch", "name"), ALL)
def test_a_healthy_stack_pages_no_one(arch: str, name: str) -> None:
    """Healthy: a good value every period, the state backup once a day; a stack that starts
    reporting only after a while (a new one) is healthy too."""
    inputs = defined_alarms(arch)[name]
    role = name.removeprefix(f"{ENV}-")
    healthy = HEALTHY.get(role, lambda i: every_period(i, 24))(inputs)
    assert forwarded(name, inputs, healthy, arch) == []
    late_start = [None] * periods(inputs, 6) + healthy
    assert forwarded(name, inputs, late_start, arch) == []


@pytest.mark.parametrize(
    ("arch", "name"), [(a, n) for a, n in ALL if n.removeprefix(f"{ENV}-") in SILENCE_ALARM_ROLES]
)
def test_a_signal_that_falls_silent_after_reporting_pages(
    arch: str,
    name: str,
) -> None:
    inputs = defined_alarms(arch)[name]
    role = name.removeprefix(f"{ENV}-")
    healthy = HEALTHY.get(role, lambda i: every_period(i, 24))(inputs)
    silent = healthy + [None] * periods(inputs, 27)
    assert forwarded(name, inputs, silent, arch) == ["OK->INSUFFICIENT_DATA"]


def test_the_silence_roles_are_exactly_the_alarms_that_treat_missing_data_as_missing() -> None:
    missing = {
        name.removeprefix(f"{ENV}-")
        for by_name in map(defined_alarms, ("mwaa", "eks"))
        for name, inputs in by_name.items()
        if inputs["treatMissingData"] == "missing"
    }
    assert missing == set(SILENCE_ALARM_ROLES)
