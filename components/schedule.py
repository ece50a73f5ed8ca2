"""The desired state as a function of the settings and the time: awake, waking or asleep.

The program asks `phase_at(settings, now())` once per run, so `pulumi up` at any hour
converges to what the schedule says (a deploy at night keeps dev asleep). Waking starts
`wake_lead` before a window opens: the platform is declared (it takes that long to create),
paging stays off until the window opens and the platform has reported healthy
(`tools/sleep`). Pure functions, no Pulumi: `tools/plan.py`, `tools/sleep` and the tests use
them as the program does.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from components.settings.schedule import ScheduleSettings

Phase = Literal["awake", "waking", "asleep"]
AT_VARIABLE = "AIRFLOW_STACK_AT"
"""Environment variable: the ISO time the program decides for (`make plan AT=...`, tests);
unset: now."""
HOLD_VARIABLE = "AIRFLOW_STACK_HOLD_PAGING"
"""Environment variable `tools/sleep` sets to `1` while it brings a platform up that the time
already calls awake (a missed wake edge, `make wake`): the run declares it waking (paging
off) until the platform has reported healthy and its state is imported."""

# How long before a window the platform is declared. MWAA: AWS documents "about twenty to
# thirty minutes to create an environment" (MWAA User Guide, "Create an Amazon MWAA
# environment"); 30 + the NAT gateway and endpoint (about 2-5 minutes) + the state import
# (a few minutes) + margin = 45. EKS: node groups from zero (about 5 minutes) and a stopped
# RDS instance starting (about 10) = 20.
DEFAULT_WAKE_LEAD_MINUTES = {"mwaa": 45, "eks": 20}
WEEK = timedelta(days=7)


def now() -> datetime:
    """The time the program decides for: $AIRFLOW_STACK_AT (ISO 8601) or the clock."""
    text = os.environ.get(AT_VARIABLE, "").strip()
    return parse_time(text) if text else datetime.now(UTC)


def parse_time(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is UTC."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time (e.g. 2026-12-07T06:30:00Z)") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def wake_lead(schedule: ScheduleSettings, architecture: str) -> timedelta:
    minutes = schedule.wake_lead_minutes or DEFAULT_WAKE_LEAD_MINUTES[architecture]
    return timedelta(minutes=minutes)


def awake_intervals(
    schedule: ScheduleSettings, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The schedule's awake windows (UTC) that touch [start, end), touching ones merged."""
    zone = ZoneInfo(schedule.timezone)
    first = start.astimezone(zone).date() - timedelta(days=1)
    days = (end - start).days + 3
    found: list[tuple[datetime, datetime]] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        for window in schedule.windows:
            if day.weekday() in window.days:
                found.append(
                    (_local(day, window.start_minute, zone), _local(day, window.end_minute, zone))
                )
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(found):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return [(a, b) for a, b in merged if b > start and a < end]


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    # Wall-clock arithmetic: 07:00 is 07:00 local on the days clocks change, too.
    wall = datetime.combine(day, time(0)) + timedelta(minutes=minute)
    return (
        wall.replace(tzinfo=zone).astimezone(UTC)
        if minute < 24 * 60
        else (midnight + timedelta(days=1)).astimezone(UTC)
    )


def phase_at(schedule: ScheduleSettings, architecture: str, at: datetime) -> Phase:
    """What the stack should be at `at`: the override first, then the schedule."""
    if schedule.awake == "true":
        return "awake"
    if schedule.awake == "false":
        return "asleep"
    if not schedule.windows:
        return "awake"
    lead = wake_lead(schedule, architecture)
    for opens, closes in awake_intervals(schedule, at - WEEK, at + WEEK):
        if opens <= at < closes:
            return "awake"
        if opens - lead <= at < opens:
            return "waking"
    return "asleep"


def desired_phase(schedule: ScheduleSettings, architecture: str, at: datetime) -> Phase:
    """`phase_at`, with paging held off while `tools/sleep` wakes the platform."""
    phase = phase_at(schedule, architecture, at)
    if phase == "awake" and os.environ.get(HOLD_VARIABLE) == "1":
        return "waking"
    return phase


def next_change(
    schedule: ScheduleSettings, architecture: str, at: datetime
) -> tuple[datetime, Phase] | None:
    """When the phase next changes after `at`, and to what; None if it never does."""
    if schedule.awake or not schedule.windows:
        return None
    lead = wake_lead(schedule, architecture)
    current = phase_at(schedule, architecture, at)
    edges = sorted(
        edge
        for opens, closes in awake_intervals(schedule, at, at + 2 * WEEK)
        for edge in (opens - lead, opens, closes)
        if edge > at
    )
    for edge in edges:
        phase = phase_at(schedule, architecture, edge)
        if phase != current:
            return edge, phase
    return None


def awake_fraction(schedule: ScheduleSettings, architecture: str) -> float:
    """Share of a week the platform exists (awake or waking): what hourly prices scale by."""
    if schedule.awake == "true" or (not schedule.windows and schedule.awake != "false"):
        return 1.0
    if schedule.awake == "false":
        return 0.0
    lead = wake_lead(schedule, architecture)
    # A week from a Monday far from any clock change, in the schedule's zone.
    zone = ZoneInfo(schedule.timezone)
    start = datetime(2026, 1, 12, tzinfo=zone).astimezone(UTC)
    end = start + WEEK
    covered: list[tuple[datetime, datetime]] = []
    for opens, closes in awake_intervals(schedule, start - WEEK, end + WEEK):
        a, b = max(opens - lead, start), min(closes, end)
        if b <= a:
            continue
        if covered and a <= covered[-1][1]:  # a short gap the wake lead fills
            covered[-1] = (covered[-1][0], max(covered[-1][1], b))
        else:
            covered.append((a, b))
    return sum((b - a for a, b in covered), timedelta()) / WEEK
